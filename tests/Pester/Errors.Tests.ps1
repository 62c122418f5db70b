BeforeDiscovery {
    # Every cmdlet that selects processes, with what else it needs to run.
    $selectingCommands = @(
        @{ Command = 'Get-NetworkProcess'; Extra = @{} }
        @{ Command = 'Get-ProcessStatus'; Extra = @{} }
        @{ Command = 'Receive-NetworkProcess'; Extra = @{} }
        @{ Command = 'Remove-NetworkProcess'; Extra = @{} }
        @{ Command = 'Suspend-NetworkProcess'; Extra = @{} }
        @{ Command = 'Resume-NetworkProcess'; Extra = @{} }
        @{ Command = 'Set-NetworkProcess'; Extra = @{ QueryOnExit = $false } }
        @{ Command = 'Send-NetworkProcess'; Extra = @{ Data = 'x' } }
        @{ Command = 'Wait-NetworkProcess'; Extra = @{ Timeout = 0 } }
    )
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1

    # Runs a command expected to write non-terminating errors; returns them.
    function Get-CommandErrors([scriptblock] $Invocation) {
        $ErrorActionPreference = 'Continue'
        @(& $Invocation 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
    }
}

Describe 'Errors' {
    AfterEach { Clear-NetworkProcesses; Clear-TestSockets }

    Context 'bad endpoints' {
        It 'port <Service> is InvalidEndpoint and lists nothing' -TestCases @(
            @{ Service = 0 }, @{ Service = -1 }, @{ Service = 65536 }, @{ Service = '0' }, @{ Service = '70000' }
        ) {
            $before = @(Get-NetworkProcess).Count
            $p = New-NetworkProcess -Name bad -Service $Service -ErrorVariable err -ErrorAction SilentlyContinue
            $p | Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidEndpoint,*'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            @(Get-NetworkProcess).Count | Should -Be $before
        }

        It 'a service that is not a number or a string is InvalidEndpoint' {
            $p = New-NetworkProcess -Name bad -Service @{ port = 1 } -ErrorVariable err -ErrorAction SilentlyContinue
            $p | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidEndpoint,*'
            @(Get-NetworkProcess).Count | Should -Be 0
        }

        It 'an unknown service name is UnknownService, with the name as target' {
            $p = New-NetworkProcess -Name bad -Service nosuchservice -ErrorVariable err -ErrorAction SilentlyContinue
            $p | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'UnknownService,*'
            $err[0].TargetObject | Should -Be 'nosuchservice'
            @(Get-NetworkProcess).Count | Should -Be 0
        }

        It 'an unknown host is HostNotFound (ObjectNotFound)' {
            $p = New-NetworkProcess -Name bad -Host nosuchhost.invalid -Service 80 -ErrorVariable err -ErrorAction SilentlyContinue
            $p | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'HostNotFound,*'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            @(Get-NetworkProcess).Count | Should -Be 0
        }

        It 'a refused blocking connect is ConnectionRefused (ConnectionError), lists nothing and leaves the name free' {
            $p = New-NetworkProcess -Name web -Service (Get-ClosedPort) -ErrorVariable err -ErrorAction SilentlyContinue
            $p | Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ConnectionRefused,*'
            $err[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            @(Get-NetworkProcess).Count | Should -Be 0
            $listener = New-TestListener
            (New-NetworkProcess -Name web -Service $listener.Port).Name | Should -Be 'web'
        }

        It 'an address in use is AddressInUse saying to choose another -Service or 0' {
            $srv = New-NetworkProcess -Name srv -Server -Service 0
            $p = New-NetworkProcess -Name dup -Server -Service $srv.Service -ErrorVariable err -ErrorAction SilentlyContinue
            $p | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'AddressInUse,*'
            $err[0].Exception.Message | Should -Match "127\.0\.0\.1:$($srv.Service) is already in use"
            $err[0].Exception.Message | Should -Match 'another -Service, or 0'
            $err[0].Exception.Message | Should -Not -Match 'Address already in use'
        }

        It 'a refused connect says nothing listens there' {
            $port = Get-ClosedPort
            $err = Get-CommandErrors { New-NetworkProcess -Name web -Service $port }
            $err[0].Exception.Message | Should -Match "127\.0\.0\.1:$port refused the connection: nothing listens"
        }

        It 'a refused connect throws with -ErrorAction Stop' {
            { New-NetworkProcess -Name web -Service (Get-ClosedPort) -ErrorAction Stop } | Should -Throw -ErrorId 'ConnectionRefused,*'
            @(Get-NetworkProcess).Count | Should -Be 0
        }
    }

    Context 'parameter validation' {
        It 'an empty name is a parameter validation error (<Command>)' -TestCases @(
            @{ Command = 'New-NetworkProcess' }, @{ Command = 'Open-NetworkStream' }
        ) {
            { & $Command -Name '' -Service 1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
            @(Get-NetworkProcess).Count | Should -Be 0
        }

        It 'an empty host is a parameter validation error' {
            { New-NetworkProcess -Name x -Host '' -Service 1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        }

        It 'an unknown -Family is a parameter binding error' {
            { New-NetworkProcess -Name x -Family IPv5 -Service 1 } | Should -Throw -ExceptionType ([System.Management.Automation.ParameterBindingException])
            @(Get-NetworkProcess).Count | Should -Be 0
        }

        It 'an unknown encoding name is refused' {
            { New-NetworkProcess -Name x -Service 1 -Encoding nosuchencoding } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,*'
            @(Get-NetworkProcess).Count | Should -Be 0
        }

        It 'Get-NetworkProcess -Name '''' is a parameter validation error' {
            { Get-NetworkProcess -Name '' } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        }

        It 'a negative -Timeout is refused by <Command>' -TestCases @(
            @{ Command = 'Wait-NetworkProcess' }, @{ Command = 'Receive-NetworkProcess' }
        ) {
            $c = New-TestConnection
            { & $Command -InputObject $c.Process -Timeout -1 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        }

        It 'Receive-NetworkProcess -Line -AsByteStream is refused and reads nothing' {
            $c = New-TestConnection
            Send-TestBytes $c.Peer "kept`n"
            Wait-TestCondition { $c.Process.BytesReceived -ge 5 } | Should -BeTrue
            $thrown = $null
            try { Receive-NetworkProcess -InputObject $c.Process -Line -AsByteStream } catch { $thrown = $_ }
            $thrown | Should -Not -BeNullOrEmpty
            $thrown.FullyQualifiedErrorId | Should -BeLike 'IncompatibleParameters,*'
            Receive-TestLines -Process $c.Process -Count 1 | Should -Be 'kept'
        }
    }

    Context 'selectors' {
        BeforeEach { $c = New-TestConnection -Name present }

        It '<Command> -Id 999 is ProcessNotFound' -TestCases $selectingCommands {
            $err = Get-CommandErrors { & $Command -Id 999 @Extra }
            @($err).Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ProcessNotFound,*'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err[0].TargetObject | Should -Be 999
            @(Get-NetworkProcess).Count | Should -Be 1
        }

        It '<Command> with an exact name that does not exist is ProcessNotFound' -TestCases $selectingCommands {
            $err = Get-CommandErrors { & $Command -Name nosuch @Extra }
            @($err).Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ProcessNotFound,*'
            $err[0].TargetObject | Should -Be 'nosuch'
            @(Get-NetworkProcess).Count | Should -Be 1
            $c.Process.Status | Should -Be 'Open'
        }

        It '<Command> with a wildcard that matches nothing writes no error and no output' -TestCases @(
            @{ Command = 'Get-NetworkProcess'; Extra = @{} }
            @{ Command = 'Get-ProcessStatus'; Extra = @{} }
            @{ Command = 'Receive-NetworkProcess'; Extra = @{} }
            @{ Command = 'Remove-NetworkProcess'; Extra = @{} }
            @{ Command = 'Suspend-NetworkProcess'; Extra = @{ PassThru = $true } }
            @{ Command = 'Resume-NetworkProcess'; Extra = @{ PassThru = $true } }
            @{ Command = 'Set-NetworkProcess'; Extra = @{ QueryOnExit = $false; PassThru = $true } }
            @{ Command = 'Send-NetworkProcess'; Extra = @{ Data = 'x' } }
        ) {
            $out = @(& $Command -Name 'nosuch*' @Extra -ErrorVariable err)
            $out.Count | Should -Be 0
            $err.Count | Should -Be 0
            @(Get-NetworkProcess).Count | Should -Be 1
            $c.Process.Stopped | Should -BeFalse
            $c.Process.QueryOnExit | Should -BeTrue
        }

        It '<Command> with a malformed wildcard is InvalidWildcard, suggesting escaping or -Id' -TestCases $selectingCommands {
            $err = Get-CommandErrors { & $Command -Name 'pres[' @Extra }
            @($err).Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidWildcard,*'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err[0].TargetObject | Should -Be 'pres['
            $err[0].Exception.Message | Should -Match 'escape'
            $err[0].Exception.Message | Should -Match '-Id'
            @(Get-NetworkProcess).Count | Should -Be 1
            $c.Process.Status | Should -Be 'Open'
        }

        It 'a malformed wildcard is InvalidWildcard even when no process is listed' {
            Remove-NetworkProcess -InputObject $c.Process
            $err = Get-CommandErrors { Get-NetworkProcess -Name 'a[' }
            $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidWildcard,*'
        }

        It 'an unknown Id among known ones still acts on the known ones' {
            $err = Get-CommandErrors { Remove-NetworkProcess -Id $c.Process.Id, 999 }
            @($err).Count | Should -Be 1
            $c.Process.Status | Should -Be 'Closed'
        }

        It '<Command> with no selector is ProcessRequired' -TestCases @(
            @{ Command = 'Remove-NetworkProcess'; Extra = @{} }
            @{ Command = 'Get-ProcessStatus'; Extra = @{} }
            @{ Command = 'Receive-NetworkProcess'; Extra = @{} }
            @{ Command = 'Suspend-NetworkProcess'; Extra = @{} }
            @{ Command = 'Resume-NetworkProcess'; Extra = @{} }
            @{ Command = 'Set-NetworkProcess'; Extra = @{ QueryOnExit = $false } }
            @{ Command = 'Send-NetworkProcess'; Extra = @{ Data = 'x' } }
        ) {
            { & $Command @Extra } | Should -Throw -ErrorId 'ProcessRequired,*'
            @(Get-NetworkProcess).Count | Should -Be 1
            $c.Process.Status | Should -Be 'Open'
            $c.Process.QueryOnExit | Should -BeTrue
        }
    }

    Context 'IPv6 connection names' {
        BeforeEach {
            $srv = New-NetworkProcess -Name s6 -Server -Family IPv6 -Service 0
            $cli = New-NetworkProcess -Name c6 -Family IPv6 -Service $srv.Service
            $deadline = [datetime]::UtcNow.AddSeconds(5)
            while (-not ($conn = Get-NetworkProcess -Name 's6 <*') -and [datetime]::UtcNow -lt $deadline) { $null = Wait-NetworkProcess -Timeout 0.05 }
            $conn.Name | Should -Match '^s6 <\[::1\]:\d+>$'
        }

        It 'the exact name, brackets and all, selects the connection' {
            Get-NetworkProcess -Name $conn.Name | Should -Be $conn
        }

        It 'the escaped name selects the connection (<Command>)' -TestCases @(
            @{ Command = 'Get-NetworkProcess' }, @{ Command = 'Get-ProcessStatus' }, @{ Command = 'Remove-NetworkProcess' }
        ) {
            $err = Get-CommandErrors { & $Command -Name ([WildcardPattern]::Escape($conn.Name)) }
            $err | Should -BeNullOrEmpty
            if ($Command -eq 'Remove-NetworkProcess') { $conn.Status | Should -Be 'Closed' }
            else { & $Command -Name ([WildcardPattern]::Escape($conn.Name)) | Should -Not -BeNullOrEmpty }
        }

        It 'an escaped name that matches nothing is ProcessNotFound' {
            $err = Get-CommandErrors { Get-NetworkProcess -Name ([WildcardPattern]::Escape('s6 <[::1]:1>')) }
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ProcessNotFound,*'
        }

        It 'tab completion offers the name in a form that selects the connection as typed' {
            $line = 'Get-NetworkProcess -Name s6'
            $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
            $offered = @($completions | Where-Object ListItemText -EQ $conn.Name)
            $offered.Count | Should -Be 1
            $found = Invoke-Expression "Get-NetworkProcess -Name $($offered[0].CompletionText)"
            $found | Should -Be $conn
        }
    }

    Context 'unix socket paths' {
        BeforeAll {
            # 205 bytes: longer than any platform's unix socket address holds (104 or 108 with the final NUL).
            $script:longPath = Join-Path ([IO.Path]::GetTempPath()) ('x' * 200)
        }

        It 'a path too long for the platform is InvalidEndpoint giving the length and the limit (<Case>)' -TestCases @(
            @{ Case = 'stream client'; Options = @{} }
            @{ Case = 'stream server'; Options = @{ Server = $true } }
            @{ Case = 'datagram client'; Options = @{ SocketType = 'Datagram' } }
            @{ Case = 'datagram server'; Options = @{ SocketType = 'Datagram'; Server = $true } }
        ) {
            $bytes = [Text.Encoding]::UTF8.GetByteCount($longPath)
            $p = New-NetworkProcess -Name long -Family Local -Service $longPath @Options -ErrorVariable err -ErrorAction SilentlyContinue
            $p | Should -BeNullOrEmpty
            @($err).Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidEndpoint,*'
            $err[0].TargetObject | Should -Be $longPath
            $err[0].Exception.Message | Should -Match "\b$bytes bytes\b"
            $err[0].Exception.Message | Should -Match 'at most 10[37]\b'
            @(Get-NetworkProcess).Count | Should -Be 0
        }

        It '<Case> is InvalidEndpoint and leaves the datagram address as it was' -TestCases @(
            @{ Case = 'Send -To a path too long'; Set = $false; Path = 'long' }
            @{ Case = 'Send -To an empty path'; Set = $false; Path = '' }
            @{ Case = 'Set -DatagramAddress a path too long'; Set = $true; Path = 'long' }
            @{ Case = 'Set -DatagramAddress an empty path'; Set = $true; Path = '' }
        ) {
            $target = if ($Path -eq 'long') { $longPath } else { '' }
            $srvPath = New-SocketPath
            $srv = New-NetworkProcess -Name usrv -SocketType Datagram -Server -Family Local -Service $srvPath
            $err = if ($Set) { Get-CommandErrors { Set-NetworkProcess -InputObject $srv -DatagramAddress $target } }
            else { Get-CommandErrors { Send-NetworkProcess -InputObject $srv -Data 'x' -To $target } }
            @($err).Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidEndpoint,*'
            $err[0].Exception.Message | Should -Match $(if ($Path -eq 'long') { 'bytes long' } else { 'empty' })
            $srv.DatagramAddress | Should -BeNullOrEmpty
            $srv.BytesSent | Should -Be 0
        }

        It 'a unix client to a path with no socket file is ConnectionRefused saying so (<Type>)' -TestCases @(
            @{ Type = 'Stream' }, @{ Type = 'Datagram' }
        ) {
            $path = New-SocketPath
            $sockets = Get-TestSocketCount
            $p = New-NetworkProcess -Name nofile -Family Local -Service $path -SocketType $Type -ErrorVariable err -ErrorAction SilentlyContinue
            $p | Should -BeNullOrEmpty
            @($err).Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ConnectionRefused,*'
            $err[0].CategoryInfo.Category | Should -Be 'ConnectionError'
            $err[0].Exception.Message | Should -Match "no socket file at $([regex]::Escape($path))"
            $err[0].Exception.Message | Should -Match 'server running'
            @(Get-NetworkProcess).Count | Should -Be 0
            Get-TestSocketCount | Should -BeLessOrEqual $sockets
        }

        It 'a unix datagram client to a stream server''s socket is refused as another type' {
            $path = New-SocketPath
            $srv = New-NetworkProcess -Name ssrv -Server -Family Local -Service $path
            $p = New-NetworkProcess -Name wrong -Family Local -Service $path -SocketType Datagram -ErrorVariable err -ErrorAction SilentlyContinue
            $p | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidEndpoint,*'
            $err[0].Exception.Message | Should -Match 'another type'
            @(Get-NetworkProcess).Count | Should -Be 1
        }

        It 'a second server on a socket file in use is AddressInUse saying the file exists' {
            $path = New-SocketPath
            $srv = New-NetworkProcess -Name usrv -Server -Family Local -Service $path
            $p = New-NetworkProcess -Name dup -Server -Family Local -Service $path -ErrorVariable err -ErrorAction SilentlyContinue
            $p | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'AddressInUse,*'
            $err[0].Exception.Message | Should -Match "Socket file $([regex]::Escape($path)) already exists"
        }
    }

    Context 'huge timeouts' {
        It '<Command> -Timeout <Label> is no limit, not an error' -TestCases @(
            @{ Command = 'Wait-NetworkProcess'; Label = '1e12'; Seconds = 1e12 }
            @{ Command = 'Wait-NetworkProcess'; Label = '[double]::MaxValue'; Seconds = [double]::MaxValue }
            @{ Command = 'Receive-NetworkProcess'; Label = '1e12'; Seconds = 1e12 }
            @{ Command = 'Receive-NetworkProcess'; Label = '[double]::MaxValue'; Seconds = [double]::MaxValue }
        ) {
            # Output comes, then the close: a wait without limit ends with them.
            $c = New-TestConnection
            Send-TestBytes $c.Peer 'here'
            $c.Peer.Close()
            $err = $null
            $out = & $Command -InputObject $c.Process -Timeout $Seconds -ErrorVariable err
            $err | Should -BeNullOrEmpty
            $out | Should -Be $(if ($Command -eq 'Wait-NetworkProcess') { $true } else { 'here' })
        }
    }

    Context 'services of the other protocol' {
        BeforeAll {
            $script:ntpIsUdpOnly = (Select-String -Path /etc/services -Pattern '^ntp\s+123/udp' -Quiet) -and
                -not (Select-String -Path /etc/services -Pattern '^ntp\s+123/tcp' -Quiet)
        }

        It 'a UDP-only service (ntp) names its port for a datagram process' {
            if (-not $ntpIsUdpOnly) { Set-ItResult -Skipped -Because '/etc/services has no udp-only ntp entry' }
            $p = New-NetworkProcess -Name time -SocketType Datagram -Host 127.0.0.1 -Service ntp
            $p.RemoteEndPoint.Port | Should -Be 123
            $p.Service | Should -Be 'ntp'
        }

        It 'a stream process given a UDP-only service is UnknownService saying it is a UDP service' {
            if (-not $ntpIsUdpOnly) { Set-ItResult -Skipped -Because '/etc/services has no udp-only ntp entry' }
            $p = New-NetworkProcess -Name time -Service ntp -ErrorVariable err -ErrorAction SilentlyContinue
            $p | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'UnknownService,*'
            $err[0].Exception.Message | Should -Match 'UDP service'
            $err[0].Exception.Message | Should -Match '-SocketType Datagram'
            @(Get-NetworkProcess).Count | Should -Be 0
        }
    }

    Context 'sending' {
        It 'sending $null is InvalidData' {
            $c = New-TestConnection
            $err = Get-CommandErrors { Send-NetworkProcess -InputObject $c.Process -Data $null }
            $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidData,*'
            $c.Process.BytesSent | Should -Be 0
        }

        It 'piping $null is InvalidData' {
            $c = New-TestConnection
            $err = Get-CommandErrors { $null | Send-NetworkProcess $c.Process }
            $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidData,*'
        }

        It 'sending nothing without -Eof is InvalidData' {
            $c = New-TestConnection
            $err = Get-CommandErrors { Send-NetworkProcess -InputObject $c.Process }
            $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidData,*'
        }

        It 'sending to a removed process object is ProcessNotRunning (InvalidOperation) saying it was removed' {
            $c = New-TestConnection
            Remove-NetworkProcess -InputObject $c.Process
            $err = Get-CommandErrors { Send-NetworkProcess -InputObject $c.Process -Data 'late' }
            @($err).Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ProcessNotRunning,*'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
            $err[0].Exception.Message | Should -Match 'was removed'
        }

        It '-Eof on a removed process object is ProcessNotRunning' {
            $c = New-TestConnection
            Remove-NetworkProcess -InputObject $c.Process
            $err = Get-CommandErrors { Send-NetworkProcess -InputObject $c.Process -Eof }
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ProcessNotRunning,*'
        }

        It 'sending to a process the peer closed is ProcessNotRunning' {
            $c = New-TestConnection
            $c.Peer.Close()
            Wait-TestCondition { $c.Process.Status -eq 'Closed' } | Should -BeTrue
            $err = Get-CommandErrors { Send-NetworkProcess -InputObject $c.Process -Data 'late' }
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ProcessNotRunning,*'
            $err[0].Exception.Message | Should -Match 'closed by its peer'
        }

        It 'sending to a failed -NoWait process is ProcessNotRunning saying its connect failed' {
            $p = New-NetworkProcess -Name nw -Service (Get-ClosedPort) -NoWait
            Wait-TestCondition { $p.Status -eq 'Failed' } | Should -BeTrue
            $err = Get-CommandErrors { Send-NetworkProcess -InputObject $p -Data 'x' }
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ProcessNotRunning,*'
            $err[0].Exception.Message | Should -Match 'connect failed \(code 111\)'
        }

        It 'sending to a server is ProcessNotRunning saying to send to one of its connections' {
            $srv = New-NetworkProcess -Name s3 -Server -Service 0
            $err = Get-CommandErrors { Send-NetworkProcess -InputObject $srv -Data 'x' }
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ProcessNotRunning,*'
            $err[0].Exception.Message | Should -Match 'is a server'
            $err[0].Exception.Message | Should -Match 'one of its connections'
        }
    }
}
