# Help text for Get-ProcessStatus; parameter descriptions are the /// comments in the .cs files.
# Examples run as written in tests/Pester/Help.Tests.ps1, on loopback: keep them self-contained. An example's
# Output (not shown by Get-Help) lists what it writes, output and host lines, as -like patterns; the test checks it.
@{
    Synopsis    = 'Gets the status of network processes (Emacs process-status).'
    Description = @'
Get-ProcessStatus writes the status of each selected process: Connect (a -NoWait connect under way), Open, Listen (a server), Failed (a -NoWait connect that failed; it stays listed until removed) or Closed. Suspension does not change the status; it shows in the process's Stopped property.

Select processes by -Name (wildcards), -Id or process objects from the pipeline; naming none is an error. A process object still works after its process closed and left the list.
'@
    Inputs      = @(
        @{ Type = 'System.String'; Description = 'Names, by the property name Name.' }
        @{ Type = 'System.Int32'; Description = 'Ids, by the property name Id.' }
        @{ Type = 'NetProc.Engine.ProcessObject'; Description = 'Process objects.' }
    )
    Outputs     = @(
        @{ Type = 'NetProc.Engine.ProcessStatus'; Description = 'One status per selected process.' }
    )
    Examples    = @(
        @{
            Title   = 'The status of a server and a client'
            Code    = @'
$server = New-NetworkProcess -Name echo -Server -Service 0
$client = New-NetworkProcess -Name client -Service $server.Service
Get-ProcessStatus echo
Get-ProcessStatus -Id $client.Id
Remove-NetworkProcess client, echo*
'@
            Remarks = @'
Prints Listen for the server and Open for the connected client.
'@
            Output  = @('Listen', 'Open')
        }
        @{
            Title   = 'See that the peer closed the connection'
            Code    = @'
$once = New-NetworkProcess -Name once -Server -Service 0 -Filter { param($Process, $Data) Remove-NetworkProcess $Process }
$client = New-NetworkProcess -Name client -Service $once.Service
Send-NetworkProcess $client "bye`n"
Receive-NetworkProcess $client -Wait -Timeout 5
$client | Get-ProcessStatus
Remove-NetworkProcess once
'@
            Remarks = @'
$once plays a server that hangs up after the first message. Receive-NetworkProcess -Wait returns when the client closes; the closed client, its output read, has left the list, and Get-ProcessStatus on the object still prints Closed (its sentinel, had it one, would have heard "connection broken by remote peer").
'@
            Output  = @('Closed')
        }
    )
    Links       = @('about_NetProc', 'Emacs: process-status', 'Get-NetworkProcess')
}
