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

Describe 'Serial processes' {
    BeforeAll {
        # Descriptors this pwsh holds open on a pty, found by the device its link points to.
        function Get-TestDeviceHandleCount([string] $Link) {
            $device = (Get-Item $Link).ResolvedTarget
            @(Get-ChildItem "/proc/$PID/fd" -ErrorAction SilentlyContinue | Where-Object { $_.ResolvedTarget -eq $device }).Count
        }
    }

    BeforeEach {
        $script:pair = New-TestPtyPair
    }

    AfterEach {
        Clear-NetworkProcesses
        Remove-TestPtyPair $pair
    }

    It 'is a process of Type Serial in the same registry: named after its port, Open, 9600,8N1 by default' {
        $p = New-SerialProcess $pair.A
        $p.Name | Should -Be $pair.A
        $p.Type | Should -Be 'Serial'
        $p.Kind | Should -Be 'Serial'
        $p.Status | Should -Be 'Open'
        $p.Port | Should -Be $pair.A
        $p.Speed | Should -Be 9600
        $p.DataBits | Should -Be 8
        $p.Parity | Should -Be 'None'
        $p.StopBits | Should -Be 'One'
        $p.FlowControl | Should -Be 'None'
        $p.Summary | Should -Be '9600,8N1'
        $p.Contact | Should -Be "(serial port $($pair.A) at 9600 b/s)"
        $p.Address | Should -Be "$($pair.A) 9600,8N1"
        $server = New-NetworkProcess -Name web -Server -Service 0
        $server.Type | Should -Be 'Network'
        (Get-NetworkProcess).Name | Should -Be @($pair.A, 'web')
        Get-ProcessStatus -Name $pair.A | Should -Be 'Open'
        $second = New-SerialProcess $pair.B -Name $pair.A
        $second.Name | Should -Be "$($pair.A)<1>"
        Remove-NetworkProcess -InputObject $p, $second
        $null = New-SerialProcess $pair.A -Name console
        $table = @(Get-NetworkProcess | Format-Table | Out-String -Width 80) -split "`n"
        $table | Where-Object { $_ -match '^\s*\d+ web ' } | Should -Match "Listen\s+0 on 127\.0\.0\.1:$($server.Service)"
        $table | Where-Object { $_ -match '^\s*\d+ console ' } | Should -Match "Open\s+0 \S*/A 9"
    }

    It 'carries text both ways, and bytes with -Encoding Byte' {
        $a = New-SerialProcess $pair.A -Name a
        $b = New-SerialProcess $pair.B -Name b -Encoding Byte
        Send-NetworkProcess a "héllo`n"
        $bytes = Receive-TestBytes -Process $b -Count 7
        [Text.Encoding]::UTF8.GetString($bytes) | Should -Be "héllo`n"
        Send-NetworkProcess b ([byte[]](0, 255, 10))
        Send-NetworkProcess b "back`n"
        # A byte that is no UTF-8 arrives as U+FFFD in a process that reads text.
        Receive-TestLines -Process $a -Count 2 | Should -Be @("$([char]0)$([char]0xFFFD)", 'back')
    }

    It 'carries 1 MiB in order through a device that echoes it (socat running cat on the far end)' {
        Remove-TestPtyPair $pair
        $folder = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "netproc-echo-$([guid]::NewGuid().ToString('N').Substring(0, 8))")
        $link = Join-Path $folder 'echo'
        $script:pair = [pscustomobject]@{
            A = $link; Folder = $folder.FullName
            Socat = Start-Process socat -ArgumentList "pty,raw,echo=0,link=$link", 'exec:cat' -PassThru
        }
        Wait-TestCondition { Test-Path $link } | Should -BeTrue
        $received = [IO.MemoryStream]::new()
        $p = New-SerialProcess $link -Name echo -Encoding Byte -Filter { param($Process, $Data) $received.Write($Data, 0, $Data.Length) }.GetNewClosure()
        $payload = New-TestBytes -Size 1MB
        Send-NetworkProcess $p $payload
        Wait-TestCondition { $received.Length -ge 1MB } -Timeout 60 | Should -BeTrue
        $received.Length | Should -Be 1MB
        [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($received.ToArray())) |
            Should -Be ([Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($payload)))
    }

    It 'calls filter and sentinel on the pipeline thread' {
        $seen = [Collections.Generic.List[string]]::new()
        $thread = [Threading.Thread]::CurrentThread.ManagedThreadId
        $null = New-SerialProcess $pair.A -Name a -Filter { param($Process, $Data) $seen.Add("filter $([Threading.Thread]::CurrentThread.ManagedThreadId) $Data") }.GetNewClosure() `
            -Sentinel { param($Process, $Message) $seen.Add("sentinel $([Threading.Thread]::CurrentThread.ManagedThreadId) $Message") }.GetNewClosure()
        $null = New-SerialProcess $pair.B -Name b
        Send-NetworkProcess b 'ping'
        Wait-TestCondition { $seen.Count -ge 1 } | Should -BeTrue
        Remove-NetworkProcess a
        $seen | Should -Be @("filter $thread ping", "sentinel $thread finished`n")
    }

    It 'holds what arrives while suspended, then delivers it in order' {
        $a = New-SerialProcess $pair.A -Name a -Stopped
        $a.Stopped | Should -BeTrue
        $null = New-SerialProcess $pair.B -Name b
        foreach ($word in 'one', 'two', 'three') { Send-NetworkProcess b "$word`n" }
        Wait-NetworkProcess a -Timeout 0.3 | Should -BeFalse
        Receive-NetworkProcess a | Should -BeNullOrEmpty
        Resume-NetworkProcess a
        Receive-TestLines -Process $a -Count 3 | Should -Be @('one', 'two', 'three')
        Suspend-NetworkProcess a
        Send-NetworkProcess b "four`n"
        Wait-NetworkProcess a -Timeout 0.3 | Should -BeFalse
        Resume-NetworkProcess a
        Receive-TestLines -Process $a -Count 1 | Should -Be 'four'
    }

    It 'Set-SerialProcess changes only the settings given, by name, object or pipeline' {
        $p = New-SerialProcess $pair.A -Name console -DataBits 7 -Parity Even -StopBits 2 -FlowControl Software
        $p.Summary | Should -Be '9600,7E2,Software'
        Set-SerialProcess console -Speed 4800
        $p.Summary | Should -Be '4800,7E2,Software'
        $p.DataBits | Should -Be 7
        $p.Parity | Should -Be 'Even'
        $p.StopBits | Should -Be 'Two'
        $p.FlowControl | Should -Be 'Software'
        Set-SerialProcess -InputObject $p -FlowControl None
        $p | Set-SerialProcess -Speed 115200 -PassThru | Should -Be $p
        $p.Summary | Should -Be '115200,7E2'
        $p.Contact | Should -Be "(serial port $($pair.A) at 115200 b/s)"
    }

    It 'Set-SerialProcess refuses a network process with NotASerialProcess and changes nothing of it' {
        $web = New-NetworkProcess -Name web -Server -Service 0
        Set-SerialProcess web -Speed 4800 -ErrorVariable err -ErrorAction SilentlyContinue
        @($err).Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NotASerialProcess,*'
        $err[0].Exception.Message | Should -Match 'not a serial process'
        $web.Status | Should -Be 'Listen'
    }

    It '-NoConfigure opens the line as it is; Set-SerialProcess then leaves it alone, as in Emacs' {
        $p = New-SerialProcess $pair.A -Name raw -NoConfigure
        $p.Speed | Should -BeNullOrEmpty
        $p.Summary | Should -Be ''
        $p.Contact | Should -Be "(serial port $($pair.A))"
        Set-SerialProcess raw -Speed 4800
        $p.Speed | Should -BeNullOrEmpty
        { New-SerialProcess $pair.B -NoConfigure -Speed 4800 } | Should -Throw -ErrorId 'IncompatibleParameters,*'
    }

    It 'refuses <Case> with <ErrorId>, and lists nothing' -TestCases @(
        @{ Case = 'a missing device'; ErrorId = 'SerialPortNotFound'; Make = { @{ Port = '/dev/ttyNoSuchPort9' } } }
        @{ Case = 'a file that is no terminal'; ErrorId = 'NotASerialPort'; Make = { @{ Port = '/dev/null' } } }
        @{ Case = 'a speed of 0'; ErrorId = 'InvalidSerialSpeed'; Make = { @{ Port = $pair.A; Speed = 0 } } }
        @{ Case = '9 data bits'; ErrorId = 'InvalidDataBits'; Make = { @{ Port = $pair.A; DataBits = 9 } } }
    ) {
        $arguments = & $Make
        $p = New-SerialProcess @arguments -ErrorVariable err -ErrorAction SilentlyContinue
        $p | Should -BeNullOrEmpty
        @($err).Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $err[0].Exception.Message | Should -Not -BeNullOrEmpty
        Get-NetworkProcess | Should -BeNullOrEmpty
        # Nothing half-made: the port opens afterwards.
        (New-SerialProcess $pair.A -Name after).Status | Should -Be 'Open'
    }

    It 'refuses settings the device does not keep with SerialSettingRefused, keeping the line as it was' {
        # Linux keeps a pty at 8 data bits: after 5N1, a change to 6 is refused, and a later open with 7 too.
        $p = New-SerialProcess $pair.A -Name console -DataBits 5
        Set-SerialProcess console -DataBits 6 -ErrorVariable err -ErrorAction SilentlyContinue
        @($err).Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SerialSettingRefused,*'
        $p.Summary | Should -Be '9600,5N1'
        Remove-NetworkProcess console
        $refused = New-SerialProcess $pair.A -Name again -DataBits 7 -ErrorVariable err -ErrorAction SilentlyContinue
        $refused | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SerialSettingRefused,*'
        Get-NetworkProcess | Should -BeNullOrEmpty
        (New-SerialProcess $pair.A -Name after).Status | Should -Be 'Open'
    }

    It 'refuses a port already open with SerialPortBusy, naming the process that has it' {
        $null = New-SerialProcess $pair.A -Name first
        $p = New-SerialProcess $pair.A -Name second -ErrorVariable err -ErrorAction SilentlyContinue
        $p | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SerialPortBusy,*'
        $err[0].Exception.Message | Should -Match 'first'
        (Get-NetworkProcess).Name | Should -Be 'first'
    }

    It 'refuses a device another program holds exclusively with SerialPortBusy (TIOCEXCL, which binds all but root''s override)' {
        $null = New-SerialProcess $pair.A -Name holder
        $pwsh = [Environment]::ProcessPath
        $prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $script = "Import-Module '$env:NETPROC_MODULE'; New-SerialProcess '$($pair.A)' -ErrorVariable e -ErrorAction SilentlyContinue; `$e[0].FullyQualifiedErrorId; @(Get-NetworkProcess).Count"
        $out = setpriv --bounding-set=-sys_admin $pwsh @prefix -NoProfile -NonInteractive -Command $script
        $out[0] | Should -BeLike 'SerialPortBusy,*'
        $out[1] | Should -Be '0'
    }

    It 'refuses a device the user may not open with AccessDenied (a pty without rights, in a pwsh without root''s override)' {
        $device = (Get-Item $pair.A).ResolvedTarget
        chmod 000 $device
        $pwsh = [Environment]::ProcessPath
        $prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $script = "Import-Module '$env:NETPROC_MODULE'; New-SerialProcess '$($pair.A)' -ErrorVariable e -ErrorAction SilentlyContinue; `$e[0].FullyQualifiedErrorId; @(Get-NetworkProcess).Count"
        $out = setpriv --bounding-set=-dac_override,-dac_read_search,-sys_admin $pwsh @prefix -NoProfile -NonInteractive -Command $script
        $out[0] | Should -BeLike 'AccessDenied,*'
        $out[1] | Should -Be '0'
    }

    It 'a device that goes away closes the process: status Closed, exit 256, the sentinel hears it, LastError says why' {
        $messages = [Collections.Generic.List[string]]::new()
        $p = New-SerialProcess $pair.A -Name gone -Sentinel { param($Process, $Message) $messages.Add($Message) }.GetNewClosure()
        $pair.Socat.Kill()
        Wait-TestCondition { $messages.Count -gt 0 } -Timeout 10 | Should -BeTrue
        $messages | Should -Be "exited abnormally with code 256`n"
        $p.Status | Should -Be 'Closed'
        $p.ExitStatus | Should -Be 256
        $p.LastError.Message | Should -Match 'went away'
        { Send-NetworkProcess -InputObject $p 'late' -ErrorAction Stop } | Should -Throw -ErrorId 'ProcessNotRunning,*'
        Get-NetworkProcess | Should -BeNullOrEmpty
    }

    It 'removal says "finished", releases the device and lets it open again at once' {
        $messages = [Collections.Generic.List[string]]::new()
        $null = New-SerialProcess $pair.A -Name console -Sentinel { param($Process, $Message) $messages.Add($Message) }.GetNewClosure()
        Get-TestDeviceHandleCount $pair.A | Should -Be 1
        Send-NetworkProcess console "bye`n"
        Remove-NetworkProcess console
        $messages | Should -Be "finished`n"
        Get-TestDeviceHandleCount $pair.A | Should -Be 0
        (New-SerialProcess $pair.A -Name again).Status | Should -Be 'Open'
    }

    It 'completes -Port with a pty link as the user types it' {
        $typed = $pair.A.Substring(0, $pair.A.Length - 1)
        $found = (TabExpansion2 -inputScript "New-SerialProcess -Port $typed" -cursorColumn ("New-SerialProcess -Port $typed").Length).CompletionMatches.CompletionText
        $found | Should -Contain $pair.A
    }
}
