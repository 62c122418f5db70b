# Help text for Wait-NetworkProcess; parameter descriptions are the /// comments in the .cs files.
# Examples run as written in tests/Pester/Help.Tests.ps1, on loopback: keep them self-contained. An example's
# Output (not shown by Get-Help) lists what it writes, output and host lines, as -like patterns; the test checks it.
@{
    Synopsis    = 'Waits for output from network processes, running their filters and sentinels meanwhile (Emacs accept-process-output).'
    Description = @'
Wait-NetworkProcess lets the session wait: filters and sentinels of every process run while it does. It returns True when a selected process (or, naming none, any process) produced output before -Timeout passed, False otherwise; it also returns when every selected process has closed. Output that arrived since the last wait counts, so a wait never misses output that came just before it. -Timeout 0 only runs what is pending: use it in a loop that does not otherwise wait, since callbacks run only when the session waits.

With -Delivered it waits instead until the peers have taken everything sent so far (acknowledged by their TCP; for a unix socket, read), since Send-NetworkProcess returns as soon as the data is written to the operating system.
'@
    Inputs      = @(
        @{ Type = 'NetProc.Engine.ProcessObject'; Description = 'Process objects.' }
        @{ Type = 'System.String'; Description = 'Names, by the property name Name.' }
        @{ Type = 'System.Int32'; Description = 'Ids, by the property name Id.' }
    )
    Outputs     = @(
        @{ Type = 'System.Boolean'; Description = 'Whether output came (with -Delivered: whether everything sent was taken) before the timeout.' }
    )
    Examples    = @(
        @{
            Title   = 'Let a filter handle the answer'
            Code    = @'
$upper = New-NetworkProcess -Name upper -Server -Service 0 -Filter { param($Process, $Data) Send-NetworkProcess $Process $Data.ToUpper() }
$client = New-NetworkProcess -Name client -Service $upper.Service -Filter { param($Process, $Data) Write-Host "got: $Data" }
Send-NetworkProcess client "hello`n"
Wait-NetworkProcess client -Timeout 5
Remove-NetworkProcess client, upper*
'@
            Remarks = @'
$upper plays a server that answers in upper case. Both filters run inside Wait-NetworkProcess: the server's answers, then the client's prints "got: HELLO", and Wait-NetworkProcess returns True.
'@
            Output  = @('got: HELLO*', 'True')
        }
        @{
            Title   = 'Wait until the peer has acknowledged a large send'
            Code    = @'
$sink = New-NetworkProcess -Name sink -Server -Service 0
$upload = New-NetworkProcess -Name upload -Service $sink.Service
Send-NetworkProcess $upload ('x' * 256KB)
Wait-NetworkProcess $upload -Delivered -Timeout 10
Remove-NetworkProcess upload, sink*
'@
            Remarks = @'
$sink plays a server that takes data. Send-NetworkProcess returns once the 256 KiB are written to the operating system; Wait-NetworkProcess -Delivered returns True once the peer's TCP acknowledged them all, False if 10 seconds passed or the connection closed first.
'@
            Output  = @('True')
        }
        @{
            Title   = 'Give callbacks a chance in a busy loop'
            Code    = @'
$ticker = New-NetworkProcess -Name ticker -Server -Service 0 -Sentinel {
    param($Process, $Message)
    if ($Message -like 'open from*') { Send-NetworkProcess $Process "tick`n" }
}
$client = New-NetworkProcess -Name client -Service $ticker.Service -Plist @{ Ticks = 0 } -Filter {
    param($Process, $Data)
    $Process.Plist.Ticks++
}
for ($i = 0; $i -lt 50 -and $client.Plist.Ticks -eq 0; $i++) { $null = Wait-NetworkProcess -Timeout 0.1 }
$client.Plist.Ticks
Remove-NetworkProcess client, ticker*
'@
            Remarks = @'
A loop that never waits would starve the callbacks; Wait-NetworkProcess without a process waits for output from any process, here at most 0.1 second a turn and 50 turns. The filter counts in the process's Plist, which scripts can read at any time. Prints 1.
'@
            Output  = @('1')
        }
        @{
            Title   = 'Serve: wait on the server'
            Code    = @'
$echo = New-NetworkProcess -Name echo -Server -Service 0 -Filter { param($Process, $Data) Send-NetworkProcess $Process $Data }
$client = New-NetworkProcess -Name client -Service $echo.Service -Filter {
    param($Process, $Data)
    Write-Host "echoed: $($Data.Trim())"
    Remove-NetworkProcess echo
}
Send-NetworkProcess client "hello`n"
for ($i = 0; $i -lt 50 -and $echo.IsLive; $i++) { $null = Wait-NetworkProcess $echo -Timeout 0.1 }
Get-NetworkProcess | Remove-NetworkProcess
'@
            Remarks = @'
A server produces no output of its own, so a wait on it runs every process's callbacks (here its connection's filter, which echoes, and the client's) until the timeout, or until the server closes: one call serves many messages. A wait for any process's output would return, and have to be called again, after every message. The client's filter removes the server after the first echo, which ends the loop; the last line removes the connections and the client.
'@
            Output  = @('echoed: hello')
        }
    )
    Links       = @('about_NetProc', 'Emacs: accept-process-output', 'Receive-NetworkProcess', 'Send-NetworkProcess')
}
