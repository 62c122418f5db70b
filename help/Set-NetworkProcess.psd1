# Help text for Set-NetworkProcess; parameter descriptions are the /// comments in the .cs files.
# Examples run as written in tests/Pester/Help.Tests.ps1, on loopback: keep them self-contained. An example's
# Output (not shown by Get-Help) lists what it writes, output and host lines, as -like patterns; the test checks it.
@{
    Synopsis    = 'Changes the filter, sentinel, buffer, plist, encoding, linger and other settings of network processes.'
    Description = @'
Set-NetworkProcess changes the settings of each selected process; only the parameters you give change. It covers Emacs's set-process-filter, set-process-sentinel, set-process-buffer, set-process-plist, set-process-coding-system, set-process-query-on-exit-flag, set-process-datagram-address and the :linger option of set-network-process-option. Give a callback or buffer as $null to remove it.

Output that waited for a filter or a buffer goes there at once. Settings that cannot apply (-Linger on a datagram socket, -DatagramAddress on a stream) are errors that change nothing on that process. On a server, new settings reach the connections it accepts from then on. Supports -WhatIf and -Confirm.
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
            Title   = 'Collect output with a filter set later'
            Code    = @'
$echo = New-NetworkProcess -Name echo -Server -Service 0 -Filter { param($Process, $Data) Send-NetworkProcess $Process $Data }
$client = New-NetworkProcess -Name client -Service $echo.Service
Set-NetworkProcess client -Plist @{ Seen = [System.Collections.Generic.List[string]]::new() } -Filter {
    param($Process, $Data)
    $Process.Plist.Seen.Add($Data)
}
Send-NetworkProcess client "a`n"
Wait-NetworkProcess client -Timeout 5
$client.Plist.Seen
Remove-NetworkProcess client, echo*
'@
            Remarks = @'
$echo plays an echo server. The filter keeps what it gets in the process's Plist, where the script reads it ("a" and a newline). Set-NetworkProcess client -Filter $null would send output to the buffer again.
'@
            Output  = @('True', 'a*')
        }
        @{
            Title   = 'A sentinel, an encoding and a shorter linger'
            Code    = @'
$server = New-NetworkProcess -Name legacy -Server -Service 0
$client = New-NetworkProcess -Name client -Service $server.Service
Set-NetworkProcess client -Encoding latin1 -Linger 5 -PassThru -Sentinel {
    param($Process, $Message)
    Write-Host "$($Process.Name): $($Message.Trim())"
} | Select-Object Name, Linger
$client.Encoding.WebName
Remove-NetworkProcess client, legacy*
'@
            Remarks = @'
Text is now sent and read as Latin-1 ($client.Encoding.WebName prints "iso-8859-1"), and a close tries for at most 5 seconds to deliver what was sent before it resets the connection. Removing the client prints "client: deleted".
'@
        }
        @{
            Title   = 'Point a datagram socket at a new peer'
            Code    = @'
$collector = New-NetworkProcess -Name collector -SocketType Datagram -Server -Service 0
$probe = New-NetworkProcess -Name probe -SocketType Datagram -Server -Service 0
Set-NetworkProcess probe -DatagramAddress "127.0.0.1:$($collector.Service)"
Send-NetworkProcess probe 'up'
Receive-NetworkProcess collector -Wait -Timeout 5
Remove-NetworkProcess collector, probe
'@
            Remarks = @'
From now on the probe's sends go to the collector (Emacs set-process-datagram-address); the address must fit the socket's family. Prints "up".
'@
            Output  = @('up')
        }
    )
    Links       = @('about_NetProc', 'Emacs: set-process-filter', 'Emacs: set-process-sentinel', 'Emacs: set-process-coding-system', 'Emacs: set-network-process-option', 'New-NetworkProcess')
}
