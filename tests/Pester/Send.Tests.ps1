BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1

    function ConvertTo-Hex([byte[]] $Bytes) { ($Bytes | ForEach-Object { $_.ToString('X2') }) -join ' ' }
}

Describe 'Send' {
    AfterEach { Clear-NetworkProcesses; Clear-TestSockets }

    Context 'data' {
        It 'sends a string as UTF-8 by default' {
            $c = New-TestConnection
            Send-NetworkProcess $c.Process "é€`n"
            ConvertTo-Hex (Read-TestBytes $c.Peer 6) | Should -Be 'C3 A9 E2 82 AC 0A'
        }

        It 'sends a byte[] as it is' {
            $c = New-TestConnection
            Send-NetworkProcess -InputObject $c.Process -Data ([byte[]](0, 1, 127, 128, 255))
            ConvertTo-Hex (Read-TestBytes $c.Peer 5) | Should -Be '00 01 7F 80 FF'
        }

        It 'sends piped bytes together, in order' {
            $c = New-TestConnection
            [byte[]](1, 2, 3, 250) | Send-NetworkProcess $c.Process
            ConvertTo-Hex (Read-TestBytes $c.Peer 4) | Should -Be '01 02 03 FA'
        }

        It 'sends piped strings in order' {
            $c = New-TestConnection
            'one ', 'two ', 'three' | Send-NetworkProcess $c.Process
            Read-TestText $c.Peer 13 | Should -Be 'one two three'
        }

        It 'sends other objects as their string form' {
            $c = New-TestConnection
            Send-NetworkProcess $c.Process 42
            Read-TestText $c.Peer 2 | Should -Be '42'
        }

        It 'selects the process by name or by Id' {
            $c = New-TestConnection -Name byname
            Send-NetworkProcess byname 'a'
            Send-NetworkProcess -Id $c.Process.Id -Data 'b'
            Read-TestText $c.Peer 2 | Should -Be 'ab'
        }

        It 'sends to every process a wildcard selects' {
            $one = New-TestConnection -Name multi
            $two = New-TestConnection -Name multi
            Send-NetworkProcess -Name 'multi*' -Data 'all'
            Read-TestText $one.Peer 3 | Should -Be 'all'
            Read-TestText $two.Peer 3 | Should -Be 'all'
        }

        It 'counts BytesSent' {
            $c = New-TestConnection
            Send-NetworkProcess $c.Process 'hello'
            Send-NetworkProcess $c.Process ([byte[]](1, 2, 3))
            $null = Read-TestBytes $c.Peer 8
            $c.Process.BytesSent | Should -Be 8
        }

        It 'encodes with the process''s -Encoding (latin1: "é`n" is E9 0A)' {
            $c = New-TestConnection -Options @{ Encoding = 'latin1' }
            Send-NetworkProcess $c.Process "é`n"
            ConvertTo-Hex (Read-TestBytes $c.Peer 2) | Should -Be 'E9 0A'
        }

        It 'follows Set-NetworkProcess -Encoding for later sends' {
            $c = New-TestConnection
            Set-NetworkProcess -InputObject $c.Process -Encoding latin1
            Send-NetworkProcess $c.Process 'é'
            ConvertTo-Hex (Read-TestBytes $c.Peer 1) | Should -Be 'E9'
        }

        It 'a -Encoding Byte process still sends strings as UTF-8' {
            $c = New-TestConnection -Options @{ Encoding = 'Byte' }
            Send-NetworkProcess $c.Process 'é'
            ConvertTo-Hex (Read-TestBytes $c.Peer 2) | Should -Be 'C3 A9'
        }

        It 'may send while suspended (suspension only stops input)' {
            $c = New-TestConnection
            Suspend-NetworkProcess -InputObject $c.Process
            Send-NetworkProcess $c.Process 'still' -ErrorVariable err
            $err.Count | Should -Be 0
            Read-TestText $c.Peer 5 | Should -Be 'still'
        }

        It 'sends 1,000,000 bytes intact' {
            $c = New-TestConnection
            $data = [byte[]]::new(1000000)
            [System.Random]::new(7).NextBytes($data)
            $sink = [System.IO.MemoryStream]::new()
            $copy = [System.Net.Sockets.NetworkStream]::new($c.Peer).CopyToAsync($sink)
            Send-NetworkProcess $c.Process $data -Eof
            $copy.Wait(30000) | Should -BeTrue
            $received = $sink.ToArray()
            $received.Length | Should -Be $data.Length
            [System.Linq.Enumerable]::SequenceEqual($received, $data) | Should -BeTrue
            $c.Process.BytesSent | Should -Be 1000000
        }
    }

    Context '-Eof (half close)' {
        It 'ends the output after the data; the peer reads end of stream' {
            $c = New-TestConnection
            Send-NetworkProcess $c.Process 'hello' -Eof
            Read-TestText $c.Peer 5 | Should -Be 'hello'
            $c.Peer.Receive([byte[]]::new(1)) | Should -Be 0
        }

        It 'keeps the process Open and hears the peer''s reply after EOF, then its close' {
            $messages = [System.Collections.Generic.List[string]]::new()
            $c = New-TestConnection -Options @{ Sentinel = { param($P, $M) $messages.Add($M) }.GetNewClosure() }
            Send-NetworkProcess $c.Process 'hello'
            Send-NetworkProcess $c.Process -Eof
            $c.Process.Status | Should -Be 'Open'
            # the peer plays wc -c: counts until end of stream, answers, closes
            $count = (Read-TestBytes $c.Peer 100).Count
            Send-TestBytes $c.Peer "$count`n"
            $c.Peer.Close()
            Receive-TestText -Process $c.Process -Until { param($t) $t.EndsWith("`n") } | Should -Be "5`n"
            Wait-TestCondition { $messages.Count -ge 1 } | Should -BeTrue
            $messages | Should -Be @("connection broken by remote peer`n")
            $c.Process.ExitStatus | Should -Be 256
        }

        It 'refuses to send after -Eof with OutputClosed' {
            $c = New-TestConnection
            Send-NetworkProcess $c.Process -Eof
            Send-NetworkProcess $c.Process 'late' -ErrorVariable err -ErrorAction SilentlyContinue
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'OutputClosed,*'
            $c.Peer.Receive([byte[]]::new(1)) | Should -Be 0
        }

        It 'a second -Eof is also OutputClosed' {
            $c = New-TestConnection
            Send-NetworkProcess $c.Process -Eof
            Send-NetworkProcess $c.Process -Eof -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'OutputClosed,*'
        }
    }

    Context 'closed peers' {
        It 'sending to a process whose peer reset it ends in an error, status Closed, ExitStatus 256' {
            $c = New-TestConnection
            Reset-TestPeer $c.Peer
            $errors = [System.Collections.Generic.List[object]]::new()
            $deadline = [datetime]::UtcNow.AddSeconds(5)
            # the first write after a reset may still succeed, as in Emacs; a later one fails
            while ($errors.Count -eq 0 -and [datetime]::UtcNow -lt $deadline) {
                Send-NetworkProcess -InputObject $c.Process 'x' -ErrorVariable err -ErrorAction SilentlyContinue
                $errors.AddRange(@($err))
                $null = Wait-NetworkProcess -Timeout 0.05
            }
            $errors.Count | Should -BeGreaterThan 0
            $errors[0].FullyQualifiedErrorId | Should -Match '^(SendFailed|ProcessNotRunning),'
            Wait-TestCondition { $c.Process.Status -eq 'Closed' } | Should -BeTrue
            $c.Process.ExitStatus | Should -Be 256
        }
    }
}
