# Datagram processes (issue 4): UDP clients and servers, unix datagrams, seqpacket.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1

    # Every datagram record received within the timeout, until $Count came.
    function Receive-Datagrams($Process, [int] $Count, [double] $Timeout = 5) {
        $records = [Collections.Generic.List[object]]::new()
        $deadline = [datetime]::UtcNow.AddSeconds($Timeout)
        while ($records.Count -lt $Count -and [datetime]::UtcNow -lt $deadline) {
            foreach ($r in Receive-NetworkProcess -InputObject $Process -Wait -Timeout 0.2 -Detailed) { $records.Add($r) }
        }
        , $records.ToArray()
    }
}

Describe 'A UDP server' {
    AfterEach { Clear-NetworkProcesses }

    It 'is one open process with the real port and no peer yet' {
        $srv = New-NetworkProcess -Name syslog -SocketType Datagram -Server -Service 0
        $srv.Status | Should -Be 'Open'
        $srv.SocketType | Should -Be 'Datagram'
        $srv.Kind | Should -Be 'Server'
        $srv.Service | Should -BeGreaterThan 0
        $srv.LocalEndPoint.Address.ToString() | Should -Be '127.0.0.1'
        $srv.DatagramAddress | Should -BeNullOrEmpty
    }

    It 'receives from three clients with their addresses and every boundary kept' {
        $srv = New-NetworkProcess -Name syslog -SocketType Datagram -Server -Service 0
        $clients = foreach ($i in 1..3) { New-NetworkProcess -Name dc -SocketType Datagram -Service $srv.Service }
        $clients.Name | Should -Be @('dc', 'dc<1>', 'dc<2>')
        $clients.Status | Should -Be @('Open', 'Open', 'Open')
        foreach ($round in 1..3) { foreach ($c in $clients) { Send-NetworkProcess $c "$($c.Name) says $round" } }
        $records = Receive-Datagrams $srv 9
        $records.Count | Should -Be 9
        foreach ($c in $clients) {
            $mine = @($records | Where-Object { $_.RemoteEndPoint.Port -eq $c.LocalEndPoint.Port })
            $mine.Data | Should -Be @("$($c.Name) says 1", "$($c.Name) says 2", "$($c.Name) says 3")
        }
        @(Get-NetworkProcess | Where-Object Kind -EQ 'Connection').Count | Should -Be 0
        $srv.DatagramAddress.Port | Should -Be $records[-1].RemoteEndPoint.Port
    }

    It 'calls its filter once per datagram' {
        $global:calls = [Collections.Generic.List[string]]::new()
        $srv = New-NetworkProcess -Name udp -SocketType Datagram -Server -Service 0 -Filter { param($p, $d) $global:calls.Add($d) }
        $cli = New-NetworkProcess -Name cli -SocketType Datagram -Service $srv.Service
        foreach ($i in 1..20) { Send-NetworkProcess $cli "datagram $i" }
        $deadline = [datetime]::UtcNow.AddSeconds(5)
        while ($global:calls.Count -lt 20 -and [datetime]::UtcNow -lt $deadline) { $null = Wait-NetworkProcess -Timeout 0.1 }
        $global:calls.ToArray() | Should -Be (1..20 | ForEach-Object { "datagram $_" })
    }

    It 'answers the last sender: request and response from a filter' {
        $srv = New-NetworkProcess -Name echo -SocketType Datagram -Server -Service 0 -Filter { param($p, $d) Send-NetworkProcess $p "re: $d" }
        $a = New-NetworkProcess -Name a -SocketType Datagram -Service $srv.Service
        $b = New-NetworkProcess -Name b -SocketType Datagram -Service $srv.Service
        Send-NetworkProcess $a 'from a'
        (Receive-Datagrams $a 1)[0].Data | Should -BeExactly 're: from a'
        Send-NetworkProcess $b 'from b'
        (Receive-Datagrams $b 1)[0].Data | Should -BeExactly 're: from b'
        $srv.DatagramAddress.Port | Should -Be $b.LocalEndPoint.Port
    }

    It 'refuses to send before anyone wrote to it, with a clear error and no change' {
        $srv = New-NetworkProcess -Name lonely -SocketType Datagram -Server -Service 0
        $err = $null
        Send-NetworkProcess $srv 'hello?' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'NoDatagramAddress,*'
        $err[0].Exception.Message | Should -Match 'no datagram address'
        $srv.Status | Should -Be 'Open'
    }

    It 'sends to an explicit address with -To or Set-NetworkProcess -DatagramAddress' {
        $srv = New-NetworkProcess -Name srv -SocketType Datagram -Server -Service 0
        $cli = New-NetworkProcess -Name cli -SocketType Datagram -Service $srv.Service
        Send-NetworkProcess $srv 'via -To' -To "127.0.0.1:$($cli.LocalEndPoint.Port)"
        (Receive-Datagrams $cli 1)[0].Data | Should -BeExactly 'via -To'
        Set-NetworkProcess $srv -DatagramAddress $cli.LocalEndPoint
        Send-NetworkProcess $srv 'via address'
        (Receive-Datagrams $cli 1)[0].Data | Should -BeExactly 'via address'
        $err = $null
        Set-NetworkProcess $srv -DatagramAddress '[::1]:9' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidEndpoint,*'
        $srv.DatagramAddress.Port | Should -Be $cli.LocalEndPoint.Port
    }

    It 'sends nothing for an empty string and refuses an oversize payload' {
        $srv = New-NetworkProcess -Name srv -SocketType Datagram -Server -Service 0
        $cli = New-NetworkProcess -Name cli -SocketType Datagram -Service $srv.Service
        Send-NetworkProcess $cli ''
        $err = $null
        Send-NetworkProcess $cli ([byte[]]::new(70000)) -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -BeLike 'DatagramTooLarge,*'
        Send-NetworkProcess $cli 'marker'
        $records = Receive-Datagrams $srv 1
        $records.Count | Should -Be 1
        $records[0].Data | Should -BeExactly 'marker'
        $cli.BytesSent | Should -Be 6
    }

    It 'keeps what fits while suspended under a flood, counts the drops, and delivers the rest on resume' {
        $srv = New-NetworkProcess -Name flood -SocketType Datagram -Server -Service 0 -Encoding Byte
        Suspend-NetworkProcess $srv
        $sender = [Net.Sockets.UdpClient]::new()
        $payload = [byte[]]::new(1000)
        $sent = 0
        $deadline = [datetime]::UtcNow.AddSeconds(20)
        # Batches paced by the reader (UDP would drop in the kernel if the flood outran it): 2.5 MB against a 1 MiB window.
        foreach ($batch in 1..50) {
            foreach ($i in 1..50) { $null = $sender.Send($payload, $payload.Length, '127.0.0.1', $srv.Service); $sent++ }
            while ($srv.BufferedBytes / 1000 + $srv.DroppedDatagrams -lt $sent - 100 -and [datetime]::UtcNow -lt $deadline) {
                $null = Wait-NetworkProcess -Timeout 0.005
            }
        }
        $sender.Dispose()
        $srv.BufferedBytes | Should -BeLessOrEqual ([NetProc.Engine.ProcessObject]::ReceiveWindow)
        $srv.DroppedDatagrams | Should -BeGreaterThan 0
        $kept = $srv.BufferedBytes / 1000
        Resume-NetworkProcess $srv
        $got = 0
        foreach ($try in 1..100) {
            $chunks = @(Receive-NetworkProcess $srv -Wait -Timeout 0.2)
            if ($chunks.Count -eq 0) { break }
            foreach ($c in $chunks) { $c.Length | Should -Be 1000 }
            $got += $chunks.Count
        }
        $got | Should -BeGreaterOrEqual $kept
        $got + $srv.DroppedDatagrams | Should -BeLessOrEqual $sent
        $srv.Status | Should -Be 'Open'
    }

    It 'says "deleted" to its sentinel on removal' {
        $global:msg = $null
        $srv = New-NetworkProcess -Name srv -SocketType Datagram -Server -Service 0 -Sentinel { param($p, $m) $global:msg = $m }
        Remove-NetworkProcess $srv
        $global:msg | Should -BeExactly "deleted`n"
        $srv.Status | Should -Be 'Closed'
    }
}

