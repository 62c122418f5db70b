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
            $thrown.FullyQualifiedErrorId | Should -Match '^(LineWithByteStream|IncompatibleParameters),'
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

        It 'sending to a removed process object is ProcessNotRunning (InvalidOperation)' {
            $c = New-TestConnection
            Remove-NetworkProcess -InputObject $c.Process
            $err = Get-CommandErrors { Send-NetworkProcess -InputObject $c.Process -Data 'late' }
            @($err).Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ProcessNotRunning,*'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
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
        }

        It 'sending to a failed -NoWait process is ProcessNotRunning' {
            $p = New-NetworkProcess -Name nw -Service (Get-ClosedPort) -NoWait
            Wait-TestCondition { $p.Status -eq 'Failed' } | Should -BeTrue
            $err = Get-CommandErrors { Send-NetworkProcess -InputObject $p -Data 'x' }
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ProcessNotRunning,*'
        }
    }
}
