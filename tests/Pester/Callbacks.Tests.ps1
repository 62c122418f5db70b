BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1

    # A filter that records each chunk in $Log (a List); closures keep it reachable wherever the callback runs.
    function New-RecordingFilter([System.Collections.Generic.List[object]] $Log) {
        { param($Process, $Data) $Log.Add($Data) }.GetNewClosure()
    }

    function New-RecordingSentinel([System.Collections.Generic.List[object]] $Log) {
        { param($Process, $Message) $Log.Add($Message) }.GetNewClosure()
    }

    function New-Log { , [System.Collections.Generic.List[object]]::new() }
}

# Where a test must see a callback run inside one particular wait (to capture its warnings), the process
# starts -Stopped, the peer sends, and `Resume-NetworkProcess -PassThru | Wait-NetworkProcess` resumes and
# waits in one pipeline: the data is read only after the resume, so no idle-time delivery can run first.

Describe 'Callbacks' {
    AfterEach { Clear-NetworkProcesses; Clear-TestSockets }

    Context 'filters' {
        It 'calls the filter with the process object and the text' {
            $log = New-Log
            $c = New-TestConnection -Options @{ Filter = { param($Process, $Data) $log.Add(@($Process, $Data)) }.GetNewClosure() }
            Send-TestBytes $c.Peer 'hi'
            Wait-TestCondition { $log.Count -ge 1 } | Should -BeTrue
            $log[0][0] | Should -Be $c.Process
            $log[0][1] | Should -BeOfType [string]
            $log[0][1] | Should -Be 'hi'
        }

        It 'gives output to the filter and not to the buffer' {
            $log = New-Log
            $c = New-TestConnection -Options @{ Filter = New-RecordingFilter $log }
            Send-TestBytes $c.Peer 'only filter'
            Wait-TestCondition { ($log -join '') -eq 'only filter' } | Should -BeTrue
            @(Receive-NetworkProcess -InputObject $c.Process -WarningAction SilentlyContinue).Count | Should -Be 0
            $c.Process.BufferedBytes | Should -Be 0
        }

        It 'runs on the pipeline thread of the runspace that made the process' {
            $log = New-Log
            $filter = { param($P, $D) $log.Add(@([runspace]::DefaultRunspace.InstanceId, [Threading.Thread]::CurrentThread.ManagedThreadId)) }.GetNewClosure()
            $c = New-TestConnection -Options @{ Filter = $filter }
            Send-TestBytes $c.Peer 'which thread'
            Wait-TestCondition { $log.Count -ge 1 } | Should -BeTrue
            $log[0][0] | Should -Be ([runspace]::DefaultRunspace.InstanceId)
            $log[0][1] | Should -Be ([Threading.Thread]::CurrentThread.ManagedThreadId)
        }

        It 'gets byte[] with -Encoding Byte' {
            $log = New-Log
            $c = New-TestConnection -Options @{ Filter = New-RecordingFilter $log; Encoding = 'Byte' }
            Send-TestBytes $c.Peer ([byte[]](1, 2, 255))
            Wait-TestCondition { $log.Count -ge 1 } | Should -BeTrue
            , $log[0] | Should -BeOfType [byte[]]
            (($log | ForEach-Object { $_ }) -join ',') | Should -Be '1,2,255'
        }

        It 'completes a UTF-8 character split across reads' {
            $log = New-Log
            $c = New-TestConnection -Options @{ Filter = New-RecordingFilter $log }
            Send-TestBytes $c.Peer ([byte[]](0x68, 0xC3, 0xA9, 0xE2))
            Wait-TestCondition { $c.Process.BytesReceived -ge 4 -and $log.Count -ge 1 } | Should -BeTrue
            Send-TestBytes $c.Peer ([byte[]](0x82, 0xAC, 0x21))
            Wait-TestCondition { ($log -join '').EndsWith('!') } | Should -BeTrue
            ($log -join '') | Should -BeExactly 'hé€!'
        }

        It 'delivers 10,000 small messages sent in a burst, all and in order' {
            $text = [System.Text.StringBuilder]::new()
            $c = New-TestConnection -Options @{ Filter = { param($P, $D) $null = $text.Append($D) }.GetNewClosure() }
            $expected = [System.Text.StringBuilder]::new()
            for ($i = 0; $i -lt 10000; $i++) {
                $message = $script:Utf8.GetBytes("m$i;")
                $null = $expected.Append("m$i;")
                $null = $c.Peer.Send($message)
            }
            Wait-TestCondition { $text.Length -ge $expected.Length } -Timeout 30 | Should -BeTrue
            $text.ToString() | Should -BeExactly $expected.ToString()
        }

        It 'a filter may send to its own process' {
            $c = New-TestConnection -Options @{ Filter = { param($P, $D) Send-NetworkProcess -InputObject $P "ack:$D" } }
            Send-TestBytes $c.Peer 'hi'
            $null = Wait-NetworkProcess -InputObject $c.Process -Timeout 5
            Read-TestText $c.Peer 6 | Should -Be 'ack:hi'
        }

        It 'discards what a filter writes to the pipeline' {
            $c = New-TestConnection -Options @{ Filter = { param($P, $D) 'leaked'; $D }; Stopped = $true }
            Send-TestBytes $c.Peer 'data'
            $out = @(Resume-NetworkProcess -InputObject $c.Process -PassThru | Wait-NetworkProcess -Timeout 5)
            $out.Count | Should -Be 1
            $out[0] | Should -BeOfType [bool]
            $out[0] | Should -BeTrue
        }

        It 'Set-NetworkProcess -Filter $null sends later output to the buffer again' {
            $log = New-Log
            $c = New-TestConnection -Options @{ Filter = New-RecordingFilter $log }
            Send-TestBytes $c.Peer 'a'
            Wait-TestCondition { $log.Count -ge 1 } | Should -BeTrue
            Set-NetworkProcess -InputObject $c.Process -Filter $null
            $c.Process.Filter | Should -BeNullOrEmpty
            Send-TestBytes $c.Peer 'b'
            Receive-TestText -Process $c.Process -Until { param($t) $t -eq 'b' } | Should -Be 'b'
            ($log -join '') | Should -Be 'a'
        }

        It 'Set-NetworkProcess -Filter takes later output; earlier output stays in the buffer' {
            $log = New-Log
            $c = New-TestConnection
            Send-TestBytes $c.Peer 'early'
            Wait-TestCondition { $c.Process.BytesReceived -ge 5 } | Should -BeTrue
            $null = Wait-NetworkProcess -Timeout 0
            $same = Set-NetworkProcess -InputObject $c.Process -Filter (New-RecordingFilter $log) -PassThru
            $same | Should -Be $c.Process
            Send-TestBytes $c.Peer 'late'
            Wait-TestCondition { ($log -join '') -eq 'late' } | Should -BeTrue
            (Receive-NetworkProcess -InputObject $c.Process) -join '' | Should -Be 'early'
        }
    }

    Context 'filter and sentinel errors' {
        It 'a throwing filter becomes a warning and LastError, and the next chunk still reaches it' {
            $log = New-Log
            $filter = { param($P, $D) if ($log.Count -eq 0) { $log.Add('threw'); throw 'boom' }; $log.Add($D) }.GetNewClosure()
            $c = New-TestConnection -Options @{ Filter = $filter; Stopped = $true }
            Send-TestBytes $c.Peer 'first'
            $null = Resume-NetworkProcess -InputObject $c.Process -PassThru |
                Wait-NetworkProcess -Timeout 5 -WarningVariable w -WarningAction SilentlyContinue
            @($w).Count | Should -Be 1
            "$($w[0])" | Should -Be 'error in process filter: boom'
            $c.Process.LastError.Message | Should -Be 'boom'
            $c.Process.Status | Should -Be 'Open'
            Send-TestBytes $c.Peer 'second'
            # TCP keeps no message boundaries: the text may come in more than one chunk.
            Wait-TestCondition { ($log -join '') -like '*second' } | Should -BeTrue
        }

        It 'a throwing sentinel becomes a warning and LastError' {
            $c = New-TestConnection -Options @{ Sentinel = { param($P, $M) throw 'sentinel broke' } }
            Remove-NetworkProcess -InputObject $c.Process -WarningVariable w -WarningAction SilentlyContinue
            "$($w[0])" | Should -Be 'error in process sentinel: sentinel broke'
            $c.Process.LastError.Message | Should -Be 'sentinel broke'
            $c.Process.Status | Should -Be 'Closed'
        }
    }

    Context 'sentinels' {
        It 'hears "connection broken by remote peer`n" when the peer closes: Closed, ExitStatus 256' {
            $log = New-Log
            $c = New-TestConnection -Options @{ Sentinel = New-RecordingSentinel $log }
            $c.Peer.Close()
            Wait-TestCondition { $log.Count -ge 1 } | Should -BeTrue
            $log | Should -Be @("connection broken by remote peer`n")
            $c.Process.Status | Should -Be 'Closed'
            $c.Process.ExitStatus | Should -Be 256
            $c.Process.IsLive | Should -BeFalse
        }

        It 'hears the same when the peer resets the connection' {
            $log = New-Log
            $c = New-TestConnection -Options @{ Sentinel = New-RecordingSentinel $log }
            Reset-TestPeer $c.Peer
            Wait-TestCondition { $log.Count -ge 1 } | Should -BeTrue
            $log | Should -Be @("connection broken by remote peer`n")
            $c.Process.Status | Should -Be 'Closed'
            $c.Process.ExitStatus | Should -Be 256
        }

        It 'gives data that came before the close to the filter before the sentinel runs' {
            $log = New-Log
            $c = New-TestConnection -Options @{
                Filter   = { param($P, $D) $log.Add("data:$D") }.GetNewClosure()
                Sentinel = { param($P, $M) $log.Add("sentinel:$M") }.GetNewClosure()
            }
            Send-TestBytes $c.Peer 'abc'
            $c.Peer.Close()
            Wait-TestCondition { $log -like 'sentinel:*' } | Should -BeTrue
            $log[-1] | Should -Be "sentinel:connection broken by remote peer`n"
            (($log | Select-Object -SkipLast 1) -replace '^data:' -join '') | Should -Be 'abc'
        }

        It 'is called exactly once when a loop keeps waiting while output lasts (sentinel-called)' {
            $log = New-Log
            $c = New-TestConnection -Options @{ Sentinel = New-RecordingSentinel $log; Filter = { param($P, $D) } }
            Send-TestBytes $c.Peer 'some output'
            $c.Peer.Close()
            $rounds = 0
            while ((Wait-NetworkProcess -InputObject $c.Process -Timeout 5) -and $rounds -lt 100) { $rounds++ }
            $null = Wait-NetworkProcess -Timeout 0.2
            $log | Should -Be @("connection broken by remote peer`n")
        }

        It 'runs a finished process''s sentinel while another process stays silent (sentinel-with-multiple-processes)' {
            $log1 = New-Log
            $log2 = New-Log
            $one = New-TestConnection -Name one -Options @{ Sentinel = New-RecordingSentinel $log1 }
            $two = New-TestConnection -Name two -Options @{ Sentinel = New-RecordingSentinel $log2 }
            $one.Peer.Close()
            $deadline = [datetime]::UtcNow.AddSeconds(5)
            while ($log1.Count -eq 0 -and [datetime]::UtcNow -lt $deadline) {
                $null = Wait-NetworkProcess -InputObject $two.Process -Timeout 0.1
            }
            $log1 | Should -Be @("connection broken by remote peer`n")
            $log2.Count | Should -Be 0
            $two.Process.Status | Should -Be 'Open'
        }

        It 'Remove-NetworkProcess calls the sentinel with "deleted`n" before it returns, the process already Closed and unlisted' {
            $log = New-Log
            $sentinel = { param($P, $M) $log.Add(@($M, $P.Status, @(Get-NetworkProcess -Name $P.Name -ErrorAction SilentlyContinue).Count)) }.GetNewClosure()
            $c = New-TestConnection -Name del -Options @{ Sentinel = $sentinel }
            Remove-NetworkProcess -InputObject $c.Process
            $log.Count | Should -Be 1
            $log[0][0] | Should -Be "deleted`n"
            "$($log[0][1])" | Should -Be 'Closed'
            $log[0][2] | Should -Be 0
        }

        It 'removing the same object again is harmless: no error, no second sentinel call' {
            $log = New-Log
            $c = New-TestConnection -Options @{ Sentinel = New-RecordingSentinel $log }
            Remove-NetworkProcess -InputObject $c.Process
            Remove-NetworkProcess -InputObject $c.Process -ErrorVariable err
            $err.Count | Should -Be 0
            $log | Should -Be @("deleted`n")
        }

        It 'a peer-closed process gets no "deleted`n" when removed afterwards' {
            $log = New-Log
            $c = New-TestConnection -Options @{ Sentinel = New-RecordingSentinel $log }
            $c.Peer.Close()
            Wait-TestCondition { $log.Count -ge 1 } | Should -BeTrue
            Remove-NetworkProcess -InputObject $c.Process -ErrorVariable err
            $err.Count | Should -Be 0
            $log | Should -Be @("connection broken by remote peer`n")
            $c.Process.ExitStatus | Should -Be 256
        }

        It 'Set-NetworkProcess -Sentinel replaces the sentinel' {
            $old = New-Log
            $new = New-Log
            $c = New-TestConnection -Options @{ Sentinel = New-RecordingSentinel $old }
            Set-NetworkProcess -InputObject $c.Process -Sentinel (New-RecordingSentinel $new)
            Remove-NetworkProcess -InputObject $c.Process
            $old.Count | Should -Be 0
            $new | Should -Be @("deleted`n")
        }
    }

    Context 'Wait-NetworkProcess' {
        It 'returns $true when the process produced output' {
            $c = New-TestConnection -Options @{ Filter = { param($P, $D) }; Stopped = $true }
            Send-TestBytes $c.Peer 'x'
            Resume-NetworkProcess -InputObject $c.Process -PassThru | Wait-NetworkProcess -Timeout 5 | Should -BeTrue
        }

        It 'returns $false on timeout without output' {
            $c = New-TestConnection
            Wait-NetworkProcess -InputObject $c.Process -Timeout 0.2 | Should -BeFalse
        }

        It 'returns $false when the process closes without output' {
            $c = New-TestConnection
            $c.Peer.Close()
            Wait-NetworkProcess -InputObject $c.Process -Timeout 10 | Should -BeFalse
            $c.Process.Status | Should -Be 'Closed'
        }

        It 'naming no process returns $true when any process produced output' {
            $c = New-TestConnection -Options @{ Filter = { param($P, $D) } }
            $null = Wait-NetworkProcess -Timeout 0
            Send-TestBytes $c.Peer 'x'
            Wait-NetworkProcess -Timeout 5 | Should -BeTrue
        }

        It 'naming no process returns $false when output was already read with Receive-NetworkProcess' {
            $c = New-TestConnection
            $null = Wait-NetworkProcess -Timeout 0
            Send-TestBytes $c.Peer 'read already'
            Receive-TestText -Process $c.Process -Until { param($t) $t -eq 'read already' } | Should -Be 'read already'
            Wait-NetworkProcess -Timeout 0.2 | Should -BeFalse
        }

        It 'returns $false for one process when only another produced output, but runs the other''s filter' {
            $log = New-Log
            $one = New-TestConnection -Name one
            $two = New-TestConnection -Name two -Options @{ Filter = New-RecordingFilter $log }
            Send-TestBytes $two.Peer 'for two'
            Wait-NetworkProcess -InputObject $one.Process -Timeout 0.5 | Should -BeFalse
            ($log -join '') | Should -Be 'for two'
        }

        It 'accepts a fractional -Timeout and the -TimeoutSec alias' {
            $c = New-TestConnection
            Wait-NetworkProcess -InputObject $c.Process -TimeoutSec 0.05 | Should -BeFalse
        }
    }

    Context 'suspend and resume' {
        It 'Suspend keeps status Open, sets Stopped, and leaves the peer''s data in the kernel' {
            $c = New-TestConnection
            $same = Suspend-NetworkProcess -InputObject $c.Process -PassThru
            $same | Should -Be $c.Process
            $c.Process.Stopped | Should -BeTrue
            $c.Process.Status | Should -Be 'Open'
            Get-ProcessStatus -InputObject $c.Process | Should -Be 'Open'
            Send-TestBytes $c.Peer 'waiting'
            Wait-NetworkProcess -InputObject $c.Process -Timeout 0.3 | Should -BeFalse
            $c.Process.BytesReceived | Should -Be 0
        }

        It 'delivers data sent while suspended after Resume, in order' {
            $log = New-Log
            $c = New-TestConnection -Options @{ Filter = New-RecordingFilter $log }
            Suspend-NetworkProcess -InputObject $c.Process
            Send-TestBytes $c.Peer 'one,'
            Send-TestBytes $c.Peer 'two'
            $null = Wait-NetworkProcess -InputObject $c.Process -Timeout 0.3
            $log.Count | Should -Be 0
            Resume-NetworkProcess -InputObject $c.Process
            $c.Process.Stopped | Should -BeFalse
            Wait-TestCondition { ($log -join '') -eq 'one,two' } | Should -BeTrue
        }

        It 'notices a peer close while suspended only after Resume' {
            $log = New-Log
            $c = New-TestConnection -Options @{ Sentinel = New-RecordingSentinel $log }
            Suspend-NetworkProcess -InputObject $c.Process
            $c.Peer.Close()
            $null = Wait-NetworkProcess -InputObject $c.Process -Timeout 0.3
            $c.Process.Status | Should -Be 'Open'
            $log.Count | Should -Be 0
            Resume-NetworkProcess -InputObject $c.Process
            Wait-TestCondition { $log.Count -ge 1 } | Should -BeTrue
            $log | Should -Be @("connection broken by remote peer`n")
            $c.Process.Status | Should -Be 'Closed'
        }

        It 'never calls the sentinel' {
            $log = New-Log
            $c = New-TestConnection -Options @{ Sentinel = New-RecordingSentinel $log }
            Suspend-NetworkProcess -InputObject $c.Process
            Resume-NetworkProcess -InputObject $c.Process
            Send-TestBytes $c.Peer 'x'
            Receive-TestText -Process $c.Process -Until { param($t) $t -eq 'x' } | Should -Be 'x'
            $log.Count | Should -Be 0
        }

        It 'Resume on a running process is harmless; -PassThru returns it' {
            $c = New-TestConnection
            Resume-NetworkProcess -InputObject $c.Process -PassThru -ErrorVariable err | Should -Be $c.Process
            $err.Count | Should -Be 0
            $c.Process.Stopped | Should -BeFalse
        }

        It 'Suspend -WhatIf changes nothing' {
            $c = New-TestConnection -Name whatif
            Suspend-NetworkProcess -Name whatif -WhatIf
            $c.Process.Stopped | Should -BeFalse
        }

        It 'selects by name and from the pipeline' {
            $c = New-TestConnection -Name sus
            Suspend-NetworkProcess sus
            $c.Process.Stopped | Should -BeTrue
            Get-NetworkProcess sus | Resume-NetworkProcess
            $c.Process.Stopped | Should -BeFalse
        }

        It 'a suspended process is removed with "deleted`n"' {
            $log = New-Log
            $c = New-TestConnection -Options @{ Sentinel = New-RecordingSentinel $log }
            Suspend-NetworkProcess -InputObject $c.Process
            Remove-NetworkProcess -InputObject $c.Process
            $c.Process.Status | Should -Be 'Closed'
            $log | Should -Be @("deleted`n")
            Test-PeerClosed $c.Peer | Should -BeTrue
        }
    }
}
