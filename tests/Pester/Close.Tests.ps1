# Closing is graceful: what Send accepted reaches the peer before the FIN, whoever starts the close; -Abort and an
# expired -Linger reset instead. The peers read in the background (TestPeers.cs) and tell a FIN from a reset.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
}

Describe 'Graceful close' {
    AfterEach { Clear-NetworkProcesses; Clear-TestSockets }

    Context 'Remove-NetworkProcess' {
        It 'delivers a 3 MB send made just before it, then a normal close' {
            $c = New-TestConnection
            $drain = Start-TestDrain -Socket $c.Peer
            $bytes = New-TestBytes -Size 3MB
            Send-NetworkProcess -InputObject $c.Process -Data $bytes
            Remove-NetworkProcess -InputObject $c.Process
            $seen = Wait-TestDrain $drain
            $seen.End | Should -Be 'Fin'
            $seen.Length | Should -Be $bytes.Length
            [Linq.Enumerable]::SequenceEqual($seen.Bytes, $bytes) | Should -BeTrue
            $c.Process.BytesSent | Should -Be $bytes.Length
        }

        It 'waits for a peer that reads only later: all of it arrives, then a normal close' {
            $c = New-TestConnection
            $bytes = New-TestBytes -Size 1MB -Seed 2
            Send-NetworkProcess -InputObject $c.Process -Data $bytes
            Remove-NetworkProcess -InputObject $c.Process
            $seen = Wait-TestDrain (Start-TestDrain -Socket $c.Peer -StartDelay 0.5)
            $seen.End | Should -Be 'Fin'
            $seen.Length | Should -Be $bytes.Length
        }

        It 'closes normally even when input it never read is waiting' {
            $c = New-TestConnection
            Send-TestBytes -Socket $c.Peer -Data (New-TestBytes -Size 200KB)
            $null = Wait-TestCondition { $c.Process.BufferedBytes -gt 0 }
            Remove-NetworkProcess -InputObject $c.Process
            (Wait-TestDrain (Start-TestDrain -Socket $c.Peer)).End | Should -Be 'Fin'
        }

        It 'a peer that keeps sending while the process is removed is not left hanging on a closed window' {
            $c = New-TestConnection
            $sending = [NetProcTestPeer]::SendChunksAsync($c.Peer, 100000, 64KB)
            Wait-TestCondition { $c.Process.BytesReceived -gt 256KB } | Should -BeTrue
            Remove-NetworkProcess -InputObject $c.Process
            $sending.Wait(10000) | Should -BeTrue
            $sending.Result | Should -BeLessThan 100000
        }

        It '-Abort resets the connection at once' {
            $c = New-TestConnection
            Send-NetworkProcess -InputObject $c.Process -Data 'partial'
            Remove-NetworkProcess -InputObject $c.Process -Abort
            (Wait-TestDrain (Start-TestDrain -Socket $c.Peer)).End | Should -Be 'Reset'
            $c.Process.Status | Should -Be 'Closed'
        }

        It 'gives up after -Linger seconds with a reset when the peer takes nothing' {
            $listener = New-TestListener
            $p = New-NetworkProcess -Name slow -Service $listener.Port -Linger 0.3
            $peer = Get-TestPeer -Listener $listener
            $peer.ReceiveBufferSize = 4096
            $p.Linger | Should -Be 0.3
            # More than the peer's window and our send buffer take at once, so some stays unacknowledged.
            Send-NetworkProcess -InputObject $p -Data (New-TestBytes -Size 64KB)
            Remove-NetworkProcess -InputObject $p
            $seen = Wait-TestDrain (Start-TestDrain -Socket $peer -StartDelay 1.5)
            $seen.End | Should -Be 'Reset'
            $p.LastError.Message | Should -Match 'linger time \(0.3 s\)'
        }

        It 'a server connection that sends its reply and removes itself in its filter: the client reads it all, then a normal close' {
            $reply = 'x' * 300KB
            $server = New-NetworkProcess -Name web -Server -Service 0 -Filter {
                param($p, $d) Send-NetworkProcess -InputObject $p -Data $reply; Remove-NetworkProcess -InputObject $p
            }.GetNewClosure()
            $client = [System.Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
            $script:TestSockets.Add($client)
            $client.Connect('127.0.0.1', $server.Service)
            $drain = Start-TestDrain -Socket $client
            Send-TestBytes -Socket $client -Data "GET / HTTP/1.0`r`n`r`n"
            $null = Wait-TestCondition { $drain.IsCompleted }
            $seen = Wait-TestDrain $drain
            $seen.End | Should -Be 'Fin'
            $seen.Length | Should -Be $reply.Length
        }
    }

    Context 'Linger and delivery' {
        It 'Wait-NetworkProcess -Delivered is $false while the peer holds back, $true once it has taken everything' {
            # A peer with a small receive buffer (set before it accepts, so the window is announced as small) that
            # does not read yet: what does not fit stays unacknowledged in our send buffer.
            $listener = New-TestListener
            $listener.Server.ReceiveBufferSize = 64KB
            $p = New-NetworkProcess -Name held -Service $listener.Port
            $peer = Get-TestPeer -Listener $listener
            Send-NetworkProcess -InputObject $p -Data (New-TestBytes -Size 384KB)
            Wait-NetworkProcess -InputObject $p -Delivered -Timeout 0.2 | Should -BeFalse
            $drain = Start-TestDrain -Socket $peer
            Wait-NetworkProcess -InputObject $p -Delivered -Timeout 10 | Should -BeTrue
            Remove-NetworkProcess -InputObject $p
            (Wait-TestDrain $drain).Length | Should -Be 384KB
        }

        It 'a server gives its Linger to the connections it accepts; Set-NetworkProcess changes it' {
            $server = New-NetworkProcess -Name srv -Server -Service 0 -Linger 2.5
            $client = New-NetworkProcess -Name cli -Service $server.Service
            Wait-TestCondition { Get-NetworkProcess 'srv <*' } | Should -BeTrue
            (Get-NetworkProcess 'srv <*').Linger | Should -Be 2.5
            $client.Linger | Should -Be ([NetProc.Engine.ProcessObject]::DefaultLinger)
            Set-NetworkProcess -InputObject $client -Linger 0.5
            $client.Linger | Should -Be 0.5
        }

        It '-Linger on a datagram socket is IncompatibleParameters and changes nothing' {
            { New-NetworkProcess -Name dg -SocketType Datagram -Service 0 -Server -Linger 1 } | Should -Throw -ErrorId 'IncompatibleParameters,*'
            Get-NetworkProcess | Should -BeNullOrEmpty
            $d = New-NetworkProcess -Name dg -SocketType Datagram -Service 0 -Server
            Set-NetworkProcess -InputObject $d -Linger 1 -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'IncompatibleParameters,*'
            $d.Linger | Should -Be ([NetProc.Engine.ProcessObject]::DefaultLinger)
        }
    }

    Context 'the peer ends first' {
        It 'a peer that shuts down its sending side at once still gets every byte of an upload in progress' {
            $c = New-TestConnection
            $c.Peer.Shutdown('Send')
            $drain = Start-TestDrain -Socket $c.Peer
            $bytes = New-TestBytes -Size 8MB -Seed 3
            Send-NetworkProcess -InputObject $c.Process -Data $bytes -ErrorVariable err
            $err | Should -BeNullOrEmpty
            # The session notices the peer's end-of-file when it waits (perhaps already inside the send); then it closes.
            $null = Wait-NetworkProcess -InputObject $c.Process -Timeout 10
            $seen = Wait-TestDrain $drain
            $seen.End | Should -Be 'Fin'
            $seen.Length | Should -Be $bytes.Length
            $c.Process.BytesSent | Should -Be $bytes.Length
            $c.Process.Status | Should -Be 'Closed'
        }

        It 'ncat --recv-only receives all of a 20 MB upload' {
            $port = Get-ClosedPort
            $file = Join-Path ([IO.Path]::GetTempPath()) "netproc-ncat-$port.bin"
            $ncat = Start-Process ncat -ArgumentList @('-l', '127.0.0.1', "$port", '--recv-only', '-o', $file) -PassThru -RedirectStandardOutput '/dev/null'
            try {
                $p = $null
                $deadline = [datetime]::UtcNow.AddSeconds(10)
                while (-not $p -and [datetime]::UtcNow -lt $deadline) {
                    $p = New-NetworkProcess -Name upload -Service $port -ErrorAction SilentlyContinue
                    if (-not $p) { $null = Wait-NetworkProcess -Timeout 0.05 }
                }
                $p | Should -Not -BeNullOrEmpty
                $bytes = New-TestBytes -Size 20MB -Seed 4
                Send-NetworkProcess -InputObject $p -Data $bytes -ErrorVariable err
                $err | Should -BeNullOrEmpty
                Remove-NetworkProcess -InputObject $p
                $ncat.WaitForExit(20000) | Should -BeTrue
                (Get-Item $file).Length | Should -Be $bytes.Length
                (Get-FileHash $file).Hash | Should -Be ([BitConverter]::ToString([Security.Cryptography.SHA256]::HashData($bytes)) -replace '-')
            } finally {
                if (-not $ncat.HasExited) { $ncat.Kill() }
                Remove-Item $file -ErrorAction SilentlyContinue
            }
        }

        It 'a peer that resets mid-transfer: SendFailed says what happened, and BytesSent counts what was written' {
            $c = New-TestConnection
            $bytes = New-TestBytes -Size 16MB -Seed 5
            $resetter = [NetProcTestPeer]::ReadThenResetAsync($c.Peer, 1MB)
            Send-NetworkProcess -InputObject $c.Process -Data $bytes -ErrorVariable err -ErrorAction SilentlyContinue
            $resetter.Wait(10000) | Should -BeTrue
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'SendFailed,*'
            $err[0].Exception.Message | Should -Match 'reset'
            $err[0].Exception.Message | Should -Match 'of 16,777,216 bytes'
            $err[0].Exception.Message | Should -Not -Match 'canceled'
            $c.Process.BytesSent | Should -BeGreaterOrEqual $resetter.Result
            $c.Process.BytesSent | Should -BeLessThan $bytes.Length
        }
    }

    Context 'closes NetProc makes by itself' {
        It '<How> delivers what was sent, then a normal close' -TestCases @(
            @{ How = 'closing the runspace'; Teardown = 'Close' }, @{ How = 'Remove-Module'; Teardown = 'RemoveModule' }
        ) {
            $listener = New-TestListener
            $ps = New-TestRunspace
            try {
                $script = 'param($port) $p = New-NetworkProcess -Name up -Service $port; Send-NetworkProcess -InputObject $p -Data ([byte[]]::new(1MB))'
                if ($Teardown -eq 'RemoveModule') { $script += '; Remove-Module NetProc' }
                $null = Invoke-InTestRunspace $ps $script @($listener.Port)
                $peer = Get-TestPeer -Listener $listener
                if ($Teardown -eq 'Close') { $ps.Runspace.Close() }
                $seen = Wait-TestDrain (Start-TestDrain -Socket $peer)
                $seen.End | Should -Be 'Fin'
                $seen.Length | Should -Be 1MB
            } finally {
                $ps.Dispose()
            }
        }

        It '10,000 clients created and removed: every close is a FIN, and sockets and threads come back' {
            $counter = [NetProcTestPeer+CloseCounter]::new()
            try {
                $sockets = Get-TestSocketCount
                $threads = Get-NetProcThreadCount
                for ($i = 0; $i -lt 10000; $i++) {
                    Remove-NetworkProcess -InputObject (New-NetworkProcess -Name churn -Service $counter.Port)
                }
                Wait-TestCondition { $counter.Fins + $counter.Resets -ge 10000 } -Timeout 60 | Should -BeTrue
                $counter.Resets | Should -Be 0
                $counter.Fins | Should -Be 10000
                Wait-TestCondition { (Get-TestSocketCount) -le $sockets -and (Get-NetProcThreadCount) -le $threads } -Timeout 20 | Should -BeTrue
            } finally {
                $counter.Dispose()
            }
        }
    }
}
