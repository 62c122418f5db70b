# Help text for Receive-NetworkProcess; parameter descriptions are the /// comments in the .cs files.
# Examples run as written in tests/Pester/Help.Tests.ps1, on loopback: keep them self-contained. An example's
# Output (not shown by Get-Help) lists what it writes, output and host lines, as -like patterns; the test checks it.
@{
    Synopsis    = 'Reads and empties the output buffer of network processes.'
    Description = @'
Receive-NetworkProcess takes what the selected processes received and have not handed out yet, and writes it to the pipeline: text chunks in each process's encoding by default, byte[] chunks with -AsByteStream (or with -Encoding Byte), whole lines with -Line, or one object per chunk with its sender and time with -Detailed. It is how PowerShell reads what Emacs keeps in a process buffer. A process with a filter has nothing in its buffer: its output goes to the filter.

Without -Wait it reads only what is there and returns at once. -Wait first waits for output or the close, up to -Timeout, running filters and sentinels meanwhile (Emacs accept-process-output). -Stream keeps reading as output comes until the processes close and their output was read, -Timeout passes, or Ctrl+C.

Each process keeps at most 1 MiB of unread output; then it stops reading and TCP makes the peer wait, so nothing is lost. A closed process leaves the list once its output has been read.
'@
    Inputs      = @(
        @{ Type = 'NetProc.Engine.ProcessObject'; Description = 'Process objects.' }
        @{ Type = 'System.String'; Description = 'Names, by the property name Name.' }
        @{ Type = 'System.Int32'; Description = 'Ids, by the property name Id.' }
    )
    Outputs     = @(
        @{ Type = 'System.String'; Description = 'Text chunks, or lines with -Line.' }
        @{ Type = 'System.Byte[]'; Description = 'Byte chunks, with -AsByteStream or for a process with -Encoding Byte.' }
        @{ Type = 'NetProc.Engine.ReceivedData'; Description = 'With -Detailed: Data, Length, RemoteEndPoint (the sender) and Received, one per chunk or datagram.' }
    )
    Examples    = @(
        @{
            Title   = 'Wait for an answer and read it as lines'
            Code    = @'
$echo = New-NetworkProcess -Name echo -Server -Service 0 -Filter { param($Process, $Data) Send-NetworkProcess $Process $Data }
$client = New-NetworkProcess -Name client -Service $echo.Service
Send-NetworkProcess $client "one`r`ntwo`n"
Receive-NetworkProcess $client -Wait -Line -Timeout 5
Receive-NetworkProcess $client -AsByteStream
Remove-NetworkProcess client, echo*
'@
            Remarks = @'
$echo plays an echo server. The first Receive-NetworkProcess waits up to 5 seconds and prints "one" and "two" (without their CR LF and LF). The second one waits for nothing and returns what came since, as byte[] chunks: here nothing.
'@
            Output  = @('one', 'two')
        }
        @{
            Title   = 'Stream lines until the peer closes'
            Code    = @'
$lines = New-NetworkProcess -Name lines -Server -Service 0 -Sentinel {
    param($Process, $Message)
    if ($Message -like 'open from*') {
        Send-NetworkProcess $Process "one`ntwo`nthree`n"
        Remove-NetworkProcess $Process
    }
}
$reader = New-NetworkProcess -Name reader -Service $lines.Service
Receive-NetworkProcess $reader -Stream -Line -Timeout 5 | ForEach-Object { "got $_" }
Remove-NetworkProcess lines
'@
            Remarks = @'
$lines plays a server that sends three lines to each client and hangs up; its close is graceful, so all three arrive. -Stream writes each line down the pipeline as it comes and ends when the reader has closed and all its output was read ("got one", "got two", "got three"). The closed reader then leaves the list; only the server is left to remove.
'@
            Output  = @('got one', 'got two', 'got three')
        }
        @{
            Title   = 'Read a buffer that two processes share, by its name'
            Code    = @'
$echo = New-NetworkProcess -Name echo -Server -Service 0 -Filter { param($Process, $Data) Send-NetworkProcess $Process $Data }
$a = New-NetworkProcess -Name a -Service $echo.Service -Buffer shared
$b = New-NetworkProcess -Name b -Service $echo.Service -Buffer shared
Send-NetworkProcess $a "from a`n"; $null = Wait-NetworkProcess $a -Timeout 5
Send-NetworkProcess $b "from b`n"; $null = Wait-NetworkProcess $b -Timeout 5
Receive-NetworkProcess -Buffer shared -Line
Remove-NetworkProcess a, b, echo*
'@
            Remarks = @'
Both clients write their output to the buffer named "shared", as Emacs processes may share a buffer. -Buffer reads it by its name: what every process that shares it received, in the order it arrived ("from a", then "from b").
'@
            Output  = @('from a', 'from b')
        }
    )
    Links       = @('about_NetProc', 'Emacs: accept-process-output', 'Emacs: process-buffer', 'Wait-NetworkProcess', 'Send-NetworkProcess')
}
