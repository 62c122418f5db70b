BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
}

Describe 'Receive' {
    AfterEach { Clear-NetworkProcesses; Clear-TestSockets }

    Context 'streaming' {
        It '-Stream writes output down the pipeline as it comes and ends when the peer closes' {
            $c = New-TestConnection
            Send-TestBytes $c.Peer "one`n"
            $seen = [Collections.Generic.List[string]]::new()
            $peer = $c.Peer
            # The pipeline sees each piece while the stream is still open; the peer answers the first by sending more.
            Receive-NetworkProcess -InputObject $c.Process -Stream -Line -Timeout 10 | ForEach-Object {
                $seen.Add($_)
                if ($_ -eq 'one') { Send-TestBytes $peer "two`nthree"; $peer.Shutdown('Send') }
            }
            $seen.ToArray() | Should -Be @('one', 'two', 'three')
            $c.Process.Status | Should -Be 'Closed'
        }

        It '-Stream -Timeout ends the stream while the process is still open' {
            $c = New-TestConnection
            Send-TestBytes $c.Peer 'early'
            $out = @(Receive-NetworkProcess -InputObject $c.Process -Stream -Timeout 0.5)
            ($out -join '') | Should -Be 'early'
            $c.Process.Status | Should -Be 'Open'
        }

        It '-Stream -AsByteStream gives every byte of a larger transfer, in order' {
            $c = New-TestConnection -Options @{ Encoding = 'Byte' }
            $payload = [byte[]]::new(3MB)
            for ($i = 0; $i -lt $payload.Length; $i++) { $payload[$i] = $i % 251 }
            $send = $c.Peer.SendAsync([ArraySegment[byte]]::new($payload), 'None')
            $got = [IO.MemoryStream]::new()
            $shut = $false
            Receive-NetworkProcess -InputObject $c.Process -Stream -AsByteStream -Timeout 20 | ForEach-Object {
                $got.Write($_, 0, $_.Length)
                # The last bytes are read after the send completed, so some chunk always sees it and ends the stream.
                if (-not $shut -and $send.IsCompleted) { $c.Peer.Shutdown('Send'); $shut = $true }
            }
            $send.Result | Should -Be $payload.Length
            $got.Length | Should -Be $payload.Length
            [Linq.Enumerable]::SequenceEqual($got.ToArray(), $payload) | Should -BeTrue
        }
    }

    Context 'line limits' {
        It '-Line gives out a line longer than the receive window in pieces, so memory stays bounded' {
            $c = New-TestConnection
            $window = [NetProc.Engine.ProcessObject]::ReceiveWindow
            $peer = $c.Peer
            $send = $peer.SendAsync([ArraySegment[byte]]::new([byte[]](,[byte][char]'x' * ($window + 1000))), 'None')
            $pieces = [Collections.Generic.List[string]]::new()
            $deadline = [datetime]::UtcNow.AddSeconds(20)
            while ($pieces.Count -eq 0 -and [datetime]::UtcNow -lt $deadline) {
                foreach ($piece in Receive-NetworkProcess -InputObject $c.Process -Line -Wait -Timeout 0.5) { $pieces.Add($piece) }
            }
            $send.Wait(5000) | Should -BeTrue
            $pieces.Count | Should -Be 1
            $pieces[0].Length | Should -BeGreaterOrEqual $window
            Send-TestBytes $peer "`nnext`n"
            $rest = Receive-TestLines -Process $c.Process -Count 2
            ($pieces[0] + $rest[0]).Length | Should -Be ($window + 1000)
            $rest[1] | Should -Be 'next'
        }
    }

    Context 'text chunks' {
        It 'writes nothing and no error when nothing came' {
            $c = New-TestConnection
            $out = @(Receive-NetworkProcess -InputObject $c.Process -ErrorVariable err)
            $out.Count | Should -Be 0
            $err.Count | Should -Be 0
        }

        It '-Wait returns what the peer sent as strings' {
            $c = New-TestConnection
            Send-TestBytes $c.Peer 'hello'
            $out = @(Receive-NetworkProcess -InputObject $c.Process -Wait -Timeout 5)
            $out.Count | Should -BeGreaterThan 0
            $out[0] | Should -BeOfType [string]
            $first = $out -join ''
            $rest = Receive-TestText -Process $c.Process -Until { param($t) ($first + $t) -eq 'hello' } -Timeout 1
            $first + $rest | Should -Be 'hello'
        }

        It 'drains the buffer: a second read gets nothing' {
            $c = New-TestConnection
            Send-TestBytes $c.Peer 'once'
            Receive-TestText -Process $c.Process -Until { param($t) $t -eq 'once' } | Should -Be 'once'
            @(Receive-NetworkProcess -InputObject $c.Process).Count | Should -Be 0
            $c.Process.BufferedBytes | Should -Be 0
        }

        It 'keeps CR LF as they came (no newline translation)' {
            $c = New-TestConnection
            Send-TestBytes $c.Peer "a`r`nb`n"
            Receive-TestText -Process $c.Process -Until { param($t) $t.Length -ge 5 } | Should -Be "a`r`nb`n"
        }

        It 'selects by name and from the pipeline' {
            $c = New-TestConnection -Name rx
            Send-TestBytes $c.Peer 'one'
            Wait-TestCondition { $c.Process.BytesReceived -ge 3 } | Should -BeTrue
            (Receive-NetworkProcess rx -Wait -Timeout 5) -join '' | Should -Be 'one'
            Send-TestBytes $c.Peer 'two'
            (Get-NetworkProcess rx | Receive-NetworkProcess -Wait -Timeout 5) -join '' | Should -Be 'two'
        }

        It 'reads several processes at once' {
            $a = New-TestConnection -Name ra
            $b = New-TestConnection -Name rb
            Send-TestBytes $a.Peer 'A'
            Send-TestBytes $b.Peer 'B'
            Wait-TestCondition { $a.Process.BytesReceived -ge 1 -and $b.Process.BytesReceived -ge 1 } | Should -BeTrue
            (@(Receive-NetworkProcess -Name 'r*' -Wait -Timeout 5) | Sort-Object) -join '' | Should -Be 'AB'
        }

        It 'counts BytesReceived' {
            $c = New-TestConnection
            Send-TestBytes $c.Peer ([byte[]]::new(300))
            Wait-TestCondition { $c.Process.BytesReceived -ge 300 } | Should -BeTrue
            $c.Process.BytesReceived | Should -Be 300
        }

        It 'gives the data that came before the peer closed, then the process is Closed and unlisted' {
            $c = New-TestConnection -Name closing
            Send-TestBytes $c.Peer 'final'
            $c.Peer.Close()
            Receive-TestText -Process $c.Process -Until { $false } | Should -Be 'final'
            $c.Process.Status | Should -Be 'Closed'
            @(Get-NetworkProcess -Name 'closing*').Count | Should -Be 0
        }
    }

    Context '-Wait and -Timeout' {
        It '-Timeout alone waits for output' {
            $c = New-TestConnection -Options @{ Stopped = $true }
            Send-TestBytes $c.Peer 'later'
            # reading resumes in the background; a read that does not wait would find nothing yet
            $out = Resume-NetworkProcess -InputObject $c.Process -PassThru | Receive-NetworkProcess -Timeout 5
            # Five bytes in one send on loopback arrive in one read: all of them, or the wait did not wait.
            ($out -join '') | Should -BeExactly 'later'
        }

        It 'returns nothing when the timeout passes on a silent process' {
            $c = New-TestConnection
            $out = @(Receive-NetworkProcess -InputObject $c.Process -Wait -Timeout 0.2 -ErrorVariable err)
            $out.Count | Should -Be 0
            $err.Count | Should -Be 0
            $c.Process.Status | Should -Be 'Open'
        }

        It '-Wait returns when the process closes without output' {
            $c = New-TestConnection
            $c.Peer.Close()
            $out = @(Receive-NetworkProcess -InputObject $c.Process -Wait -Timeout 10)
            $out.Count | Should -Be 0
            $c.Process.Status | Should -Be 'Closed'
        }

        It 'accepts -TimeoutSec as an alias' {
            $c = New-TestConnection
            Send-TestBytes $c.Peer 'x'
            (Receive-NetworkProcess -InputObject $c.Process -TimeoutSec 5) -join '' | Should -Be 'x'
        }
    }

    Context '-AsByteStream' {
        It 'gives byte[] chunks holding exactly the bytes sent' {
            $c = New-TestConnection
            Send-TestBytes $c.Peer ([byte[]](0, 13, 10, 195, 255))
            $first = @(Receive-NetworkProcess -InputObject $c.Process -AsByteStream -Wait -Timeout 5)
            $first.Count | Should -BeGreaterThan 0
            , $first[0] | Should -BeOfType [byte[]]
            $rest = Receive-TestBytes -Process $c.Process -Count (5 - ($first | ForEach-Object { $_.Length } | Measure-Object -Sum).Sum) -Timeout 1
            $all = [byte[]]@($first | ForEach-Object { $_ }) + $rest
            ($all -join ',') | Should -Be '0,13,10,195,255'
        }
    }

    Context '-Line' {
        It 'splits on LF and CR LF, stripping them, across chunks' {
            $c = New-TestConnection
            Send-TestBytes $c.Peer "one`r`ntwo`nthr"
            $lines = Receive-TestLines -Process $c.Process -Count 2
            $lines | Should -Be @('one', 'two')
            Send-TestBytes $c.Peer "ee`n"
            Receive-TestLines -Process $c.Process -Count 1 | Should -Be @('three')
        }

        It 'holds back an unterminated line while the process is open' {
            $c = New-TestConnection
            Send-TestBytes $c.Peer 'no newline yet'
            Wait-TestCondition { $c.Process.BytesReceived -ge 14 } | Should -BeTrue
            @(Receive-NetworkProcess -InputObject $c.Process -Line -Wait -Timeout 0.3).Count | Should -Be 0
        }

        It 'gives out the last unterminated line when the process closes' {
            $c = New-TestConnection
            Send-TestBytes $c.Peer "a`nb"
            $c.Peer.Close()
            Receive-TestLines -Process $c.Process -Timeout 5 | Should -Be @('a', 'b')
        }

        It 'gives out an empty line for an empty LF-terminated line' {
            $c = New-TestConnection
            Send-TestBytes $c.Peer "x`n`ny`n"
            Receive-TestLines -Process $c.Process -Count 3 | Should -Be @('x', '', 'y')
        }
    }

    Context 'encodings' {
        It 'completes a UTF-8 sequence split across reads (68 C3 A9 E2 | 82 AC 21 is "hé€!")' {
            $c = New-TestConnection
            Send-TestBytes $c.Peer ([byte[]](0x68, 0xC3, 0xA9, 0xE2))
            Wait-TestCondition { $c.Process.BytesReceived -ge 4 } | Should -BeTrue
            $first = (Receive-NetworkProcess -InputObject $c.Process -Wait -Timeout 5) -join ''
            Send-TestBytes $c.Peer ([byte[]](0x82, 0xAC, 0x21))
            $second = Receive-TestText -Process $c.Process -Until { param($t) $t.EndsWith('!') }
            $first + $second | Should -BeExactly "hé€!"
            ($first + $second).Contains([char]0xFFFD) | Should -BeFalse
        }

        It 'completes a character sent one byte at a time' {
            $c = New-TestConnection
            $text = ''
            foreach ($b in 0xE2, 0x82, 0xAC) {
                $before = $c.Process.BytesReceived
                Send-TestBytes $c.Peer ([byte[]]@($b))
                Wait-TestCondition { $c.Process.BytesReceived -gt $before } | Should -BeTrue
                $text += (Receive-NetworkProcess -InputObject $c.Process -Wait -Timeout 1) -join ''
            }
            $text | Should -BeExactly '€'
        }

        It '-Encoding Byte gives byte[] chunks without -AsByteStream' {
            $c = New-TestConnection -Options @{ Encoding = 'Byte' }
            $c.Process.Encoding | Should -BeNullOrEmpty
            Send-TestBytes $c.Peer ([byte[]](0xC3, 0x28))
            $out = @(Receive-NetworkProcess -InputObject $c.Process -Wait -Timeout 5)
            , $out[0] | Should -BeOfType [byte[]]
            $out[0][0] | Should -Be 0xC3
        }

        It '-Encoding latin1 decodes E9 as "é"' {
            $c = New-TestConnection -Options @{ Encoding = 'latin1' }
            Send-TestBytes $c.Peer ([byte[]](0x63, 0x61, 0x66, 0xE9))
            Receive-TestText -Process $c.Process -Until { param($t) $t.Length -ge 4 } | Should -BeExactly 'café'
        }

        It 'decodes later output with the encoding Set-NetworkProcess gives' {
            $c = New-TestConnection
            Set-NetworkProcess -InputObject $c.Process -Encoding latin1
            Send-TestBytes $c.Peer ([byte[]](0xE9))
            Receive-TestText -Process $c.Process -Until { param($t) $t.Length -ge 1 } | Should -BeExactly 'é'
        }
    }

    Context 'buffers' {
        It 'warns and reads nothing when the process has a filter' {
            $seen = [System.Collections.Generic.List[object]]::new()
            $c = New-TestConnection -Options @{ Filter = { param($P, $D) $seen.Add($D) }.GetNewClosure() }
            Send-TestBytes $c.Peer 'for the filter'
            $out = @(Receive-NetworkProcess -InputObject $c.Process -WarningVariable w -WarningAction SilentlyContinue)
            $out.Count | Should -Be 0
            ($w -join ' ') | Should -Match 'has a filter'
            Wait-TestCondition { ($seen -join '') -eq 'for the filter' } | Should -BeTrue
        }

        It 'Set-NetworkProcess -Buffer moves unread output to the named buffer' {
            $c = New-TestConnection
            Send-TestBytes $c.Peer 'moved'
            Wait-TestCondition { $c.Process.BytesReceived -ge 5 } | Should -BeTrue
            $null = Wait-NetworkProcess -Timeout 0
            Set-NetworkProcess -InputObject $c.Process -Buffer other
            $c.Process.Buffer.Name | Should -Be 'other'
            Receive-TestText -Process $c.Process -Until { param($t) $t -eq 'moved' } -Timeout 2 | Should -Be 'moved'
        }
    }

    Context 'reading on the pipeline thread' {
        # While Receive waits for a client, it reads the socket itself; between its calls the client's reader thread
        # takes over. Both paths must hand out one ordered stream.
        It 'gives every byte in order while Receive calls and pauses without Receive take turns' {
            $c = New-TestConnection
            $transfer = Start-TestTransfer -Peer $c.Peer -Size 16MB -Seed 7
            # Every fourth turn a pause without Receive: only the reader thread reads meanwhile.
            $received = Receive-TestTransfer $c.Process $transfer -EachTurn { param($turn) if ($turn % 4 -eq 0) { $null = Wait-Event -Timeout 0.02 } }
            $transfer.Sending.Wait(5000) | Should -BeTrue
            $received.Bytes.Length | Should -Be $transfer.Bytes.Length
            [System.Linq.Enumerable]::SequenceEqual($received.Bytes, $transfer.Bytes) | Should -BeTrue
        }

        It 'loses and reorders nothing while suspends, resumes and both kinds of reading come and go during a transfer' {
            $c = New-TestConnection
            $transfer = Start-TestTransfer -Peer $c.Peer -Size 32MB -Seed 11
            $random = [System.Random]::new(3)
            $received = Receive-TestTransfer $c.Process $transfer -EachTurn {
                switch ($random.Next(4)) {
                    0 { Suspend-NetworkProcess -InputObject $c.Process; $null = Wait-Event -Timeout 0.01; Resume-NetworkProcess -InputObject $c.Process }
                    1 { $null = Wait-Event -Timeout 0.02 }
                    2 { $null = Wait-NetworkProcess -InputObject $c.Process -Timeout 0.05 }
                    3 { }
                }
            }
            $transfer.Sending.Wait(5000) | Should -BeTrue
            $received.Bytes.Length | Should -Be $transfer.Bytes.Length
            [System.Linq.Enumerable]::SequenceEqual($received.Bytes, $transfer.Bytes) | Should -BeTrue
            $received.Turns | Should -BeGreaterThan 20 -Because 'the transfer must span many turns'
        }

        It 'removing a client in the middle of a transfer ends it cleanly, its reader thread too' {
            $before = Get-NetProcThreadCount
            $c = New-TestConnection
            $sending = $c.Peer.SendAsync([System.ArraySegment[byte]]::new([byte[]]::new(32MB)), 'None')
            $got = 0
            while ($got -lt 4MB) {
                foreach ($chunk in Receive-NetworkProcess -InputObject $c.Process -AsByteStream -Wait -Timeout 2) { $got += $chunk.Length }
            }
            Remove-NetworkProcess -InputObject $c.Process
            $c.Process.Status | Should -Be 'Closed'
            Wait-TestCondition { (Get-NetProcThreadCount) -eq $before } | Should -BeTrue
            # The peer's send fails or ends; either way it does not hang.
            try { $null = $sending.Wait(5000) } catch { }
            $sending.IsCompleted | Should -BeTrue
        }

        It 'reads nothing from the kernel for a suspended process, and all of it after Resume' {
            $c = New-TestConnection
            Suspend-NetworkProcess -InputObject $c.Process
            Send-TestBytes $c.Peer 'held'
            Receive-NetworkProcess -InputObject $c.Process -Wait -Timeout 0.3 | Should -BeNullOrEmpty
            Receive-NetworkProcess -InputObject $c.Process | Should -BeNullOrEmpty
            $c.Process.BytesReceived | Should -Be 0
            Resume-NetworkProcess -InputObject $c.Process
            Receive-TestText -Process $c.Process -Until { param($t) $t -eq 'held' } | Should -Be 'held'
        }
    }

    Context 'memory bound' {
        It 'holds at most the receive window while nobody reads, makes the peer wait, and loses nothing' {
            $c = New-TestConnection
            $total = 32MB
            $bound = [NetProc.Engine.ProcessObject]::ReceiveWindow + [NetProc.Engine.ProcessObject]::MaxReadSize
            $block = [byte[]]::new(64KB)
            $c.Peer.Blocking = $false
            $sent = 0
            $stalls = 0
            $most = 0
            $deadline = [datetime]::UtcNow.AddSeconds(20)
            while ($sent -lt $total -and $stalls -lt 20 -and [datetime]::UtcNow -lt $deadline) {
                try {
                    $sent += $c.Peer.Send($block, 0, [Math]::Min($block.Length, $total - $sent), 'None')
                    $stalls = 0
                } catch {
                    if ($_.Exception.InnerException.SocketErrorCode -ne 'WouldBlock') { throw }
                    $stalls++
                    $null = Wait-NetworkProcess -InputObject $c.Process -Timeout 0.05
                }
                $most = [Math]::Max($most, $c.Process.BufferedBytes)
            }
            $sent | Should -BeLessThan $total -Because 'the peer must be made to wait'
            $most | Should -BeLessOrEqual $bound
            $c.Process.BufferedBytes | Should -BeGreaterThan 0

            $received = 0
            $deadline = [datetime]::UtcNow.AddSeconds(60)
            while ($received -lt $total -and [datetime]::UtcNow -lt $deadline) {
                if ($sent -lt $total) {
                    try { $sent += $c.Peer.Send($block, 0, [Math]::Min($block.Length, $total - $sent), 'None') }
                    catch { if ($_.Exception.InnerException.SocketErrorCode -ne 'WouldBlock') { throw } }
                }
                foreach ($chunk in Receive-NetworkProcess -InputObject $c.Process -AsByteStream -Wait -Timeout 0.05) { $received += $chunk.Length }
                $most = [Math]::Max($most, $c.Process.BufferedBytes)
            }
            $received | Should -Be $total
            $c.Process.BytesReceived | Should -Be $total
            $most | Should -BeLessOrEqual $bound
        }
    }
}
