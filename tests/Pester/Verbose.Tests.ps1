# -Verbose tells what each cmdlet does; long sends show progress, silenced by $ProgressPreference.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1

    # The verbose messages a command writes.
    function Get-VerboseText([scriptblock] $Command) {
        @(& $Command 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
    }
}

Describe 'Verbose and progress' {
    AfterEach { Clear-NetworkProcesses; Clear-TestSockets }

    It 'a connect tells what the name resolves to, which address it tries and where it connected' {
        $listener = New-TestListener
        $text = Get-VerboseText { $null = New-NetworkProcess -Name v -Host localhost -Service $listener.Port -Verbose }
        $text | Should -Contain "Connecting to localhost:$($listener.Port)."
        $text | Should -Contain "Connecting to 127.0.0.1:$($listener.Port)..."
        ($text -match '^localhost:\d+ is .*127\.0\.0\.1') | Should -Not -BeNullOrEmpty
        ($text -match "^Connected from 127\.0\.0\.1:\d+ to 127\.0\.0\.1:$($listener.Port)\.$") | Should -Not -BeNullOrEmpty
    }

    It 'a server tells where it listens, a wait whom it accepted, a remove how it closes' {
        $text = Get-VerboseText { $null = New-NetworkProcess -Name vs -Server -Service 0 -Backlog 7 -Verbose }
        ($text -match '^Listening on 127\.0\.0\.1:\d+ \(backlog 7\)\.$') | Should -Not -BeNullOrEmpty
        $server = Get-NetworkProcess vs
        $client = [System.Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
        $script:TestSockets.Add($client)
        $client.Connect('127.0.0.1', $server.Service)
        Send-TestBytes -Socket $client -Data 'hi'
        $accepted = Get-VerboseText { $null = Wait-NetworkProcess -Timeout 5 -Verbose }
        ($accepted -match "^vs accepted vs <127\.0\.0\.1:$($client.LocalEndPoint.Port)> from 127\.0\.0\.1:\d+\.$") | Should -Not -BeNullOrEmpty
        $connection = Get-NetworkProcess 'vs <*'
        $closing = Get-VerboseText { Remove-NetworkProcess -InputObject $connection -Verbose }
        $closing | Should -Contain "Closing $($connection.Name) gracefully: what was sent reaches the peer, then the FIN, within 30 s (else a reset)."
        (Get-VerboseText { Remove-NetworkProcess vs -Abort -Verbose }) | Should -Contain 'Closing the listener vs; its connections stay open.'
    }

    It 'a send tells how much it wrote; a peer close shows in the wait that notices it' {
        $c = New-TestConnection
        $text = Get-VerboseText { Send-NetworkProcess -InputObject $c.Process -Data 'hello' -Verbose }
        $text | Should -Contain "Sending 5 bytes to test ($($c.Process.RemoteEndPoint))."
        ($text -match '^Wrote 5 bytes to test') | Should -Not -BeNullOrEmpty
        $c.Peer.Close()
        $closed = Get-VerboseText { $null = Wait-NetworkProcess -InputObject $c.Process -Timeout 5 -Verbose }
        $closed | Should -Contain 'test: connection broken by remote peer (exit status 256); closing gracefully.'
    }

    It 'without -Verbose nothing is written to the verbose stream' {
        $c = New-TestConnection
        Get-VerboseText { Send-NetworkProcess -InputObject $c.Process -Data 'quiet' } | Should -BeNullOrEmpty
    }

    It 'a Receive -Stream that runs over a second shows progress: bytes received and rate' {
        $ps = New-TestRunspace
        try {
            # A peer that trickles for about 1.5 s, then closes; the runspace streams it to its end.
            $listener = New-TestListener
            $null = Invoke-InTestRunspace $ps 'param($port) $global:down = New-NetworkProcess -Name down -Service $port' @($listener.Port)
            $peer = Get-TestPeer -Listener $listener
            $sending = [NetProcTestPeer]::SendChunksAsync($peer, 30, 1KB, 50)
            $ps.Commands.Clear()
            $invocation = $ps.AddScript('(Receive-NetworkProcess -InputObject $global:down -Stream -AsByteStream | ForEach-Object Length | Measure-Object -Sum).Sum').BeginInvoke()
            $sending.Wait(10000) | Should -BeTrue
            $peer.Shutdown('Send')
            $invocation.AsyncWaitHandle.WaitOne(10000) | Should -BeTrue
            $ps.EndInvoke($invocation) | Should -Be 30KB
            $records = @($ps.Streams.Progress)
            $records.Count | Should -BeGreaterThan 0
            $records[0].Activity | Should -Be 'Receiving from down'
            $records[0].StatusDescription | Should -Match '^[\d,]+ bytes received, [\d.,]+ MB/s$'
            $records[-1].RecordType | Should -Be 'Completed'
        } finally {
            $ps.Dispose()
        }
    }

    It 'a large send to a slow reader shows progress (bytes written of the total, rate), unless $ProgressPreference is SilentlyContinue' -TestCases @(
        @{ Preference = 'Continue'; Shown = $true }, @{ Preference = 'SilentlyContinue'; Shown = $false }
    ) {
        $listener = New-TestListener
        $ps = New-TestRunspace
        try {
            $null = Invoke-InTestRunspace $ps 'param($port) $global:up = New-NetworkProcess -Name up -Service $port' @($listener.Port)
            $peer = Get-TestPeer -Listener $listener
            $drain = Start-TestDrain -Socket $peer -StartDelay 0.5
            $null = Invoke-InTestRunspace $ps 'param($preference) $ProgressPreference = $preference; Send-NetworkProcess -InputObject $global:up -Data ([byte[]]::new(32MB)); Remove-NetworkProcess -InputObject $global:up' @($Preference)
            $ps.Streams.Error | Should -BeNullOrEmpty
            (Wait-TestDrain $drain).Length | Should -Be 32MB
            $records = @($ps.Streams.Progress)
            if ($Shown) {
                $records.Count | Should -BeGreaterThan 1
                $records[0].Activity | Should -Be 'Sending to up'
                $records[0].StatusDescription | Should -Match '^[\d,]+ of 33,554,432 bytes written, [\d.,]+ MB/s$'
                $records[-1].RecordType | Should -Be 'Completed'
            } else {
                $records | Should -BeNullOrEmpty
            }
        } finally {
            $ps.Dispose()
        }
    }
}
