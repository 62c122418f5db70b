# Help text for Send-NetworkProcess; parameter descriptions are the /// comments in the .cs files.
# Examples run as written in tests/Pester/Help.Tests.ps1, on loopback: keep them self-contained. An example's
# Output (not shown by Get-Help) lists what it writes, output and host lines, as -like patterns; the test checks it.
@{
    Synopsis    = 'Sends text or bytes to network processes, or ends what they send (Emacs process-send-string, process-send-eof).'
    Description = @'
Send-NetworkProcess sends -Data to each selected process: a string in the process's encoding (UTF-8 unless set otherwise), a byte[] as it is, anything else as its string form. Bytes piped in one by one are sent together. Sends go out in order.

The cmdlet returns once the data is written: in the operating system's send buffer, behind earlier sends. While that buffer is full it waits, and filters and sentinels run meanwhile. Written is not yet received: Wait-NetworkProcess -Delivered waits until the peer has acknowledged every byte. A send to a connection still connecting (-NoWait) first waits for the connect. A failed send is a SendFailed error that says how many bytes were written; BytesSent counts them.

-Eof, after any data, half-closes the connection: nothing more can be sent, input keeps arriving. For a datagram process each send is one datagram, to its DatagramAddress or to -To.
'@
    Inputs      = @(
        @{ Type = 'System.Object'; Description = 'Data to send: strings, byte[], or single bytes (sent together).' }
        @{ Type = 'System.String'; Description = 'Process names, by the property name Name.' }
        @{ Type = 'System.Int32'; Description = 'Process Ids, by the property name Id.' }
    )
    Outputs     = @(
        @{ Type = 'None'; Description = 'Send-NetworkProcess writes nothing to the pipeline.' }
    )
    Examples    = @(
        @{
            Title   = 'Send a line and read the answer'
            Code    = @'
$echo = New-NetworkProcess -Name echo -Server -Service 0 -Filter { param($Process, $Data) Send-NetworkProcess $Process $Data }
$client = New-NetworkProcess -Name client -Service $echo.Service
Send-NetworkProcess client "ping`n"
Receive-NetworkProcess client -Wait -Line -Timeout 5
Remove-NetworkProcess client, echo*
'@
            Remarks = @'
$echo plays an echo server on loopback. The process is named by its name here; an object ($client) or -Id works as well. Prints "ping".
'@
            Output  = @('ping')
        }
        @{
            Title   = 'Send bytes, wait until the peer has them, then end the stream'
            Code    = @'
$sink = New-NetworkProcess -Name sink -Server -Service 0 -Encoding Byte
$upload = New-NetworkProcess -Name upload -Service $sink.Service
[byte[]](1..100) | Send-NetworkProcess upload
Wait-NetworkProcess upload -Delivered -Timeout 5
Send-NetworkProcess upload -Eof
$upload, (Get-NetworkProcess sink*) | Remove-NetworkProcess
'@
            Remarks = @'
The 100 piped bytes go out as one send. Wait-NetworkProcess -Delivered returns True once the peer's TCP has acknowledged them all. -Eof then tells the peer nothing more comes; the peer may still answer. Removing by object works also when the peer has closed in the meantime.
'@
            Output  = @('True')
        }
        @{
            Title   = 'Send a datagram to an address of your choice'
            Code    = @'
$listener = New-NetworkProcess -Name listener -SocketType Datagram -Server -Service 0
$sender = New-NetworkProcess -Name sender -SocketType Datagram -Server -Service 0
Send-NetworkProcess $sender 'hello' -To "127.0.0.1:$($listener.Service)"
Receive-NetworkProcess $listener -Wait -Timeout 5
Remove-NetworkProcess listener, sender
'@
            Remarks = @'
-To names the destination of datagrams (host:port, [::1]:port, a unix socket path or an EndPoint) without changing the process's DatagramAddress. Prints "hello".
'@
            Output  = @('hello')
        }
    )
    Links       = @('about_NetProc', 'Emacs: process-send-string', 'Emacs: process-send-eof', 'Wait-NetworkProcess', 'Receive-NetworkProcess')
}
