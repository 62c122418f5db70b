# Serial groundwork (issue 12): port discovery, -Port completion, and System.IO.Ports taken from the host, never shipped.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $script:Ports = 'System.IO.Ports, Version=99.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51'
}

Describe 'System.IO.Ports packaging' {
    It 'ships no System.IO.Ports with the module' {
        Get-ChildItem $env:NETPROC_MODULE -Recurse -Filter 'System.IO.Ports*' | Should -BeNullOrEmpty
    }

    It 'loads the host''s System.IO.Ports, whatever version the module was compiled against' {
        # A fresh pwsh: a version newer than any host's binds only through the module's redirect to the host's copy.
        $pwsh = [Environment]::ProcessPath
        $prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $childScript = @'
            $before = try {{ [Reflection.Assembly]::Load('{1}').Location }} catch {{ 'not bound' }}
            Import-Module '{0}'
            $null = Get-SerialPortName
            [pscustomobject]@{{
                Before = $before
                After  = [Reflection.Assembly]::Load('{1}').Location
                Loaded = @([AppDomain]::CurrentDomain.GetAssemblies().Where({{ $_.GetName().Name -eq 'System.IO.Ports' }}).Location)
                PSHome = $PSHOME
            }} | ConvertTo-Json -Compress
'@ -f $env:NETPROC_MODULE, $Ports
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes($childScript))
        $result = & $pwsh @prefix -NoProfile -NonInteractive -EncodedCommand $encoded | ConvertFrom-Json
        $result.Before | Should -Be 'not bound'
        $result.After | Should -BeLike "$($result.PSHome)*"
        @($result.Loaded).Count | Should -Be 1
        $result.Loaded | Should -BeLike "$($result.PSHome)*"
    }

    It 'keeps System.IO.Ports types out of every cmdlet parameter and public property' {
        $assembly = (Get-Command Get-SerialPortName).ImplementingType.Assembly
        $leaks = foreach ($type in $assembly.GetExportedTypes()) {
            foreach ($member in $type.GetProperties() + $type.GetFields()) {
                $memberType = if ($member -is [Reflection.PropertyInfo]) { $member.PropertyType } else { $member.FieldType }
                if ($memberType.Assembly.GetName().Name -eq 'System.IO.Ports') { "$($type.Name).$($member.Name)" }
            }
        }
        $leaks | Should -BeNullOrEmpty
    }
}

Describe 'Get-SerialPortName' {
    It 'lists present ports only: paths that exist, sorted, no pty' {
        $names = @(Get-SerialPortName)
        foreach ($name in $names) { Test-Path -LiteralPath $name | Should -BeTrue -Because $name }
        $names | Should -Be @($names | Sort-Object -CaseSensitive)
        $names -like '/dev/pts/*' | Should -BeNullOrEmpty
    }

    It 'lists a UART only when a driver found one there (sysfs type not 0)' -Skip:(-not $IsLinux) {
        $names = @(Get-SerialPortName)
        foreach ($uart in Get-ChildItem /sys/class/tty -Filter 'ttyS*') {
            $present = (Get-Content (Join-Path $uart.FullName 'type')) -ne '0'
            ($names -contains "/dev/$($uart.Name)") | Should -Be $present -Because $uart.Name
        }
    }
}

Describe 'Serial port completion' {
    BeforeAll {
        $script:Pair = New-TestPtyPair
        $script:Completer = [NetProc.Session.SerialPortCompleter]::new()
    }

    AfterAll { Remove-TestPtyPair $Pair }

    It 'completes a pty link as the user types its path' {
        $typed = Join-Path $Pair.Folder ''
        $results = @($Completer.CompleteArgument('New-SerialProcess', 'Port', $typed, $null, @{}))
        $results.CompletionText | Should -Contain $Pair.A
        $results.CompletionText | Should -Contain $Pair.B
        $results = @($Completer.CompleteArgument('New-SerialProcess', 'Port', "$($Pair.A.Substring(0, $Pair.A.Length - 1))", $null, @{}))
        $results.CompletionText | Should -Contain $Pair.A
    }

    It 'completes a folder with a separator, to go on into it' {
        $results = @($Completer.CompleteArgument('New-SerialProcess', 'Port', $Pair.Folder, $null, @{}))
        $results.CompletionText | Should -Be @("$($Pair.Folder)$([IO.Path]::DirectorySeparatorChar)")
    }

    It 'offers the ports present for an empty word and nothing made up for a plain word' {
        $results = @($Completer.CompleteArgument('New-SerialProcess', 'Port', '', $null, @{}))
        @($results.CompletionText) | Should -Be @(Get-SerialPortName)
        $Completer.CompleteArgument('New-SerialProcess', 'Port', 'no-such-port', $null, @{}) | Should -BeNullOrEmpty
    }
}
