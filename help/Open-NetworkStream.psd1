# Help text for Open-NetworkStream; parameter descriptions are the /// comments in its .cs file.
# Examples run as written in tests/Pester/Help.Tests.ps1, on loopback: keep them self-contained. An example's
# Output (not shown by Get-Help) lists what it writes, output and host lines, as -like patterns; the test checks it.
@{
    Synopsis    = 'Opens a TCP connection, with arguments in the order of Emacs open-network-stream.'
    Description = @'
Open-NetworkStream NAME BUFFER HOST SERVICE connects a plain TCP stream client, as Emacs's open-network-stream does, and returns it as a process object listed in the session. It is New-NetworkProcess for the common case, with Emacs's positional arguments: pass $null as BUFFER to keep the output with the process. A failed connect is an error (ConnectionRefused, HostNotFound, ConnectTimeout, ...) and leaves nothing behind.

For servers, datagrams, unix sockets, filters or sentinels at creation, use New-NetworkProcess, or set callbacks afterwards with Set-NetworkProcess.
'@
    Inputs      = @(
        @{ Type = 'None'; Description = 'You cannot pipe objects to Open-NetworkStream.' }
    )
    Outputs     = @(
        @{ Type = 'NetProc.Engine.StreamProcess'; Description = 'The connected client.' }
    )
    Examples    = @(
        @{
            Title   = 'An HTTP request, Emacs style'
            Code    = @'
$web = New-NetworkProcess -Name web -Server -Service 0 -Filter {
    param($Process, $Data)
    Send-NetworkProcess $Process "HTTP/1.0 200 OK`r`nContent-Length: 4`r`n`r`nhi`r`n"
}
$page = Open-NetworkStream page $null 127.0.0.1 $web.Service
Send-NetworkProcess $page "GET / HTTP/1.0`r`nHost: localhost`r`n`r`n"
Receive-NetworkProcess $page -Wait -Line -Timeout 5
Remove-NetworkProcess page, web*
'@
            Remarks = @'
$web stands in for a web server on loopback (for a real one: Open-NetworkStream page $null example.org http). The positional arguments are name, buffer ($null: the process keeps its output), host and service. The response prints line by line: "HTTP/1.0 200 OK", "Content-Length: 4", "", "hi". With -Line a last line without its newline is held back until it ends or the connection closes.
'@
            Output  = @('HTTP/1.0 200 OK', 'Content-Length: 4', '', 'hi')
        }
        @{
            Title   = 'Named parameters, a named buffer, an encoding and a connect timeout'
            Code    = @'
$daytime = New-NetworkProcess -Name daytime -Server -Service 0 -Sentinel {
    param($Process, $Message)
    if ($Message -like 'open from*') { Send-NetworkProcess $Process "$(Get-Date -Format o)`r`n" }
}
$clock = Open-NetworkStream -Name clock -Buffer clocks -HostName 127.0.0.1 -Service $daytime.Service -Encoding ascii -Timeout 5
Receive-NetworkProcess $clock -Wait -Line -Timeout 5
Remove-NetworkProcess clock, daytime*
'@
            Remarks = @'
$daytime plays a daytime server (RFC 867) that writes the time to every client. The client's output goes to the buffer "clocks", decoded as ASCII; a connect that takes longer than 5 seconds would fail with ConnectTimeout and leave nothing behind.
'@
            Output  = @('????-??-??T??:??:??*')
        }
    )
    Links       = @('about_NetProc', 'Emacs: open-network-stream', 'New-NetworkProcess', 'Receive-NetworkProcess')
}
