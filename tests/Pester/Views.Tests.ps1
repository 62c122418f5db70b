BeforeAll { . $PSScriptRoot/TestHelpers.ps1 }
Describe 'Views' {
    AfterEach { Clear-NetworkProcesses; Clear-TestSockets }

    Context 'the process table at 80 columns' {
        It 'shows every name whole and the remote end of each kind: client, server, IPv6 connection, unix, datagram' {
            # A short path, as sockets in /run or /tmp usually have: a long one is cut at 80 columns.
            $path = "/tmp/np-$(Get-Random).sock"
            try {
                $srv = New-NetworkProcess srv -Server -Service 0
                $client = New-NetworkProcess client -Service $srv.Service
                $srv6 = New-NetworkProcess srv -Server -Host ::1 -Service 0
                $client6 = New-NetworkProcess c6 -Host ::1 -Service $srv6.Service
                $unixServer = New-NetworkProcess usrv -Server -Family Local -Service $path
                $null = New-NetworkProcess uclient -Family Local -Service $path
                $dgram = New-NetworkProcess dgram -SocketType Datagram -Server -Service 0
                $null = New-NetworkProcess dclient -SocketType Datagram -Service $dgram.Service
                Wait-TestCondition { @(Get-NetworkProcess -Name '* <*>').Count -eq 3 } | Should -BeTrue

                $lines = (Get-NetworkProcess | Out-String -Width 80) -split "`n"
                $lines | Where-Object { $_.TrimEnd().Length -gt 80 } | Should -BeNullOrEmpty
                $lines -join "`n" | Should -Not -Match '…'
                foreach ($p in Get-NetworkProcess) {
                    $row = $lines | Where-Object { $_ -match "^\s*$($p.Id) " }
                    $row | Should -HaveCount 1
                    $row.Contains($p.Name) | Should -BeTrue -Because "the row of $($p.Name) holds its whole name: $row"
                    $row.TrimEnd().EndsWith($p.Address) | Should -BeTrue -Because "the row of $($p.Name) ends with its address: $row"
                }
                $connection6 = Get-NetworkProcess -Name "srv<1> <`[::1`]:$($client6.LocalEndPoint.Port)>"
                $connection6.Address | Should -Be "[::1]:$($client6.LocalEndPoint.Port)"
                $client.Address | Should -Be "127.0.0.1:$($srv.Service)"
                $srv.Address | Should -Be "on 127.0.0.1:$($srv.Service)"
                $dgram.Address | Should -Be "on 127.0.0.1:$($dgram.Service)"
                (Get-NetworkProcess -Name 'usrv <*>').Address | Should -Be "on $path"
                $unixServer.Address | Should -Be "on $path"
            } finally {
                Clear-NetworkProcesses
                Remove-Item $path -ErrorAction Ignore
            }
        }

        It 'shows a suspended process as Stopped' {
            $srv = New-NetworkProcess srv -Server -Service 0 -Stopped
            (Get-NetworkProcess | Out-String -Width 80) | Should -Match "srv\s+Stopped\s+0 on 127"
        }
    }

    Context 'Format-List of one process' {
        It 'shows the Emacs contact, endpoints, counters, window, callbacks and linger of a connection' {
            $t = New-TestConnection -Name web -Options @{ Sentinel = { }; Linger = 5 }
            Send-NetworkProcess -InputObject $t.Process "hello`n"
            Send-TestBytes -Socket $t.Peer -Data "abc"
            Wait-TestCondition { $t.Process.BufferedBytes -eq 3 } | Should -BeTrue

            $text = $t.Process | Format-List | Out-String -Width 80
            $text | Should -Match "Contact\s+: \(network connection to 127\.0\.0\.1:$($t.Listener.Port)\)"
            $text | Should -Match "LocalEndPoint\s+: 127\.0\.0\.1:$($t.Process.LocalEndPoint.Port)"
            $text | Should -Match "RemoteEndPoint\s+: 127\.0\.0\.1:$($t.Listener.Port)"
            $text | Should -Match 'Received\s+: 3 bytes in 1 chunks'
            $text | Should -Match 'Sent\s+: 6 bytes in 1 chunks'
            $text | Should -Match 'Buffered\s+: 3 of 1,048,576 bytes'
            $text | Should -Match 'Callbacks\s+: Sentinel\r?\n'
            $text | Should -Match 'Linger\s+: 5 s'
            $text | Should -Match 'QueryOnExit\s+: True'
            $text | Should -Not -Match 'Datagrams'
        }

        It 'describes a server as Emacs does, and its window in connections' {
            $srv = New-NetworkProcess srv -Server -Service 0 -Filter { } -Log { }
            $text = $srv | Format-List | Out-String -Width 80
            $text | Should -Match "Contact\s+: \(network server on 127\.0\.0\.1:$($srv.Service)\)"
            $text | Should -Match 'Buffered\s+: 0 of 256 connections'
            $text | Should -Match 'Callbacks\s+: Filter, Log'
        }

        It 'shows datagrams counted, dropped and truncated for a datagram process, and no linger' {
            $server = New-NetworkProcess dgram -SocketType Datagram -Server -Service 0
            $client = New-NetworkProcess dclient -SocketType Datagram -Service $server.Service
            Send-NetworkProcess -InputObject $client 'one'
            Send-NetworkProcess -InputObject $client 'two'
            Wait-TestCondition { $server.BufferedBytes -eq 6 } | Should -BeTrue
            $server.ChunksReceived | Should -Be 2
            $client.ChunksSent | Should -Be 2

            $text = $server | Format-List | Out-String -Width 80
            $text | Should -Match "Contact\s+: \(datagram server on 127\.0\.0\.1:$($server.Service)\)"
            $text | Should -Match 'Received\s+: 6 bytes in 2 chunks'
            $text | Should -Match 'Datagrams\s+: 0 dropped, 0 truncated'
            $text | Should -Not -Match 'Linger'
            ($client | Format-List | Out-String) | Should -Match "Contact\s+: \(datagram connection to 127\.0\.0\.1:$($server.Service)\)"
        }

        It 'shows Encoding by its name: <Encoding> as <Shown>' -TestCases @(
            @{ Encoding = $null; Shown = 'utf-8' }
            @{ Encoding = 'ascii'; Shown = 'us-ascii' }
            @{ Encoding = 'Byte'; Shown = 'Byte' }
        ) {
            $options = if ($Encoding) { @{ Encoding = $Encoding } } else { @{} }
            $t = New-TestConnection -Options $options
            $t.Process.EncodingName | Should -Be $Shown
            ($t.Process | Format-List | Out-String) | Should -Match "Encoding\s+: $Shown\r?\n"
        }

        It 'shows LastError as its message, without a stack trace' {
            $t = New-TestConnection -Options @{ Filter = { throw 'filter went wrong' } }
            $WarningPreference = 'SilentlyContinue'
            Send-TestBytes -Socket $t.Peer -Data 'x'
            Wait-TestCondition { $null -ne $t.Process.LastError } | Should -BeTrue
            $text = $t.Process | Format-List | Out-String -Width 200
            $text | Should -Match 'LastError\s+: filter went wrong\r?\n'
            $text | Should -Not -Match 'at <ScriptBlock>'
        }
    }

    Context 'Receive-NetworkProcess -Detailed' {
        It 'shows the whole name of an IPv6 connection at 80 columns' {
            $srv = New-NetworkProcess srv -Server -Host ::1 -Service 0
            $client = New-NetworkProcess c6 -Host ::1 -Service $srv.Service
            Send-NetworkProcess -InputObject $client "hello`n"
            $name = "srv <[::1]:$($client.LocalEndPoint.Port)>"
            Wait-TestCondition { (Get-NetworkProcess -Name "srv <*").BufferedBytes -eq 6 } | Should -BeTrue

            $text = Receive-NetworkProcess -Name 'srv <*' -Detailed | Out-String -Width 80
            $text | Should -Match ([regex]::Escape("Process: $name"))
            $text | Should -Match "\[::1\]:$($client.LocalEndPoint.Port)\s+6 hello"
        }
    }

    Context 'a name whose process left the list' {
        It 'says the process of that name closed, left the list once read, and that its object still works' {
            $t = New-TestConnection -Name web
            Send-TestBytes -Socket $t.Peer -Data 'bye'
            $t.Peer.Shutdown('Both'); $t.Peer.Close()
            Receive-TestText -Process $t.Process | Should -Be 'bye'
            Get-NetworkProcess -Name web -ErrorAction Ignore | Should -BeNullOrEmpty

            $err = $null
            $null = Receive-NetworkProcess -Name web -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'ProcessNotFound,*'
            $message = $err[0].Exception.Message
            $message | Should -BeLike "No process is named 'web'. Process 'web' (Id $($t.Process.Id)) was closed by its peer at *"
            $message | Should -Match 'once its output is read'
            $message | Should -Match 'still works'
            Get-ProcessStatus -InputObject $t.Process | Should -Be 'Closed'

            $null = Get-NetworkProcess -Id $t.Process.Id -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].Exception.Message | Should -Match "No process has Id $($t.Process.Id)\. Process 'web'"
        }

        It 'says a removed process was removed, and names never seen get the plain error' {
            $t = New-TestConnection -Name gone
            Remove-NetworkProcess -Name gone
            $null = Get-NetworkProcess -Name gone, never -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -HaveCount 2
            $err[0].Exception.Message | Should -Match "^No process is named 'gone'\. Process 'gone' \(Id \d+\) was removed at [0-9:]+ and left the list\."
            $err[1].Exception.Message | Should -Be "No process is named 'never'."
        }

        It 'remembers a bounded number of names' {
            $listener = New-TestListener
            # The table remembers the last 16 (ProcessTable.ForgottenRemembered): one more pushes n1 out.
            $made = 1..17 | ForEach-Object { New-NetworkProcess -Name "n$_" -Service $listener.Port }
            $made | Remove-NetworkProcess
            $null = Get-NetworkProcess -Name n1, n2 -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].Exception.Message | Should -Be "No process is named 'n1'."
            $err[1].Exception.Message | Should -Match 'was removed'
        }
    }

    Context 'a shared buffer read by its name' {
        It 'Receive-NetworkProcess -Buffer reads what every process sharing it wrote, in arrival order' {
            $a = New-TestConnection -Name a -Options @{ Buffer = 'shared' }
            $b = New-TestConnection -Name b -Options @{ Buffer = 'shared' }
            $sent = 0
            foreach ($step in @(@($a, 'a1'), @($b, 'b1'), @($a, 'a2'))) {
                Send-TestBytes -Socket $step[0].Peer -Data $step[1]
                $sent += 2
                Wait-TestCondition { $a.Process.BufferedBytes + $b.Process.BufferedBytes -eq $sent } | Should -BeTrue
            }

            $records = @(Receive-NetworkProcess -Buffer shared -Detailed)
            $records.Data | Should -Be @('a1', 'b1', 'a2')
            $records.Process.Name | Should -Be @('a', 'b', 'a')
            @(Receive-NetworkProcess -Buffer shared) | Should -HaveCount 0

            Send-TestBytes -Socket $b.Peer -Data 'late'
            Receive-NetworkProcess -Buffer SHARED -Wait -Timeout 5 | Should -Be 'late'
        }

        It 'a buffer no process writes to is BufferNotFound' {
            $null = Receive-NetworkProcess -Buffer nosuch -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'BufferNotFound,*'
            $err[0].Exception.Message | Should -Match "No process writes to a buffer named 'nosuch'"
        }
    }

    Context '-Service tab completion' {
        BeforeAll {
            function Get-Completion([string] $Line) {
                (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches
            }
        }

        It 'completes TCP service names from the services file for a stream' {
            $found = Get-Completion 'New-NetworkProcess web -Service htt'
            $found.CompletionText | Should -Contain 'http'
            ($found | Where-Object CompletionText -EQ 'http').ToolTip | Should -Be '80/tcp'
            (Get-Completion 'New-NetworkProcess web -Service nt').CompletionText | Should -Not -Contain 'ntp'
            (Get-Completion 'Open-NetworkStream web $null example.org -Service htt').CompletionText | Should -Contain 'http'
        }

        It 'completes UDP service names once -SocketType Datagram is given' {
            $found = Get-Completion 'New-NetworkProcess t -SocketType Datagram -Service nt'
            $found.CompletionText | Should -Contain 'ntp'
            ($found | Where-Object CompletionText -EQ 'ntp').ToolTip | Should -Be '123/udp'
            (Get-Completion 'New-NetworkProcess t -SocketType Datagram -Service htt').CompletionText | Should -Not -Contain 'http'
        }
    }

    Context 'QueryOnExit' {
        It 'lists the live processes whose QueryOnExit is set when pwsh exits, and not -NoQuery ones' {
            $script = Join-Path ([IO.Path]::GetTempPath()) "netproc-exit-$(Get-Random).ps1"
            Set-Content $script @'
Import-Module $env:NETPROC_MODULE
$srv = New-NetworkProcess srv -Server -Service 0 -NoQuery
$null = New-NetworkProcess web -Service $srv.Service
$null = New-NetworkProcess quiet -Service $srv.Service -NoQuery
$null = New-NetworkProcess later -Service $srv.Service
Set-NetworkProcess later -QueryOnExit $false
$null = Wait-TestCondition { @(Get-NetworkProcess -Name 'srv <*>').Count -eq 3 }
Get-NetworkProcess -Name 'srv <*>' | Set-NetworkProcess -QueryOnExit $false
'exiting'
exit 3
'@
            try {
                $pwsh = [Environment]::ProcessPath
                $pwshArgs = @(if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
                $helpers = "function Wait-TestCondition { ${function:Wait-TestCondition} }"
                $output = & $pwsh @pwshArgs -NoProfile -NonInteractive -Command "$helpers; . '$script'" 2>&1 | Out-String
                $output | Should -Match 'exiting'
                $output | Should -Match 'The session ends: closing 1 live network process\.'
                $output | Should -Match 'web \(network connection to 127\.0\.0\.1:\d+\)'
                $output | Should -Not -Match 'quiet|later|srv'
            } finally {
                Remove-Item $script -ErrorAction Ignore
            }
        }
    }
}
