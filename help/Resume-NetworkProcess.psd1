# Help text for Resume-NetworkProcess; parameter descriptions are the /// comments in the .cs files.
# Examples run as written in tests/Pester/Help.Tests.ps1, on loopback: keep them self-contained. An example's
# Output (not shown by Get-Help) lists what it writes, output and host lines, as -like patterns; the test checks it.
@{
    Synopsis    = 'Reads again from suspended network processes (Emacs continue-process).'
    Description = @'
Resume-NetworkProcess undoes Suspend-NetworkProcess or New-NetworkProcess -Stopped: each selected process reads again, and what waited in the kernel (a close by the peer included) comes through; a server accepts the clients waiting in its backlog. Resuming a process that is not suspended does nothing. Supports -WhatIf and -Confirm.
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
            Title   = 'Create a client suspended, set it up, then start it'
            Code    = @'
$echo = New-NetworkProcess -Name echo -Server -Service 0 -Filter { param($Process, $Data) Send-NetworkProcess $Process $Data }
$client = New-NetworkProcess -Name client -Service $echo.Service -Stopped
Send-NetworkProcess $client "ping`n"
Resume-NetworkProcess $client -PassThru | Select-Object Name, Status, Stopped
Receive-NetworkProcess $client -Wait -Line -Timeout 5
Remove-NetworkProcess client, echo*
'@
            Remarks = @'
$echo plays an echo server. -Stopped creates the client without reading, so nothing can reach a filter or buffer before you are ready. After Resume-NetworkProcess it reads, and "ping" prints.
'@
        }
        @{
            Title   = 'Resume every suspended process'
            Code    = @'
$server = New-NetworkProcess -Name gate -Server -Service 0 -Stopped
$client = New-NetworkProcess -Name client -Service $server.Service
Get-NetworkProcess | Where-Object Stopped | Resume-NetworkProcess -WhatIf
Get-NetworkProcess | Where-Object Stopped | Resume-NetworkProcess
Remove-NetworkProcess client, gate*
'@
            Remarks = @'
The server was created suspended: the client's connect completes in the kernel's backlog, but the server accepts it only once resumed. -WhatIf shows what would be resumed; the next line resumes it.
'@
            Output  = @()
        }
    )
    Links       = @('about_NetProc', 'Emacs: continue-process', 'Suspend-NetworkProcess')
}
