# Help text for Get-NetworkProcess; parameter descriptions are the /// comments in the .cs files.
# Examples run as written in tests/Pester/Help.Tests.ps1, on loopback: keep them self-contained. An example's
# Output (not shown by Get-Help) lists what it writes, output and host lines, as -like patterns; the test checks it.
@{
    Synopsis    = 'Lists the network processes of the session, all or selected (Emacs process-list, get-process).'
    Description = @'
Get-NetworkProcess returns the session's processes, oldest first (by Id), as Get-Job lists jobs: clients, servers, the connections servers accepted, and datagram sockets. Without a selector it returns every process; -Name takes wildcards, -Id the small numbers of the Id column. An exact name or Id that matches nothing is an error; a pattern that matches nothing returns nothing.

A closed process stays listed until its unread output has been read; then it leaves the list (Emacs's delete-exited-processes), but the object you hold still works. Looking at the list is a moment the session waits: filters and sentinels with pending work run first.
'@
    Inputs      = @(
        @{ Type = 'System.String'; Description = 'Names, by the property name Name.' }
        @{ Type = 'System.Int32'; Description = 'Ids, by the property name Id.' }
        @{ Type = 'NetProc.Engine.ProcessObject'; Description = 'Process objects.' }
    )
    Outputs     = @(
        @{ Type = 'NetProc.Engine.ProcessObject'; Description = 'The selected processes (StreamProcess, ServerProcess or DatagramProcess).' }
    )
    Examples    = @(
        @{
            Title   = 'List every process of the session'
            Code    = @'
$server = New-NetworkProcess -Name echo -Server -Service 0
$client = New-NetworkProcess -Name client -Service $server.Service
Get-NetworkProcess
Get-NetworkProcess | Remove-NetworkProcess
'@
            Remarks = @'
Shows the server (Kind Server, status Listen), the client (Client, Open) and, once the server has accepted it, the connection "echo <127.0.0.1:PORT>" (Connection, Open), with their local and remote ends. The last line closes them all.
'@
        }
        @{
            Title   = 'Select by wildcard and by Id'
            Code    = @'
$server = New-NetworkProcess -Name echo -Server -Service 0
$client = New-NetworkProcess -Name client -Service $server.Service
Get-NetworkProcess echo* | Select-Object Id, Name, Kind, Status, RemoteEndPoint
Get-NetworkProcess -Id $client.Id | Remove-NetworkProcess
Remove-NetworkProcess echo*
'@
            Remarks = @'
"echo*" selects the server and its connections. -Id selects by the number in the Id column; here the client, which is then closed. Connection names hold brackets ("echo <[::1]:41474>" for IPv6); give such a name exactly, or let tab completion quote it.
'@
        }
    )
    Links       = @('about_NetProc', 'Emacs: process-list', 'Emacs: get-process', 'Get-ProcessStatus', 'Remove-NetworkProcess')
}
