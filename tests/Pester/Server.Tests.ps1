# Network servers (issue 3): TCP and unix-socket listeners whose connections become processes.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1

    # Waits (delivering callbacks) until the condition holds; fails the test after the timeout.
    function Wait-Until([scriptblock] $Condition, [double] $Timeout = 5, [string] $What = 'condition') {
        $deadline = [datetime]::UtcNow.AddSeconds($Timeout)
        while (-not (& $Condition)) {
            if ([datetime]::UtcNow -ge $deadline) { throw "timed out waiting for $What" }
            $null = Wait-NetworkProcess -Timeout 0.05
        }
    }

    function Get-Connections([string] $Server) {
        @(Get-NetworkProcess | Where-Object { $_.Kind -eq 'Connection' -and $_.Name.StartsWith("$Server <") })
    }
}

Describe 'A TCP server' {
    AfterEach { Clear-NetworkProcesses }

    It 'listens on loopback port the kernel chose and shows the real port' {
        $srv = New-NetworkProcess -Name srv -Server -Service 0
        $srv.Kind | Should -Be 'Server'
        $srv.Status | Should -Be 'Listen'
        $srv.Service | Should -BeOfType [int]
        $srv.Service | Should -BeGreaterThan 0
        $srv.LocalEndPoint.Port | Should -Be $srv.Service
        $srv.LocalEndPoint.Address.ToString() | Should -Be '127.0.0.1'
        $srv.Backlog | Should -Be 5
    }

    It 'listens on ::1 with -Family IPv6 and no host' {
        $srv = New-NetworkProcess -Name srv6 -Server -Service 0 -Family IPv6
        $srv.LocalEndPoint.Address.ToString() | Should -Be '::1'
        $srv.Family | Should -Be 'IPv6'
    }

    It 'keeps the real integer port as Service when given a numeric string' {
        $probe = New-TestListener; $port = $probe.Port; $probe.Stop()
        $srv = New-NetworkProcess -Name srv -Server -Service "$port"
        $srv.Service | Should -Be $port
        $srv.Service | Should -BeOfType [int]
    }

    It 'resolves a service name from the services file to its port' {
        # Any TCP service above 1024 that is free here will do; the test looks one up rather than assuming.
        $candidates = Get-Content /etc/services | ForEach-Object {
            if ($_ -match '^(?<name>[a-z][\w-]*)\s+(?<port>\d+)/tcp') { [pscustomobject]@{ Name = $Matches.name; Port = [int]$Matches.port } }
        } | Where-Object Port -GT 1024 | Select-Object -First 40
        $chosen = $null
        foreach ($c in $candidates) {
            $try = [Net.Sockets.TcpListener]::new([ipaddress]::Loopback, $c.Port)
            try { $try.Start(); $try.Stop(); $chosen = $c; break } catch { }
        }
        $chosen | Should -Not -BeNullOrEmpty
        $srv = New-NetworkProcess -Name named -Server -Service $chosen.Name
        $srv.Service | Should -Be $chosen.Port
        $cli = New-NetworkProcess -Name cli -Service $chosen.Name
        $cli.Service | Should -Be $chosen.Name
        $cli.RemoteEndPoint.Port | Should -Be $chosen.Port
    }

    It 'serves 50 concurrent clients exchanging 100 lines each with an echo filter, every byte intact' {
        $srv = New-NetworkProcess -Name echo -Server -Service 0 -Backlog 64 -Filter { param($p, $d) Send-NetworkProcess $p $d }
        $clients = foreach ($i in 1..50) { New-NetworkProcess -Name "c$i" -Service $srv.Service }
        $expected = @{}
        foreach ($c in $clients) { $expected[$c.Name] = [Text.StringBuilder]::new() }
        foreach ($line in 1..100) {
            foreach ($c in $clients) {
                $text = "$($c.Name) line $line $('x' * ($line % 17))`n"
                $null = $expected[$c.Name].Append($text)
                Send-NetworkProcess $c $text
            }
            $null = Wait-NetworkProcess -Timeout 0
        }
        $received = @{}
        foreach ($c in $clients) { $received[$c.Name] = [Text.StringBuilder]::new() }
        $deadline = [datetime]::UtcNow.AddSeconds(30)
        do {
            $null = Wait-NetworkProcess -Timeout 0.05
            $pending = 0
            foreach ($c in $clients) {
                foreach ($chunk in Receive-NetworkProcess $c) { $null = $received[$c.Name].Append($chunk) }
                if ($received[$c.Name].Length -lt $expected[$c.Name].Length) { $pending++ }
            }
        } while ($pending -gt 0 -and [datetime]::UtcNow -lt $deadline)
        (Get-Connections echo).Count | Should -Be 50
        foreach ($c in $clients) { $received[$c.Name].ToString() | Should -BeExactly $expected[$c.Name].ToString() }
    }

    It 'turns each accepted client into a Connection process named after the server and the peer' {
        $srv = New-NetworkProcess -Name srv -Server -Service 0
        $cli = New-NetworkProcess -Name cli -Service $srv.Service
        Wait-Until { (Get-Connections srv).Count -eq 1 } -What 'the accept'
        $conn = (Get-Connections srv)[0]
        $conn.Name | Should -BeExactly "srv <127.0.0.1:$($cli.LocalEndPoint.Port)>"
        $conn.Kind | Should -Be 'Connection'
        $conn.Status | Should -Be 'Open'
        $conn.Host | Should -Be '127.0.0.1'
        $conn.Service | Should -Be $cli.LocalEndPoint.Port
        $conn.LocalEndPoint.Port | Should -Be $srv.Service
        $conn.RemoteEndPoint.Port | Should -Be $cli.LocalEndPoint.Port
    }

    It 'names IPv6 connections with the bracketed real address' {
        $srv = New-NetworkProcess -Name srv6 -Server -Service 0 -Family IPv6
        $cli = New-NetworkProcess -Name cli6 -Host ::1 -Service $srv.Service
        Wait-Until { (Get-Connections srv6).Count -eq 1 } -What 'the accept'
        (Get-Connections srv6)[0].Name | Should -BeExactly "srv6 <[::1]:$($cli.LocalEndPoint.Port)>"
        # The literal brackets do not make the name a wildcard pattern.
        (Get-NetworkProcess -Name "srv6 <[::1]:$($cli.LocalEndPoint.Port)>").Kind | Should -Be 'Connection'
    }

    It 'gives the sentinel "open from HOST" after the log heard "accept from HOST"' {
        $global:events = [Collections.Generic.List[string]]::new()
        $srv = New-NetworkProcess -Name srv -Server -Service 0 `
            -Log { param($Server, $Connection, $Message) $global:events.Add("log $($Server.Name) $($Connection.Name) $Message") } `
            -Sentinel { param($Process, $Message) $global:events.Add("sentinel $($Process.Name) $Message") }
        $cli = New-NetworkProcess -Name cli -Service $srv.Service
        Wait-Until { $global:events.Count -ge 2 } -What 'log and sentinel'
        $conn = "srv <127.0.0.1:$($cli.LocalEndPoint.Port)>"
        $global:events[0] | Should -BeExactly "log srv $conn accept from 127.0.0.1`n"
        $global:events[1] | Should -BeExactly "sentinel $conn open from 127.0.0.1`n"
    }

    It 'passes filter, sentinel, a copy of the plist and the encoding to connections, but not the query flag or suspension' {
        $filter = { param($p, $d) }
        $sentinel = { param($p, $m) }
        $srv = New-NetworkProcess -Name srv -Server -Service 0 -Filter $filter -Sentinel $sentinel -Plist @{ role = 'server' } `
            -Encoding latin1 -NoQuery -Stopped
        $cli = New-NetworkProcess -Name cli -Service $srv.Service
        Resume-NetworkProcess srv
        Wait-Until { (Get-Connections srv).Count -eq 1 } -What 'the accept'
        $conn = (Get-Connections srv)[0]
        $conn.Filter | Should -Be $filter
        $conn.Sentinel | Should -Be $sentinel
        $conn.Plist.role | Should -Be 'server'
        $conn.Encoding.WebName | Should -Be $srv.Encoding.WebName
        $conn.QueryOnExit | Should -BeTrue
        $srv.QueryOnExit | Should -BeFalse
        $conn.Stopped | Should -BeFalse
        $conn.Plist.role = 'changed'
        $srv.Plist.role | Should -Be 'server'
    }

    It 'inherits the server settings as they are at accept time' {
        $srv = New-NetworkProcess -Name srv -Server -Service 0
        $first = New-NetworkProcess -Name first -Service $srv.Service
        Wait-Until { (Get-Connections srv).Count -eq 1 } -What 'the first accept'
        $late = { param($p, $d) }
        Set-NetworkProcess srv -Filter $late
        $second = New-NetworkProcess -Name second -Service $srv.Service
        Wait-Until { (Get-Connections srv).Count -eq 2 } -What 'the second accept'
        (Get-NetworkProcess "srv <127.0.0.1:$($first.LocalEndPoint.Port)>").Filter | Should -BeNullOrEmpty
        (Get-NetworkProcess "srv <127.0.0.1:$($second.LocalEndPoint.Port)>").Filter | Should -Be $late
    }

    It 'gives connections of a server without a filter a buffer named after the server buffer, else none' {
        $named = New-NetworkProcess -Name srvA -Server -Service 0 -Buffer srvbuf
        $plain = New-NetworkProcess -Name srvB -Server -Service 0
        $filtered = New-NetworkProcess -Name srvC -Server -Service 0 -Filter { param($p, $d) }
        $a = New-NetworkProcess -Name a -Service $named.Service
        $b = New-NetworkProcess -Name b -Service $plain.Service
        $c = New-NetworkProcess -Name c -Service $filtered.Service
        Wait-Until { (Get-Connections srvA).Count + (Get-Connections srvB).Count + (Get-Connections srvC).Count -eq 3 } -What 'three accepts'
        (Get-Connections srvA)[0].Buffer.Name | Should -BeExactly "srvbuf <127.0.0.1:$($a.LocalEndPoint.Port)>"
        (Get-Connections srvB)[0].Buffer.Name | Should -BeExactly "srvB <127.0.0.1:$($b.LocalEndPoint.Port)>"
        (Get-Connections srvC)[0].Buffer | Should -BeNullOrEmpty
    }

    It 'lets clients wait in the backlog while suspended and accepts all three on resume' {
        $srv = New-NetworkProcess -Name srv -Server -Service 0
        Suspend-NetworkProcess srv
        $srv.Stopped | Should -BeTrue
        $srv.Status | Should -Be 'Listen'
        $clients = foreach ($i in 1..3) { New-NetworkProcess -Name "w$i" -Service $srv.Service }
        $clients.Status | Should -Be @('Open', 'Open', 'Open')
        $null = Wait-NetworkProcess -Timeout 0.3
        (Get-Connections srv).Count | Should -Be 0
        Resume-NetworkProcess srv
        Wait-Until { (Get-Connections srv).Count -eq 3 } -What 'three accepts after resume'
        (Get-Connections srv).Count | Should -Be 3
    }

    It 'closes only the listener when the server is removed; its connections stay and still talk' {
        $global:said = $null
        $srv = New-NetworkProcess -Name srv -Server -Service 0 -Sentinel { param($p, $m) if ($p.Kind -eq 'Server') { $global:said = $m } }
        $cli = New-NetworkProcess -Name cli -Service $srv.Service
        Wait-Until { (Get-Connections srv).Count -eq 1 } -What 'the accept'
        $conn = (Get-Connections srv)[0]
        Remove-NetworkProcess srv
        $global:said | Should -BeExactly "deleted`n"
        $srv.Status | Should -Be 'Closed'
        $conn.Status | Should -Be 'Open'
        Send-NetworkProcess $cli "still here"
        Receive-TestText -Process $conn -Until { param($t) $t -eq 'still here' } | Should -BeExactly 'still here'
        { New-NetworkProcess -Name late -Service $srv.Service } | Should -Throw
    }

    It 'refuses an address in use with AddressInUse naming the address, leaving nothing behind' {
        $srv = New-NetworkProcess -Name srv -Server -Service 0
        $before = @(Get-NetworkProcess).Count
        $err = $null
        $result = New-NetworkProcess -Name dup -Server -Service $srv.Service -ErrorVariable err -ErrorAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AddressInUse,*'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $err[0].Exception.Message | Should -Match ([regex]::Escape("127.0.0.1:$($srv.Service)"))
        @(Get-NetworkProcess).Count | Should -Be $before
    }

    It 'rejects -Server with -NoWait' {
        { New-NetworkProcess -Name bad -Server -Service 0 -NoWait } | Should -Throw -ErrorId 'IncompatibleParameters,*'
        Get-NetworkProcess bad* | Should -BeNullOrEmpty
    }

    It 'rejects -Log without -Server' {
        $srv = New-NetworkProcess -Name srv -Server -Service 0
        { New-NetworkProcess -Name bad -Service $srv.Service -Log { } } | Should -Throw -ErrorId 'IncompatibleParameters,*'
        Get-NetworkProcess bad* | Should -BeNullOrEmpty
    }

    It 'refuses sends and -Eof on a server with ProcessNotRunning' {
        $srv = New-NetworkProcess -Name srv -Server -Service 0
        $err = $null
        Send-NetworkProcess srv 'hello' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ProcessNotRunning,*'
        $err = $null
        Send-NetworkProcess srv -Eof -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ProcessNotRunning,*'
        $srv.Status | Should -Be 'Listen'
    }

    It 'shows a peer close as Closed with "connection broken by remote peer"' {
        $global:msgs = [Collections.Generic.List[string]]::new()
        $srv = New-NetworkProcess -Name srv -Server -Service 0 -Sentinel { param($p, $m) $global:msgs.Add($m) }
        $peer = [Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
        $peer.Connect([ipaddress]::Loopback, $srv.Service)
        Wait-Until { (Get-Connections srv).Count -eq 1 } -What 'the accept'
        $conn = (Get-Connections srv)[0]
        $peer.Close()
        Wait-Until { $conn.Status -eq 'Closed' } -What 'the close'
        $conn.ExitStatus | Should -Be 256
        $global:msgs | Should -Contain "connection broken by remote peer`n"
    }

    It 'is not disturbed by peers that vanish, reset or half-close' {
        $srv = New-NetworkProcess -Name srv -Server -Service 0 -Filter { param($p, $d) Send-NetworkProcess $p $d }
        $steady = New-NetworkProcess -Name steady -Service $srv.Service
        foreach ($kind in 'vanish', 'reset', 'halfclose') {
            $peer = [Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
            $peer.Connect([ipaddress]::Loopback, $srv.Service)
            switch ($kind) {
                'vanish' { $peer.Close() }
                'reset' { $peer.LingerState = [Net.Sockets.LingerOption]::new($true, 0); $peer.Close() }
                'halfclose' { $null = $peer.Send([Text.Encoding]::ASCII.GetBytes('bye')); $peer.Shutdown('Send') }
            }
            $null = Wait-NetworkProcess -Timeout 0.1
            if ($kind -eq 'halfclose') { $peer.Close() }
        }
        Send-NetworkProcess steady "ping`n"
        Receive-TestText -Process $steady -Until { param($t) $t -eq "ping`n" } | Should -BeExactly "ping`n"
        $srv.Status | Should -Be 'Listen'
        $srv.LastError | Should -BeNullOrEmpty
    }

    It 'is invisible from another runspace' {
        $srv = New-NetworkProcess -Name lonely -Server -Service 0
        $ps = [powershell]::Create()
        try {
            $names = $ps.AddScript('Import-Module $env:NETPROC_MODULE; @(Get-NetworkProcess).Name').Invoke()
            $names | Should -Not -Contain 'lonely'
            $ps.Commands.Clear()
            $other = $ps.AddScript('param($port) Import-Module $env:NETPROC_MODULE; (New-NetworkProcess -Name other -Server -Service 0).Service').Invoke()
            $other | Should -BeGreaterThan 0
            Get-NetworkProcess other -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        }
        finally { $ps.Dispose() }
    }
}

Describe 'A unix-socket server' {
    AfterEach { Clear-NetworkProcesses }

    It 'listens on a path, names connections with one accept counter, and removes its socket file' {
        $path = New-SocketPath
        $srv = New-NetworkProcess -Name usrv -Server -Family Local -Service $path
        $srv.Family | Should -Be 'Local'
        $srv.Service | Should -BeExactly $path
        Test-Path $path | Should -BeTrue
        $global:heard = [Collections.Generic.List[string]]::new()
        Set-NetworkProcess usrv -Log { param($s, $c, $m) $global:heard.Add($m) } -Sentinel { param($p, $m) $global:heard.Add($m) }
        $one = New-NetworkProcess -Name u1 -Family Local -Service $path
        $two = New-NetworkProcess -Name u2 -Family Local -Service $path
        Wait-Until { (Get-Connections usrv).Count -eq 2 } -What 'two accepts'
        $names = (Get-Connections usrv).Name
        foreach ($n in $names) { $n | Should -Match '^usrv <\d+>$' }
        $numbers = $names | ForEach-Object { [int]($_ -replace '\D', '') } | Sort-Object
        $numbers[1] | Should -Be ($numbers[0] + 1)
        $global:heard | Should -Contain "accept from -`n"
        $global:heard | Should -Contain "open from -`n"
        Send-NetworkProcess u1 'over unix'
        Receive-TestText -Process (Get-Connections usrv)[0] -Until { param($t) $t -eq 'over unix' } | Should -BeExactly 'over unix'
        Remove-NetworkProcess usrv
        Test-Path $path | Should -BeFalse
    }

    It 'lets clients wait for room in a suspended server''s full backlog, then accepts them all on resume' {
        $path = New-SocketPath
        $srv = New-NetworkProcess -Name usrv -Server -Family Local -Service $path -Backlog 1 -Stopped
        # Two fit in the kernel's backlog of 1; the others wait in Connect for room instead of failing.
        $clients = 1..4 | ForEach-Object { New-NetworkProcess -Name "uw$_" -Family Local -Service $path -NoWait }
        Wait-Until { @($clients | Where-Object Status -EQ 'Open').Count -eq 2 } -What 'two clients in the backlog'
        $null = Wait-NetworkProcess -Timeout 0.3
        @($clients | Where-Object Status -EQ 'Connect').Count | Should -Be 2
        @($clients | Where-Object Status -EQ 'Failed').Count | Should -Be 0
        (Get-Connections usrv).Count | Should -Be 0
        Resume-NetworkProcess -InputObject $srv
        Wait-Until { (Get-Connections usrv).Count -eq 4 } -What 'four accepts'
        Wait-Until { @($clients | Where-Object Status -EQ 'Open').Count -eq 4 } -What 'four open clients'
        Send-NetworkProcess uw4 'last in'
        Receive-NetworkProcess -InputObject (Get-Connections usrv) -Wait -Timeout 5 | Should -Be 'last in'
    }

    It 'counts accepts across families for unix connection numbers' {
        $tcp = New-NetworkProcess -Name tsrv -Server -Service 0
        $path = New-SocketPath
        $unix = New-NetworkProcess -Name usrv -Server -Family Local -Service $path
        $null = New-NetworkProcess -Name u1 -Family Local -Service $path
        Wait-Until { (Get-Connections usrv).Count -eq 1 } -What 'the first unix accept'
        $first = [int]((Get-Connections usrv)[0].Name -replace '\D', '')
        $null = New-NetworkProcess -Name t1 -Service $tcp.Service
        Wait-Until { (Get-Connections tsrv).Count -eq 1 } -What 'the tcp accept'
        $null = New-NetworkProcess -Name u2 -Family Local -Service $path
        Wait-Until { (Get-Connections usrv).Count -eq 2 } -What 'the second unix accept'
        $numbers = (Get-Connections usrv).Name | ForEach-Object { [int]($_ -replace '\D', '') } | Sort-Object
        $numbers | Should -Be @($first, ($first + 2))
    }

    It 'refuses a path that is already bound' {
        $path = New-SocketPath
        $srv = New-NetworkProcess -Name usrv -Server -Family Local -Service $path
        $err = $null
        New-NetworkProcess -Name dup -Server -Family Local -Service $path -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'AddressInUse,*'
    }
}
