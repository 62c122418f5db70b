# Help text for Suspend-NetworkProcess; parameter descriptions are the /// comments in the .cs files.
# Examples run as written in tests/Pester/Help.Tests.ps1, on loopback: keep them self-contained. An example's
# Output (not shown by Get-Help) lists what it writes, output and host lines, as -like patterns; the test checks it.
@{
    Synopsis    = 'Stops reading from network processes (Emacs stop-process).'
    Description = @'
Suspend-NetworkProcess stops reading from each selected process: what the peer sends waits in the kernel, and TCP makes the peer wait once that is full; a close by the peer is noticed after Resume-NetworkProcess. A suspended server accepts nobody; clients wait in its backlog (-Backlog). A datagram socket keeps reading while suspended, up to its 1 MiB window, so the kernel's small buffer does not overflow. Sending still works.

The status does not change; the Stopped property shows the suspension. Suspending a suspended process does nothing. Supports -WhatIf and -Confirm.
'@
    Inputs      = @(
        @{ Type = 'NetProc.Engine.ProcessObject'; Description = 'Process objects.' }
        @{ Type = 'System.String'; Description = 'Names, by the property name Name.' }
        @{ Type = 'System.Int32'; Description = 'Ids, by the property name Id.' }
    )
    Outputs     = @(
        @{ Type = 'None'; Description = 'By default, nothing.' }
        @{ Type = 'NetProc.Engine.ProcessObject'; Description = 'With -PassThru, each selected process.' }
    )
    Examples    = @(
        @{
            Title   = 'Hold back an answer until you are ready for it'
            Code    = @'
$echo = New-NetworkProcess -Name echo -Server -Service 0 -Filter { param($Process, $Data) Send-NetworkProcess $Process $Data }
$client = New-NetworkProcess -Name client -Service $echo.Service
Suspend-NetworkProcess client
Send-NetworkProcess client "ping`n"
Wait-NetworkProcess client -Timeout 0.2
Resume-NetworkProcess client
Receive-NetworkProcess client -Wait -Line -Timeout 5
Remove-NetworkProcess client, echo*
'@
            Remarks = @'
$echo plays an echo server. While the client is suspended the echo waits in the kernel, and Wait-NetworkProcess returns False; once resumed, Receive-NetworkProcess prints "ping".
'@
            Output  = @('False', 'ping')
        }
        @{
            Title   = 'Pause a server and everything it accepted'
            Code    = @'
$server = New-NetworkProcess -Name web -Server -Service 0
$client = New-NetworkProcess -Name client -Service $server.Service
Get-NetworkProcess web* | Suspend-NetworkProcess -PassThru | Select-Object Name, Status, Stopped
Get-NetworkProcess web* | Resume-NetworkProcess
Remove-NetworkProcess client, web*
'@
            Remarks = @'
Suspends the server (it accepts nobody meanwhile) and the connections it accepted; -PassThru shows each with Stopped True and its status unchanged.
'@
        }
    )
    Links       = @('about_NetProc', 'Emacs: stop-process', 'Resume-NetworkProcess', 'New-NetworkProcess')
}
