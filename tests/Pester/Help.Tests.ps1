# The cmdlet help users read with Get-Help: complete for every exported cmdlet, and its examples run as written.

BeforeDiscovery {
    Import-Module $env:NETPROC_MODULE -Force
    $cmdlets = @((Get-Module NetProc).ExportedCmdlets.Keys | Sort-Object | ForEach-Object { @{ Name = $_ } })
    $examples = @(foreach ($cmdlet in $cmdlets.Name) {
            $number = 0
            # What an example writes is checked against its Output in the help source, where it has one.
            $source = Import-PowerShellDataFile (Join-Path $PSScriptRoot "../../help/$cmdlet.psd1")
            foreach ($example in @((Get-Help $cmdlet -Examples).examples.example)) {
                $expected = $source.Examples[$number]
                $number++
                @{ Cmdlet = $cmdlet; Number = $number; Code = $example.code; Checked = $expected.ContainsKey('Output'); Expected = @($expected['Output']) }
            }
        })
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    # -WhatIf and -Confirm are described with each cmdlet; the others in about_CommonParameters.
    $script:commonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters
}

Describe 'Cmdlet help' {
    It 'describes every parameter of every exported cmdlet' {
        $cmdletNames = (Get-Module NetProc).ExportedCmdlets.Keys
        $manifest = Import-PowerShellDataFile (Join-Path $env:NETPROC_MODULE 'NetProc.psd1')
        @($cmdletNames | Sort-Object) | Should -Be @($manifest.CmdletsToExport | Sort-Object)
        $undescribed = foreach ($name in $cmdletNames) {
            $help = Get-Help $name -Full
            foreach ($parameter in (Get-Command $name).Parameters.Keys | Where-Object { $_ -notin $commonParameters }) {
                $entry = @($help.parameters.parameter) | Where-Object name -EQ $parameter
                if (-not ($entry.description.Text -join '').Trim()) { "$name -$parameter" }
            }
        }
        $undescribed | Should -BeNullOrEmpty -Because 'every parameter needs a /// comment on its property'
    }

    It 'lists every parameter of every set in the syntax, with the aliases the cmdlet has' {
        # Get-Command evaluates dynamic parameters (the TLS ones) too: the help must show them like the others.
        $wrong = foreach ($name in (Get-Module NetProc).ExportedCmdlets.Keys) {
            $command = Get-Command $name
            $help = Get-Help $name -Full
            $shown = @($help.syntax.syntaxItem | ForEach-Object { @($_.parameter | ForEach-Object name | Sort-Object) -join ' ' })
            foreach ($set in $command.ParameterSets) {
                $expected = @($set.Parameters.Name | Where-Object { $_ -notin $commonParameters } | Sort-Object) -join ' '
                if ($expected -notin $shown) { "$name, set $($set.Name): no syntax in the help lists exactly $expected" }
            }
            foreach ($parameter in $command.Parameters.Values | Where-Object Name -NotIn $commonParameters) {
                $aliases = (@($help.parameters.parameter) | Where-Object name -EQ $parameter.Name).aliases
                $expected = if ($parameter.Aliases.Count) { $parameter.Aliases -join ', ' } else { 'none' }
                if ($aliases -ne $expected) { "$name -$($parameter.Name): help says aliases '$aliases', the cmdlet has '$expected'" }
            }
        }
        $wrong | Should -BeNullOrEmpty
    }

    # Declared once and taken by several cmdlets (TlsParameters through IDynamicParameters, NewProcessCmdlet as a base
    # class): moving a declaration must not lose a parameter, an alias or its help on any of them.
    It 'keeps -<Parameter> (aliases: <Aliases>) and its help on <Cmdlets>' -ForEach @(
        foreach ($shared in @(
                @{ Cmdlets = 'New-NetworkProcess', 'Open-NetworkStream', 'Protect-NetworkProcess'; Parameters = [ordered]@{
                        TlsServerName = @(); SkipCertificateCheck = @(); CertificateAuthority = @('CACertificate'); ServerCertificateThumbprint = @()
                        Certificate = @(); CertificatePassword = @(); SslProtocol = @(); ApplicationProtocol = @()
                    }
                }
                @{ Cmdlets = 'New-NetworkProcess', 'Protect-NetworkProcess'; Parameters = [ordered]@{ RequireClientCertificate = @() } }
                @{ Cmdlets = 'New-NetworkProcess', 'New-SerialProcess'; Parameters = [ordered]@{
                        Stopped = @('Suspended'); NoQuery = @(); Buffer = @(); Filter = @(); Sentinel = @(); Plist = @(); Encoding = @()
                    }
                })) {
            foreach ($name in $shared.Parameters.Keys) { @{ Parameter = $name; Aliases = $shared.Parameters[$name]; Cmdlets = $shared.Cmdlets } }
        }) {
        $texts = foreach ($cmdlet in $Cmdlets) {
            $bound = (Get-Command $cmdlet).Parameters[$Parameter]
            $bound | Should -Not -BeNullOrEmpty -Because "$cmdlet takes -$Parameter"
            @($bound.Aliases) | Should -Be $Aliases -Because "$cmdlet -$Parameter keeps its aliases"
            $help = Get-Help $cmdlet -Parameter $Parameter
            $help.aliases | Should -Be $(if ($Aliases) { $Aliases -join ', ' } else { 'none' }) -Because "the help of $cmdlet -$Parameter names its aliases"
            ($help.description.Text -join ' ').Trim()
        }
        $texts | Should -Not -Contain '' -Because "every $Parameter has help"
        @($texts | Sort-Object -Unique).Count | Should -Be 1 -Because "-$Parameter is declared once, so its help is the same on $($Cmdlets -join ', ')"
    }

    It 'says -Name takes wildcards wherever it selects processes' {
        $selecting = (Get-Module NetProc).ExportedCmdlets.Values | Where-Object { $_.Parameters['Name'].ParameterSets.Keys -contains 'Name' -and $_.Parameters.ContainsKey('InputObject') }
        @($selecting).Count | Should -BeGreaterThan 5
        foreach ($command in $selecting) { (Get-Help $command.Name -Parameter Name).globbing | Should -Be 'true' -Because $command.Name }
    }

    It '<Name> has a synopsis, a description, inputs, outputs, links and at least two examples' -ForEach $cmdlets {
        $help = Get-Help $Name -Full
        # Without a help file, Get-Help makes the synopsis from the syntax, which starts with the cmdlet's name.
        $help.Synopsis | Should -Not -Match "^\s*$Name\b"
        ($help.description.Text -join '').Length | Should -BeGreaterThan 100
        @($help.inputTypes.inputType).Count | Should -BeGreaterThan 0
        @($help.returnValues.returnValue).Count | Should -BeGreaterThan 0
        @($help.relatedLinks.navigationLink.linkText) | Should -Contain 'about_NetProc'
        @($help.relatedLinks.navigationLink.linkText) -like 'Emacs: *' | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        foreach ($example in $help.examples.example) {
            ($example.remarks.Text -join '').Trim() | Should -Not -BeNullOrEmpty
        }
    }

    Context 'examples' {
        # Examples use plain names (echo, client): a process left by another test would turn them into echo<1>.
        BeforeEach {
            Clear-NetworkProcesses
        }

        AfterEach {
            Clear-NetworkProcesses
            Stop-TestChildSocat
        }

        It '<Cmdlet> example <Number> runs as written, writes what its help says, and cleans up' -ForEach $examples {
            $example = [scriptblock]::Create($Code)
            # Errors stop the example and fail the test; warnings (a callback that threw, say) are collected.
            $streams = & { $ErrorActionPreference = 'Stop'; & $example } 3>&1 6>&1
            @($streams | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }) | Should -BeNullOrEmpty
            if ($Checked) {
                # Output and Write-Host lines in order, as text; WhatIf messages go to the host, not a stream.
                $written = @($streams | Where-Object { $_ -isnot [System.Management.Automation.WarningRecord] } | ForEach-Object {
                        if ($_ -is [System.Management.Automation.InformationRecord]) { [string]$_.MessageData } else { [string]$_ }
                    })
                $written.Count | Should -Be $Expected.Count -Because "the example should write: $($Expected -join ' | '); it wrote: $($written -join ' | ')"
                for ($i = 0; $i -lt $written.Count; $i++) { $written[$i] | Should -BeLike $Expected[$i] }
            }
            @(Get-NetworkProcess | ForEach-Object { "$($_.Name) ($($_.Status))" }) | Should -BeNullOrEmpty -Because 'each example removes what it created'
        }
    }
}
