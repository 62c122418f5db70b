BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1

    # The Emacs test suite's echo server, one request: reads "echo WORD", answers "WORD`n".
    function Invoke-EchoPeer {
        param($Peer, [string] $Request = 'echo foo')
        $got = Read-TestText -Socket $Peer -Count $Request.Length
        $word = ($got -split '\s+')[1]
        if (($got -split '\s+')[0] -eq 'echo') { Send-TestBytes $Peer "$word`n" }
        $got
    }

    # Client side of the echo scenario: send "echo foo", then read until a newline came.
    function Test-Echo {
        param($Process, $Peer)
        Send-NetworkProcess -InputObject $Process 'echo foo'
        Invoke-EchoPeer $Peer | Should -Be 'echo foo'
        Receive-TestText -Process $Process -Until { param($t) $t.EndsWith("`n") }
    }
}

Describe 'Client' {
    AfterEach { Clear-NetworkProcesses; Clear-TestSockets }

    Context 'blocking connect' {
        It 'returns an Open process whose endpoints match the peer''s' {
            $listener = New-TestListener
            $p = New-NetworkProcess -Name cli -Service $listener.Port
            $peer = Get-TestPeer $listener
            $p.Status | Should -Be 'Open'
            $p.IsLive | Should -BeTrue
            $p.Stopped | Should -BeFalse
            $p.Family | Should -Be 'IPv4'
            $p.RemoteEndPoint.Port | Should -Be $listener.Port
            $p.RemoteEndPoint.Address | Should -Be ([ipaddress]::Loopback)
            $p.LocalEndPoint.ToString() | Should -Be $peer.RemoteEndPoint.ToString()
        }

        It 'keeps Host and Service as given' {
            $listener = New-TestListener
            $p = New-NetworkProcess -Name cli -Host 127.0.0.1 -Service ([string]$listener.Port)
            $p.Host | Should -Be '127.0.0.1'
            $p.Service | Should -Be ([string]$listener.Port)
            $p.Service | Should -BeOfType [string]
        }

        It 'does not call the sentinel when a blocking connect succeeds' {
            $messages = [System.Collections.Generic.List[string]]::new()
            $c = New-TestConnection -Options @{ Sentinel = { param($P, $M) $messages.Add($M) }.GetNewClosure() }
            Send-TestBytes $c.Peer 'ping'
            Receive-TestText -Process $c.Process -Until { param($t) $t -eq 'ping' } | Should -Be 'ping'
            $messages.Count | Should -Be 0
        }

        It 'with -Stopped starts suspended: Open, Stopped, and reading only after Resume' {
            $c = New-TestConnection -Options @{ Stopped = $true }
            $c.Process.Status | Should -Be 'Open'
            $c.Process.Stopped | Should -BeTrue
            Send-TestBytes $c.Peer 'held'
            Wait-NetworkProcess -InputObject $c.Process -Timeout 0.3 | Should -BeFalse
            Resume-NetworkProcess -InputObject $c.Process
            Receive-TestText -Process $c.Process -Until { param($t) $t -eq 'held' } | Should -Be 'held'
        }
    }

    Context 'echo (network-stream-tests.el)' {
        It 'echoes with -Host 127.0.0.1' {
            $c = New-TestConnection
            Test-Echo $c.Process $c.Peer | Should -Be "foo`n"
        }

        It 'echoes with <Case>' -TestCases @(
            @{ Case = '-Host omitted (loopback)'; ListenerFamily = 'IPv4'; Options = @{}; Expect = @{} }
            @{ Case = '-Host localhost'; ListenerFamily = 'IPv4'; Options = @{ Host = 'localhost' }; Expect = @{ Host = 'localhost' } }
            @{ Case = '-Host localhost -Family IPv4'; ListenerFamily = 'IPv4'; Options = @{ Host = 'localhost'; Family = 'IPv4' }; Expect = @{ Family = 'IPv4' } }
            @{ Case = '-Family IPv6 and -Host omitted (::1)'; ListenerFamily = 'IPv6'; Options = @{ Family = 'IPv6' }; Expect = @{ Family = 'IPv6' } }
        ) {
            param($ListenerFamily, $Options, $Expect)
            $listener = New-TestListener -Family $ListenerFamily
            $p = New-NetworkProcess -Name cli -Service $listener.Port @Options
            $peer = Get-TestPeer $listener
            foreach ($property in $Expect.Keys) { $p.$property | Should -Be $Expect[$property] }
            Test-Echo $p $peer | Should -Be "foo`n"
        }

        It 'echoes over IPv6 with -Host ::1' {
            $c = New-TestConnection -Family IPv6
            $c.Process.Family | Should -Be 'IPv6'
            $c.Process.RemoteEndPoint.Address | Should -Be ([ipaddress]::IPv6Loopback)
            Test-Echo $c.Process $c.Peer | Should -Be "foo`n"
        }

        It 'echoes after a -NoWait connect' {
            $listener = New-TestListener
            $p = New-NetworkProcess -Name cli -Host localhost -Family IPv4 -Service $listener.Port -NoWait
            $p.Status | Should -Be 'Connect'
            $peer = Get-TestPeer $listener
            Wait-TestCondition { $p.Status -ne 'Connect' } | Should -BeTrue
            $p.Status | Should -Be 'Open'
            Test-Echo $p $peer | Should -Be "foo`n"
        }
    }

    Context '-NoWait' {
        It 'is in status Connect at once, then Open with sentinel "open`n" once' {
            $listener = New-TestListener
            $messages = [System.Collections.Generic.List[string]]::new()
            $p = New-NetworkProcess -Name nw -Service $listener.Port -NoWait -Sentinel { param($P, $M) $messages.Add($M) }.GetNewClosure()
            $p.Status | Should -Be 'Connect'
            $p.IsLive | Should -BeTrue
            @(Get-NetworkProcess -Name nw).Count | Should -Be 1
            Wait-TestCondition { $messages.Count -ge 1 } | Should -BeTrue
            $p.Status | Should -Be 'Open'
            $p.RemoteEndPoint.Port | Should -Be $listener.Port
            $null = Wait-NetworkProcess -Timeout 0.2
            $messages | Should -Be @("open`n")
        }

        It 'fails a refused connect: Failed, ExitStatus 111, sentinel "failed with code 111`n", LastError set' {
            $messages = [System.Collections.Generic.List[string]]::new()
            $p = New-NetworkProcess -Name nw -Service (Get-ClosedPort) -NoWait -Sentinel { param($P, $M) $messages.Add($M) }.GetNewClosure() -ErrorVariable err
            $err.Count | Should -Be 0
            Wait-TestCondition { $p.Status -ne 'Connect' } | Should -BeTrue
            $p.Status | Should -Be 'Failed'
            $p.IsLive | Should -BeFalse
            $p.ExitStatus | Should -Be 111
            $p.LastError | Should -Not -BeNullOrEmpty
            $messages | Should -Be @("failed with code 111`n")
        }

        It 'a failed process gets "deleted`n" and Status Closed when removed' {
            $messages = [System.Collections.Generic.List[string]]::new()
            $p = New-NetworkProcess -Name nw -Service (Get-ClosedPort) -NoWait -Sentinel { param($P, $M) $messages.Add($M) }.GetNewClosure()
            Wait-TestCondition { $p.Status -eq 'Failed' } | Should -BeTrue
            Remove-NetworkProcess -InputObject $p
            $p.Status | Should -Be 'Closed'
            $messages | Should -Be @("failed with code 111`n", "deleted`n")
        }

        It 'Send on a process still connecting waits for the connection, then sends' {
            $listener = New-TestListener
            $p = New-NetworkProcess -Name nw -Service $listener.Port -NoWait
            Send-NetworkProcess -InputObject $p 'early' -ErrorVariable err
            $err.Count | Should -Be 0
            $peer = Get-TestPeer $listener
            Read-TestText $peer 5 | Should -Be 'early'
        }

        It 'Send on a connect that then fails is ProcessNotRunning' {
            $p = New-NetworkProcess -Name nw -Service (Get-ClosedPort) -NoWait
            Send-NetworkProcess -InputObject $p 'never' -ErrorVariable err -ErrorAction SilentlyContinue
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ProcessNotRunning,*'
            $p.Status | Should -Be 'Failed'
        }

        It 'a connection that opens and is closed at once hears "open`n", then "connection broken by remote peer`n"' {
            $listener = New-TestListener
            $messages = [System.Collections.Generic.List[string]]::new()
            $p = New-NetworkProcess -Name nw -Service $listener.Port -NoWait -Sentinel { param($P, $M) $messages.Add($M) }.GetNewClosure()
            (Get-TestPeer $listener).Close()
            Wait-TestCondition { $messages.Count -ge 2 } | Should -BeTrue
            $messages | Should -Be @("open`n", "connection broken by remote peer`n")
            $p.Status | Should -Be 'Closed'
            $p.ExitStatus | Should -Be 256
        }

        It 'resolves -Service http from the services file (port 80 here: refused or connected)' {
            $p = New-NetworkProcess -Name web -Service http -NoWait
            $p.Service | Should -Be 'http'
            Wait-TestCondition { $p.Status -ne 'Connect' } | Should -BeTrue
            $p.Status | Should -BeIn @('Failed', 'Open')
            if ($p.Status -eq 'Failed') { $p.ExitStatus | Should -Be 111 } else { $p.RemoteEndPoint.Port | Should -Be 80 }
        }
    }

    Context 'Open-NetworkStream' {
        It 'takes name, buffer, host and service positionally' {
            $listener = New-TestListener
            $p = Open-NetworkStream os osbuf 127.0.0.1 $listener.Port
            $peer = Get-TestPeer $listener
            $p.Name | Should -Be 'os'
            $p.Status | Should -Be 'Open'
            $p.Buffer.Name | Should -Be 'osbuf'
            $p.Host | Should -Be '127.0.0.1'
            Send-TestBytes $peer 'to the buffer'
            Receive-TestText -Process $p -Until { param($t) $t -eq 'to the buffer' } | Should -Be 'to the buffer'
        }

        It 'with a $null buffer keeps output with the process' {
            $listener = New-TestListener
            $p = Open-NetworkStream os $null 127.0.0.1 $listener.Port
            $peer = Get-TestPeer $listener
            $p.Buffer | Should -BeNullOrEmpty
            Send-TestBytes $peer 'mine'
            Receive-TestText -Process $p -Until { param($t) $t -eq 'mine' } | Should -Be 'mine'
        }

        It 'uniquifies names like New-NetworkProcess' {
            $listener = New-TestListener
            $first = Open-NetworkStream os $null 127.0.0.1 $listener.Port
            $second = Open-NetworkStream os $null 127.0.0.1 $listener.Port
            $first.Name | Should -Be 'os'
            $second.Name | Should -Be 'os<1>'
        }

        It 'with -NoWait is Connect, then Open' {
            $listener = New-TestListener
            $p = Open-NetworkStream -Name os -Host 127.0.0.1 -Service $listener.Port -NoWait
            $p.Status | Should -Be 'Connect'
            Wait-TestCondition { $p.Status -ne 'Connect' } | Should -BeTrue
            $p.Status | Should -Be 'Open'
        }

        It 'with -Encoding Byte gives byte[] chunks' {
            $listener = New-TestListener
            $p = Open-NetworkStream os $null 127.0.0.1 $listener.Port -Encoding Byte
            $peer = Get-TestPeer $listener
            Send-TestBytes $peer ([byte[]](0, 255, 10))
            $chunks = @(Receive-NetworkProcess -InputObject $p -Wait -Timeout 5)
            $chunks.Count | Should -BeGreaterThan 0
            , $chunks[0] | Should -BeOfType [byte[]]
        }

        It 'refused is a ConnectionRefused error and lists nothing' {
            $before = @(Get-NetworkProcess).Count
            $p = Open-NetworkStream os $null 127.0.0.1 (Get-ClosedPort) -ErrorVariable err -ErrorAction SilentlyContinue
            $p | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ConnectionRefused,*'
            @(Get-NetworkProcess).Count | Should -Be $before
        }
    }

    Context 'connect timeout' {
        It '<Command> -Timeout gives up on a peer that never answers: ConnectTimeout naming address and timeout, nothing left' -TestCases @(
            @{ Command = 'New-NetworkProcess' }, @{ Command = 'Open-NetworkStream' }
        ) {
            $port = New-UnansweringPort
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $p = & $Command -Name slow -Host 127.0.0.1 -Service $port -Timeout 0.5 -ErrorVariable err -ErrorAction SilentlyContinue
            $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.45
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 3
            $p | Should -BeNullOrEmpty
            @($err).Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ConnectTimeout,*'
            $err[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
            $err[0].Exception.Message | Should -Match "127\.0\.0\.1:$port did not accept the connection within 0\.5 seconds"
            @(Get-NetworkProcess).Count | Should -Be 0
            Get-TestConnectingCount $port | Should -Be 0
        }

        It 'with -NoWait the process turns Failed: ExitStatus 110, sentinel "failed with code 110`n", no socket left' {
            $port = New-UnansweringPort
            $messages = [System.Collections.Generic.List[string]]::new()
            $p = New-NetworkProcess -Name slow -Service $port -TimeoutSec 0.3 -NoWait -Sentinel { param($P, $M) $messages.Add($M) }.GetNewClosure()
            $p.Status | Should -Be 'Connect'
            Wait-TestCondition { $p.Status -ne 'Connect' } | Should -BeTrue
            $p.Status | Should -Be 'Failed'
            $p.ExitStatus | Should -Be 110
            $p.LastError.Error | Should -Be 'ConnectTimeout'
            $messages | Should -Be @("failed with code 110`n")
            Get-TestConnectingCount $port | Should -Be 0
        }

        It 'bounds a unix client''s wait for room in a suspended server''s full backlog' {
            $path = New-SocketPath
            $srv = New-NetworkProcess -Name full -Server -Family Local -Service $path -Backlog 1 -Stopped
            # A backlog of 1 holds two clients; they open, and a third would wait for room.
            $fillers = 1..2 | ForEach-Object { New-NetworkProcess -Name "fill$_" -Family Local -Service $path -NoWait }
            Wait-TestCondition { @($fillers | Where-Object Status -EQ 'Open').Count -eq 2 } | Should -BeTrue
            $sockets = Get-TestSocketCount
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $p = New-NetworkProcess -Name late -Family Local -Service $path -Timeout 0.5 -ErrorVariable err -ErrorAction SilentlyContinue
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 3
            $p | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ConnectTimeout,*'
            $err[0].Exception.Message | Should -Match "$([regex]::Escape($path)) did not accept the connection within 0\.5 seconds: its server's backlog"
            @(Get-NetworkProcess).Count | Should -Be 3
            Get-TestSocketCount | Should -BeLessOrEqual $sockets
        }

        It 'Ctrl+C still ends a connect that has no -Timeout, leaving nothing' {
            $port = New-UnansweringPort
            $ps = New-TestRunspace
            try {
                $null = $ps.AddScript('param($port) New-NetworkProcess -Name slow -Service $port').AddArgument($port)
                $null = $ps.BeginInvoke()
                Wait-TestCondition { (Get-TestConnectingCount $port) -eq 1 } | Should -BeTrue
                $watch = [Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $watch.Elapsed.TotalSeconds | Should -BeLessThan 2
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
                @(Invoke-InTestRunspace $ps 'Get-NetworkProcess').Count | Should -Be 0
                Get-TestConnectingCount $port | Should -Be 0
            }
            finally { $ps.Dispose() }
        }

        It 'is refused on a server, which does not connect' {
            { New-NetworkProcess -Name srv -Server -Service 0 -Timeout 1 } | Should -Throw -ErrorId 'IncompatibleParameters,*'
            @(Get-NetworkProcess).Count | Should -Be 0
        }
    }

    Context 'shared buffers' {
        It 'two processes naming the same -Buffer share it' {
            $listener = New-TestListener
            $a = New-NetworkProcess -Name a -Service $listener.Port -Buffer shared
            $peerA = Get-TestPeer $listener
            $b = New-NetworkProcess -Name b -Service $listener.Port -Buffer shared
            $peerB = Get-TestPeer $listener
            $a.Buffer | Should -Be $b.Buffer
            Send-TestBytes $peerA 'from a;'
            Send-TestBytes $peerB 'from b;'
            $text = Receive-TestText -Process $a -Until { param($t) $t.Length -ge 14 }
            ($text -split ';' | Where-Object { $_ } | Sort-Object) | Should -Be @('from a', 'from b')
        }
    }

    Context 'many clients' {
        It 'reads many clients without a thread each: past the first 64, clients share the thread pool, and each still gets its reply' {
            $server = New-NetworkProcess -Name echo -Server -Service 0 -Backlog 256 -Filter { param($p, $d) Send-NetworkProcess $p $d }
            $before = Get-NetProcThreadCount
            $clients = foreach ($i in 1..100) { New-NetworkProcess -Name c -Service $server.Service }
            (Get-NetProcThreadCount) - $before | Should -BeLessOrEqual 64
            foreach ($c in $clients) { Send-NetworkProcess -InputObject $c "hi $($c.Name)`n" }
            $replies = foreach ($c in $clients) { Receive-TestLines -Process $c -Count 1 }
            $replies | Should -Be @($clients | ForEach-Object { "hi $($_.Name)" })
            $clients | Remove-NetworkProcess
            Wait-TestCondition { (Get-NetProcThreadCount) -le $before } | Should -BeTrue
        }
    }
}
