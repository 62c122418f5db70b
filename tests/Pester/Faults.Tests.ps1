# Faults and teardown: resets, half-closes, killed peers, callbacks that remove their own process, throw or leave with
# break/continue/exit, nested waits, and warnings raised while the session is between commands.

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
}

Describe 'Faults' {
    AfterEach { Clear-NetworkProcesses; Clear-TestSockets }

    Context 'no callback after removal' {
        It 'a client filter that removes its own process at its third chunk is never called again (<Rounds> rounds)' -TestCases @(@{ Rounds = 60 }) {
            $late = 0
            for ($round = 0; $round -lt $Rounds; $round++) {
                $state = @{ Calls = 0; Removed = $false; After = 0; Messages = [Collections.Generic.List[string]]::new() }
                $c = New-TestConnection -Options @{
                    Filter   = { param($p, $d)
                        if ($state.Removed) { $state.After++ }
                        if (++$state.Calls -eq 3) { $state.Removed = $true; Remove-NetworkProcess -InputObject $p }
                    }.GetNewClosure()
                    Sentinel = { param($p, $m) $state.Messages.Add($m) }.GetNewClosure()
                }
                # A peer that keeps the reader busy (64 KiB writes) until the close stops it.
                $sending = [NetProcTestPeer]::SendChunksAsync($c.Peer, 500, 64KB)
                $null = Wait-TestCondition { $state.Removed } -Timeout 5
                $sending.Wait(5000) | Should -BeTrue
                $null = Wait-NetworkProcess -Timeout 0.05
                $late += $state.After
                $state.Messages | Should -Be @("deleted`n")
                Clear-TestSockets
            }
            $late | Should -Be 0
        }

        It 'a script that removes a process while its data is pending gets no filter call after Remove returns (<Rounds> rounds)' -TestCases @(@{ Rounds = 40 }) {
            $late = 0
            for ($round = 0; $round -lt $Rounds; $round++) {
                $state = @{ Calls = 0; Removed = $false; After = 0 }
                $c = New-TestConnection -Options @{ Filter = { param($p, $d) if ($state.Removed) { $state.After++ }; $state.Calls++ }.GetNewClosure() }
                $sending = [NetProcTestPeer]::SendChunksAsync($c.Peer, 500, 64KB)
                $null = Wait-TestCondition { $state.Calls -ge 2 } -Timeout 5
                Remove-NetworkProcess -InputObject $c.Process
                $state.Removed = $true
                $sending.Wait(5000) | Should -BeTrue
                $null = Wait-NetworkProcess -Timeout 0.05
                $late += $state.After
                Clear-TestSockets
            }
            $late | Should -Be 0
        }

        It 'server connections that remove themselves in their filter are called once each (100 connections)' {
            $calls = [Collections.Concurrent.ConcurrentDictionary[string, int]]::new()
            $server = New-NetworkProcess -Name srv -Server -Service 0 -Filter {
                param($p, $d) $null = $calls.AddOrUpdate($p.Name, 1, { param($k, $v) $v + 1 }); Remove-NetworkProcess -InputObject $p
            }.GetNewClosure()
            $sending = foreach ($i in 1..100) {
                $client = [System.Net.Sockets.Socket]::new('InterNetwork', 'Stream', 'Tcp')
                $script:TestSockets.Add($client)
                $client.Connect('127.0.0.1', $server.Service)
                [NetProcTestPeer]::SendChunksAsync($client, 50, 64KB)
            }
            Wait-TestCondition { $calls.Count -ge 100 -and -not (Get-NetworkProcess 'srv <*') } -Timeout 20 | Should -BeTrue
            [System.Threading.Tasks.Task]::WaitAll([System.Threading.Tasks.Task[]] @($sending), 10000) | Should -BeTrue
            $null = Wait-NetworkProcess -Timeout 0.1
            @($calls.Values | Where-Object { $_ -ne 1 }).Count | Should -Be 0
        }

        It 'a sentinel removes its own process by object: no error, no second sentinel call' {
            $messages = [Collections.Generic.List[string]]::new()
            $c = New-TestConnection -Options @{ Sentinel = { param($p, $m) $messages.Add($m); Remove-NetworkProcess -InputObject $p }.GetNewClosure() }
            $c.Peer.Close()
            Wait-TestCondition { $messages.Count -ge 1 } | Should -BeTrue
            $null = Wait-NetworkProcess -Timeout 0.1 -ErrorVariable err
            $err | Should -BeNullOrEmpty
            $messages | Should -Be @("connection broken by remote peer`n")
            Get-NetworkProcess | Should -BeNullOrEmpty
        }

        It 'a sentinel removes its own process by name: no error, no second sentinel call' {
            $messages = [Collections.Generic.List[string]]::new()
            $errors = [Collections.Generic.List[object]]::new()
            $c = New-TestConnection -Name byname -Options @{
                Sentinel = { param($p, $m) $messages.Add($m); Remove-NetworkProcess -Name $p.Name -ErrorVariable e -ErrorAction SilentlyContinue; $errors.AddRange(@($e)) }.GetNewClosure()
            }
            $c.Peer.Close()
            Wait-TestCondition { $messages.Count -ge 1 } | Should -BeTrue
            $null = Wait-NetworkProcess -Timeout 0.1
            $errors.Count | Should -Be 0
            $messages | Should -Be @("connection broken by remote peer`n")
            Get-NetworkProcess | Should -BeNullOrEmpty
        }
    }

    Context 'peers that fail' {
        It 'a peer that resets mid-transfer: what came before arrives in order, then "connection broken by remote peer" and exit status 256' {
            $messages = [Collections.Generic.List[string]]::new()
            $c = New-TestConnection -Options @{ Encoding = 'Byte'; Sentinel = { param($p, $m) $messages.Add($m) }.GetNewClosure() }
            # Sent in the background: 2 MB need not fit in the kernel's buffers while NetProc holds its 1 MiB window.
            $transfer = Start-TestTransfer -Peer $c.Peer -Size 2MB -Seed 7
            $bytes = $transfer.Bytes
            $got = Receive-TestBytes -Process $c.Process -Count 1MB -Timeout 20
            Reset-TestPeer $c.Peer
            # The reset is noticed behind the data read before it: reading the rest comes to it.
            $rest = Receive-TestBytes -Process $c.Process -Count 2MB -Timeout 20
            Wait-TestCondition { $messages.Count -ge 1 } -Timeout 20 | Should -BeTrue
            $all = [byte[]]($got + $rest)
            $all.Length | Should -BeLessOrEqual $bytes.Length
            [Linq.Enumerable]::SequenceEqual($all, [byte[]]$bytes[0..($all.Length - 1)]) | Should -BeTrue
            $messages | Should -Be @("connection broken by remote peer`n")
            $c.Process.ExitStatus | Should -Be 256
            $c.Process.Status | Should -Be 'Closed'
        }

        It 'a peer that half-closes: everything before its FIN arrives, then the sentinel' {
            $messages = [Collections.Generic.List[string]]::new()
            $c = New-TestConnection -Options @{ Sentinel = { param($p, $m) $messages.Add($m) }.GetNewClosure() }
            Send-TestBytes -Socket $c.Peer -Data ("line`n" * 1000)
            $c.Peer.Shutdown('Send')
            $lines = Receive-TestLines -Process $c.Process -Count 1000
            $lines.Count | Should -Be 1000
            Wait-TestCondition { $messages.Count -ge 1 } | Should -BeTrue
            $messages | Should -Be @("connection broken by remote peer`n")
        }

        It 'a killed peer (socat, SIGKILL) closes the connection it was streaming into' {
            $messages = [Collections.Generic.List[string]]::new()
            $server = New-NetworkProcess -Name sink -Server -Service 0 -Encoding Byte -Sentinel { param($p, $m) $messages.Add("$($p.Kind) $m") }.GetNewClosure()
            $socat = Start-Process socat -ArgumentList @('-u', 'OPEN:/dev/zero', "TCP:127.0.0.1:$($server.Service)") -PassThru
            try {
                Wait-TestCondition { (Get-NetworkProcess 'sink <*').BytesReceived -gt 100KB } -Timeout 10 | Should -BeTrue
                $connection = Get-NetworkProcess 'sink <*'
                $null = Receive-NetworkProcess -InputObject $connection -AsByteStream
                $socat.Kill()
                Wait-TestCondition { $null = Receive-NetworkProcess -InputObject $connection -AsByteStream; $messages -contains "Connection connection broken by remote peer`n" } -Timeout 10 | Should -BeTrue
                $connection.ExitStatus | Should -Be 256
            } finally {
                if (-not $socat.HasExited) { $socat.Kill() }
            }
        }

        It 'closing a runspace while a peer floods it: no error escapes, its threads and sockets go' {
            $listener = New-TestListener
            $sockets = Get-TestSocketCount
            $threads = Get-NetProcThreadCount
            $ps = New-TestRunspace
            $null = Invoke-InTestRunspace $ps 'param($port) $null = New-NetworkProcess -Name flood -Service $port' @($listener.Port)
            $peer = Get-TestPeer -Listener $listener
            $flood = [NetProcTestPeer]::SendChunksAsync($peer, 100000, 65536)
            $ps.Runspace.Close(); $ps.Dispose()
            $null = $flood.Wait(10000)
            Clear-TestSockets
            Wait-TestCondition { (Get-NetProcThreadCount) -le $threads -and (Get-TestSocketCount) -lt $sockets } -Timeout 10 | Should -BeTrue
        }
    }

    Context 'callbacks that throw or leave early' {
        It 'a filter that throws on every chunk: each is a warning and LastError, and every chunk still comes' {
            $count = @{ N = 0 }
            $c = New-TestConnection -Options @{ Filter = { param($p, $d) $count.N++; throw "bad chunk $($count.N)" }.GetNewClosure() }
            # Some chunks reach the filter inside Wait-NetworkProcess, some between commands: 3>&1 catches both.
            $warnings = @(& {
                    for ($i = 1; $i -le 20; $i++) {
                        Send-TestBytes -Socket $c.Peer -Data "chunk $i"
                        $null = Wait-NetworkProcess -InputObject $c.Process -Timeout 5
                    }
                } 3>&1 | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
            $count.N | Should -Be 20
            $warnings.Count | Should -Be 20
            $warnings[19].Message | Should -Be 'error in process filter: bad chunk 20'
            $c.Process.LastError.Message | Should -Be 'bad chunk 20'
            $c.Process.Status | Should -Be 'Open'
        }

        It '<Keyword> inside a filter ends that call only: no warning, later chunks still come, the waiting loop goes on' -TestCases @(
            @{ Keyword = 'break' }, @{ Keyword = 'continue' }, @{ Keyword = 'exit' }, @{ Keyword = 'return' }
        ) {
            $c = New-TestConnection
            $flow = @{ Bytes = 0; After = 0 }
            $filter = & { param($flow) [scriptblock]::Create("param(`$p, `$d) `$flow.Bytes += `$d.Length; $Keyword; `$flow.After++").GetNewClosure() } $flow
            Set-NetworkProcess -InputObject $c.Process -Filter $filter
            $loops = @{ N = 0 }
            $warnings = @(& {
                    foreach ($i in 1..3) {
                        Send-TestBytes -Socket $c.Peer -Data "x$i"
                        $null = Wait-NetworkProcess -InputObject $c.Process -Timeout 5
                        $loops.N++
                    }
                } 3>&1 | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
            $warnings | Should -BeNullOrEmpty
            $loops.N | Should -Be 3
            $flow.Bytes | Should -Be 6
            $flow.After | Should -Be 0
            $c.Process.LastError | Should -BeNullOrEmpty
        }

        It 'a filter that waits inside itself (Wait- and Receive-NetworkProcess) sees every chunk once, in order' {
            $seen = [Collections.Generic.List[string]]::new()
            $c = New-TestConnection -Options @{
                Filter = { param($p, $d) $seen.Add($d); $null = Wait-NetworkProcess -Timeout 0.01; $null = Receive-NetworkProcess -InputObject $p -Wait -Timeout 0.01 -WarningAction SilentlyContinue }.GetNewClosure()
            }
            foreach ($i in 1..50) { Send-TestBytes -Socket $c.Peer -Data "<$i>" }
            Wait-TestCondition { ($seen -join '') -match '<50>' } -Timeout 10 | Should -BeTrue
            ($seen -join '') | Should -Be ((1..50 | ForEach-Object { "<$_>" }) -join '')
        }
    }

    Context 'warnings from callbacks run between commands' {
        It 'go through the warning stream: 3>&1 captures them' {
            $state = @{ Called = $false }
            $c = New-TestConnection -Options @{ Filter = { param($p, $d) $state.Called = $true; throw 'between commands' }.GetNewClosure() }
            $out = & {
                # Sent inside the captured block: the filter may run at the very next statement.
                Send-TestBytes -Socket $c.Peer -Data 'x'
                $deadline = [datetime]::UtcNow.AddSeconds(5)
                while (-not $state.Called -and [datetime]::UtcNow -lt $deadline) { [System.Threading.Thread]::Sleep(5) }
                'done'
            } 3>&1
            $state.Called | Should -BeTrue
            @($out | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }).Message | Should -Be 'error in process filter: between commands'
        }

        It 'in a script, are silenced by its $WarningPreference and otherwise reach its warning stream' -TestCases @(
            @{ Preference = 'SilentlyContinue'; Expected = 0 }, @{ Preference = 'Continue'; Expected = 1 }
        ) {
            $ps = New-TestRunspace
            try {
                $out = Invoke-InTestRunspace $ps @'
param($preference)
$WarningPreference = $preference
$global:called = $false
$srv = New-NetworkProcess -Name s -Server -Service 0 -Filter { param($p, $d) $global:called = $true; throw 'between commands' }
$client = [System.Net.Sockets.TcpClient]::new('127.0.0.1', $srv.Service)
$null = $client.Client.Send([byte[]](1, 2, 3))
$deadline = [datetime]::UtcNow.AddSeconds(5)
while (-not $global:called -and [datetime]::UtcNow -lt $deadline) { [System.Threading.Thread]::Sleep(5) }
$client.Dispose()
$global:called
'@ @($Preference)
                $out | Should -Be $true
                $ps.Streams.Warning.Count | Should -Be $Expected
                if ($Expected) { $ps.Streams.Warning[0].Message | Should -Be 'error in process filter: between commands' }
            } finally {
                $ps.Dispose()
            }
        }
    }
}