Describe 'A UDP client' {
    AfterEach { Clear-NetworkProcesses }

    It 'is open at once, -NoWait changes nothing, and -Eof warns that it does nothing' {
        $srv = New-NetworkProcess -Name srv -SocketType Datagram -Server -Service 0
        $cli = New-NetworkProcess -Name cli -SocketType Datagram -Service $srv.Service -NoWait
        $cli.Status | Should -Be 'Open'
        $cli.DatagramAddress.Port | Should -Be $srv.Service
        $w = $null
        Send-NetworkProcess $cli -Eof -WarningVariable w -WarningAction SilentlyContinue
        $w[0].Message | Should -Match 'datagram'
        Send-NetworkProcess $cli 'after eof'
        (Receive-Datagrams $srv 1)[0].Data | Should -BeExactly 'after eof'
    }

    It 'follows a third party that writes to it' {
        $srv = New-NetworkProcess -Name srv -SocketType Datagram -Server -Service 0
        $cli = New-NetworkProcess -Name cli -SocketType Datagram -Service $srv.Service
        $third = New-NetworkProcess -Name third -SocketType Datagram -Server -Service 0
        Send-NetworkProcess $third 'I am the third' -To $cli.LocalEndPoint
        $record = (Receive-Datagrams $cli 1)[0]
        $record.Data | Should -BeExactly 'I am the third'
        $record.RemoteEndPoint.Port | Should -Be $third.Service
        $cli.DatagramAddress.Port | Should -Be $third.Service
        $cli.RemoteEndPoint.Port | Should -Be $third.Service
        Send-NetworkProcess $cli 'hello third'
        (Receive-Datagrams $third 1)[0].Data | Should -BeExactly 'hello third'
        Wait-NetworkProcess $srv -Timeout 0.2 | Should -BeFalse
    }

    It 'works over IPv6' {
        $srv = New-NetworkProcess -Name srv6 -SocketType Datagram -Server -Service 0 -Family IPv6
        $srv.LocalEndPoint.Address.ToString() | Should -Be '::1'
        $cli = New-NetworkProcess -Name cli6 -SocketType Datagram -Host ::1 -Service $srv.Service
        Send-NetworkProcess $cli 'v6 datagram'
        $record = (Receive-Datagrams $srv 1)[0]
        $record.Data | Should -BeExactly 'v6 datagram'
        $record.RemoteEndPoint.Address.ToString() | Should -Be '::1'
        Send-NetworkProcess $srv 'v6 reply'
        (Receive-Datagrams $cli 1)[0].Data | Should -BeExactly 'v6 reply'
    }
}

