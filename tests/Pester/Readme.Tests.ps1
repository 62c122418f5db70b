# The README's tour runs as written: every `PS>` line of its powershell blocks, in order, in one fresh runspace, on
# loopback; and where the README shows plain output under a command (not a table), that output appears.

BeforeDiscovery {
    # The tour as a list of commands, each with the output lines the README shows under it.
    $readme = Get-Content (Join-Path $PSScriptRoot '../../README.md')
    $steps = [Collections.Generic.List[hashtable]]::new()
    $inBlock = $false
    $tour = $false
    foreach ($line in $readme) {
        if ($line -like '## *') { $tour = $line -like '## A tour*' }
        if (-not $tour) { continue }
        if ($line -match '^```') { $inBlock = $line -match '^```powershell'; continue }
        if (-not $inBlock) { continue }
        if ($line -match '^PS> (.*)$') {
            $steps.Add(@{ Command = $Matches[1]; Expected = [Collections.Generic.List[string]]::new() })
        } elseif ($line -match '^      \S' -and $steps.Count -and $steps[-1].Expected.Count -eq 0) {
            $steps[-1].Command += "`n" + $line
        } elseif ($steps.Count -and $line.Trim()) {
            $steps[-1].Expected.Add($line.Trim())
        }
    }
    $tourSteps = @($steps | ForEach-Object { @{ Command = $_.Command; Expected = @($_.Expected) } })
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $script:tourRunspace = New-TestRunspace
    $script:shown = @()
    # The unix socket example uses a fixed path; a file left by an earlier, killed run would make it AddressInUse.
    Remove-Item /tmp/ctl.sock -ErrorAction SilentlyContinue
}

AfterAll {
    $script:tourRunspace.Dispose()
    Stop-TestChildSocat
    Remove-Item /tmp/ctl.sock -ErrorAction SilentlyContinue
}

Describe 'README tour' {
    It 'runs: <Command>' -TestCases $tourSteps {
        $ps = $script:tourRunspace
        $ps.Commands.Clear()
        $ps.Streams.ClearStreams()
        $null = $ps.AddScript("`$ErrorActionPreference = 'Stop'; $Command").AddCommand('Out-String').AddParameter('Stream')
        $output = @($ps.Invoke())
        $ps.HadErrors | Should -BeFalse -Because ($ps.Streams.Error | Out-String)
        # What callbacks print may come a command early (they run whenever the session waits): output is compared
        # with all that was shown since the last comparison. A table shows ports and Ids that change from run to run:
        # only plain output is compared.
        $script:shown += @($output) + @($ps.Streams.Information | ForEach-Object { "$($_.MessageData)" })
        if ($Expected.Count -and -not ($Expected | Where-Object { $_ -match '^(Id|Received)\s' -or $_ -eq '...' })) {
            # A filter's Write-Host (shown as "[name] data") that runs from the session's event between commands goes
            # straight to the host, which a runspace without one drops: those lines cannot be compared here.
            foreach ($line in $Expected | Where-Object { $_ -notmatch '^\[\w+\] ' }) {
                @($script:shown | Where-Object { $_ -like "*$line*" }).Count | Should -BeGreaterThan 0 -Because "the README shows '$line' here; it printed: $($script:shown -join ' | ')"
            }
            $script:shown = @()
        }
    }
}
