# Help text for Remove-NetworkProcess; parameter descriptions are the /// comments in the .cs files.
# Examples run as written in tests/Pester/Help.Tests.ps1, on loopback: keep them self-contained. An example's
# Output (not shown by Get-Help) lists what it writes, output and host lines, as -like patterns; the test checks it.
@{
    Synopsis    = 'Closes network processes and removes them from the session (Emacs delete-process).'
    Description = @'
Remove-NetworkProcess closes each selected process and takes it off the list; its sentinel hears "deleted\n" before the cmdlet returns, and none of its callbacks runs again. It closes NetProc's end only, never the peer's program. Removing a server closes only the listener: its connections stay.

The close is graceful: what Send-NetworkProcess accepted is still written, then the FIN; unread input is dropped without turning the close into a reset; the socket is let go once the peer has acknowledged everything. This runs in the background (the cmdlet returns at once), for at most the process's Linger seconds (30 by default; -Linger on New-NetworkProcess and Set-NetworkProcess), after which the connection is reset. -Abort resets it at once (Emacs :linger 0). A unix socket file a server created is deleted with it. Supports -WhatIf and -Confirm.
'@
    Inputs      = @(
        @{ Type = 'NetProc.Engine.ProcessObject'; Description = 'Process objects.' }
        @{ Type = 'System.String'; Description = 'Names, by the property name Name.' }
        @{ Type = 'System.Int32'; Description = 'Ids, by the property name Id.' }
    )
    Outputs     = @(
        @{ Type = 'None'; Description = 'Remove-NetworkProcess writes nothing to the pipeline.' }
    )
    Examples    = @(
        @{
            Title   = 'Answer, close, and still deliver everything'
            Code    = @'
$web = New-NetworkProcess -Name web -Server -Service 0 -Filter {
    param($Process, $Data)
    Send-NetworkProcess $Process "HTTP/1.0 200 OK`r`n`r`n$('x' * 100KB)"
    Remove-NetworkProcess $Process
}
$get = New-NetworkProcess -Name get -Service $web.Service
Send-NetworkProcess $get "GET / HTTP/1.0`r`n`r`n"
$page = -join (Receive-NetworkProcess $get -Stream -Timeout 5)
$page.Length
Remove-NetworkProcess web
'@
            Remarks = @'
$web plays an HTTP/1.0 server that closes each connection right after its answer. The close waits for the answer to be written, so the client reads all of it (102,419 characters) and then sees the close; the closed client leaves the list once read. Only the server is left to remove.
'@
            Output  = @('102419')
        }
        @{
            Title   = 'Preview, then reset a connection at once'
            Code    = @'
$server = New-NetworkProcess -Name srv -Server -Service 0
$client = New-NetworkProcess -Name client -Service $server.Service
Get-NetworkProcess srv* | Remove-NetworkProcess -WhatIf
Remove-NetworkProcess client -Abort
Remove-NetworkProcess srv*
'@
            Remarks = @'
-WhatIf lists what would be closed. -Abort resets the client's connection (RST) instead of closing it gracefully: unsent and unread data is dropped, and the peer's sentinel would hear "connection broken by remote peer". The last line removes the server and what is left of its connection.
'@
            Output  = @()
        }
    )
    Links       = @('about_NetProc', 'Emacs: delete-process', 'Emacs: set-network-process-option', 'Set-NetworkProcess', 'Get-NetworkProcess')
}