Describe 'Unix datagram and seqpacket sockets' {
    AfterEach { Clear-NetworkProcesses }

    It 'exchanges unix datagrams both ways and removes the server socket file' {
        $path = New-SocketPath
        $srv = New-NetworkProcess -Name ud -SocketType Datagram -Server -Family Local -Service $path
        $cli = New-NetworkProcess -Name udc -SocketType Datagram -Family Local -Service $path
        Send-NetworkProcess $cli 'unix one'
        Send-NetworkProcess $cli 'unix two'
        (Receive-Datagrams $srv 2).Data | Should -Be @('unix one', 'unix two')
        Send-NetworkProcess $srv 'unix reply'
        (Receive-Datagrams $cli 1)[0].Data | Should -BeExactly 'unix reply'
        Remove-NetworkProcess $srv
        Test-Path $path | Should -BeFalse
    }

    It 'keeps seqpacket message boundaries, one filter call per message' {
        $path = New-SocketPath
        $global:messages = [Collections.Generic.List[string]]::new()
        $srv = New-NetworkProcess -Name sq -SocketType SeqPacket -Server -Family Local -Service $path -Filter { param($p, $d) $global:messages.Add($d) }
        $srv.Status | Should -Be 'Listen'
        $cli = New-NetworkProcess -Name cq -SocketType SeqPacket -Family Local -Service $path
        $cli.SocketType | Should -Be 'SeqPacket'
        foreach ($m in 'one', 'two', 'three') { Send-NetworkProcess $cli $m }
        $deadline = [datetime]::UtcNow.AddSeconds(5)
        while ($global:messages.Count -lt 3 -and [datetime]::UtcNow -lt $deadline) { $null = Wait-NetworkProcess -Timeout 0.1 }
        $global:messages.ToArray() | Should -Be @('one', 'two', 'three')
    }

    It 'refuses SeqPacket outside unix sockets' {
        $err = $null
        New-NetworkProcess -Name bad -SocketType SeqPacket -Service 9 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidEndpoint,*'
        Get-NetworkProcess bad* | Should -BeNullOrEmpty
    }
}

Describe 'A datagram process''s RemoteEndPoint' {
    AfterEach { Clear-NetworkProcesses }

    It 'is its datagram address: none on a fresh server, then each sender, then what -DatagramAddress sets' {
        $srv = New-NetworkProcess -Name srv -SocketType Datagram -Server -Service 0
        $srv.RemoteEndPoint | Should -BeNullOrEmpty
        $a = New-NetworkProcess -Name a -SocketType Datagram -Service $srv.Service
        $b = New-NetworkProcess -Name b -SocketType Datagram -Service $srv.Service
        $a.RemoteEndPoint.Port | Should -Be $srv.Service
        Send-NetworkProcess $a 'from a'
        Send-NetworkProcess $b 'from b'
        $records = Receive-Datagrams $srv 2
        # Each record still names its own sender, though the process follows the last one.
        $records.RemoteEndPoint.Port | Should -Be @($a.LocalEndPoint.Port, $b.LocalEndPoint.Port)
        $srv.RemoteEndPoint.Port | Should -Be $b.LocalEndPoint.Port
        Set-NetworkProcess $srv -DatagramAddress $a.LocalEndPoint
        $srv.RemoteEndPoint.Port | Should -Be $a.LocalEndPoint.Port
        $srv.DatagramAddress.Port | Should -Be $a.LocalEndPoint.Port
    }

    It 'names the unix client that wrote last' {
        $path = New-SocketPath
        $srv = New-NetworkProcess -Name ud -SocketType Datagram -Server -Family Local -Service $path
        $cli = New-NetworkProcess -Name udc -SocketType Datagram -Family Local -Service $path
        $cli.RemoteEndPoint.ToString() | Should -Be $path
        Send-NetworkProcess $cli 'hello'
        $null = Receive-Datagrams $srv 1
        $srv.RemoteEndPoint.ToString() | Should -Be $cli.LocalEndPoint.ToString()
    }
}

Describe 'Large unix datagrams' {
    BeforeAll {
        # Seeded random bytes, so a datagram cut short or mixed up shows.
        function New-TestPayload([int] $Size) {
            $bytes = [byte[]]::new($Size)
            [Random]::new($Size).NextBytes($bytes)
            , $bytes
        }
    }

    AfterEach { Clear-NetworkProcesses }

    It 'receives a 100,000-byte datagram from socat whole' {
        $path = New-SocketPath
        $file = Join-Path ([IO.Path]::GetTempPath()) "netproc-test-$([guid]::NewGuid().ToString('N')).bin"
        $payload = New-TestPayload 100000
        [IO.File]::WriteAllBytes($file, $payload)
        try {
            $srv = New-NetworkProcess -Name big -SocketType Datagram -Server -Family Local -Service $path -Encoding Byte
            # One read of the file, so one sendto() of all of it.
            socat -u -b 200000 "OPEN:$file" "UNIX-SENDTO:$path"
            $LASTEXITCODE | Should -Be 0
            $records = Receive-Datagrams $srv 1 -Timeout 2
            $records.Count | Should -Be 1
            $records[0].Length | Should -Be 100000
            [Linq.Enumerable]::SequenceEqual([byte[]]$records[0].Data, $payload) | Should -BeTrue
            $srv.TruncatedDatagrams | Should -Be 0
        }
        finally { Remove-Item -LiteralPath $file -ErrorAction Ignore }
    }

    It 'exchanges 100,000-byte datagrams between two NetProc processes both ways' {
        $path = New-SocketPath
        $srv = New-NetworkProcess -Name big -SocketType Datagram -Server -Family Local -Service $path -Encoding Byte
        $cli = New-NetworkProcess -Name bigc -SocketType Datagram -Family Local -Service $path -Encoding Byte
        $request = New-TestPayload 100000
        $reply = New-TestPayload 100001
        Send-NetworkProcess $cli $request -ErrorAction Stop
        $got = Receive-Datagrams $srv 1
        $got.Count | Should -Be 1
        [Linq.Enumerable]::SequenceEqual([byte[]]$got[0].Data, $request) | Should -BeTrue
        Send-NetworkProcess $srv $reply -ErrorAction Stop
        $got = Receive-Datagrams $cli 1
        $got.Count | Should -Be 1
        [Linq.Enumerable]::SequenceEqual([byte[]]$got[0].Data, $reply) | Should -BeTrue
        $cli.BytesSent | Should -Be 100000
        $srv.BytesReceived | Should -Be 100000
    }

    It 'drops, counts and reports a datagram longer than it reads whole, and goes on' {
        $path = New-SocketPath
        $srv = New-NetworkProcess -Name small -SocketType Datagram -Server -Family Local -Service $path -Encoding Byte
        $size = $srv.MaxDatagramSize + 1
        # Only a sender that forces its send buffer past net.core.wmem_max (SO_SNDBUFFORCE, which needs CAP_NET_ADMIN:
        # the suite runs as root, as .ci/run does to install its peers) sends more.
        $sender = [Net.Sockets.Socket]::new('Unix', 'Dgram', 'Unspecified')
        try {
            $sender.SetRawSocketOption(1, 32, [BitConverter]::GetBytes([int]$size))
            $null = $sender.SendTo((New-TestPayload $size), [Net.Sockets.UnixDomainSocketEndPoint]::new($path))
            $null = $sender.SendTo([Text.Encoding]::ASCII.GetBytes('after'), [Net.Sockets.UnixDomainSocketEndPoint]::new($path))
        }
        finally { $sender.Dispose() }
        $w = $null
        $got = @(Receive-NetworkProcess $srv -Wait -Timeout 5 -WarningVariable w -WarningAction SilentlyContinue)
        $got.Count | Should -Be 1
        [Text.Encoding]::ASCII.GetString($got[0]) | Should -BeExactly 'after'
        $srv.TruncatedDatagrams | Should -Be 1
        $srv.DroppedDatagrams | Should -Be 0
        $srv.BytesReceived | Should -Be 5
        $w.Count | Should -Be 1
        $w[0].Message | Should -Match "longer than the $($srv.MaxDatagramSize) bytes"
        $srv.LastError.Error | Should -Be 'DatagramTruncated'
        $srv.Status | Should -Be 'Open'
    }
}
