<#
.SYNOPSIS
    A short scripted tour of NetProc: a connection to a small local peer, text both ways, the process list,
    filters and sentinels, suspend/resume, remove. Run with: dotnet pwsh ./build.ps1 -Task Demo
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot 'out/NetProc'))

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
$utf8 = [Text.UTF8Encoding]::new($false)

function Step([string] $Text) { Write-Host "`n== $Text" -ForegroundColor Cyan }
function Show([string] $Command) { Write-Host "PS> $Command" -ForegroundColor Yellow }

# The peer: a plain .NET socket on loopback, played by this script between the steps.
$listener = [Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
$listener.Start()
$port = $listener.LocalEndpoint.Port
function PeerSays([string] $Text) { $null = $peer.Send($utf8.GetBytes($Text)) }
function PeerHears {
    $buffer = [byte[]]::new(4096)
    $utf8.GetString($buffer, 0, $peer.Receive($buffer))
}

Step "Open a TCP connection as a process object (the peer listens on 127.0.0.1:$port)"
Show "New-NetworkProcess -Name web -Service $port"
$web = New-NetworkProcess -Name web -Service $port
$peer = $listener.AcceptSocket()
$peer.ReceiveTimeout = 5000
$web | Format-Table | Out-String -Width 120 | Write-Host -NoNewline

Step 'Send text; the peer hears it and answers'
Show 'Send-NetworkProcess web "HELO netproc`n"'
Send-NetworkProcess web "HELO netproc`n"
Write-Host "peer heard: $((PeerHears).Trim())"
PeerSays "250 hello, netproc`n250 ready`n"
Show 'Receive-NetworkProcess web -Wait -Timeout 2 -Line'
Receive-NetworkProcess web -Wait -Timeout 2 -Line | Out-Host

Step 'Names are unique, Emacs style: a second "web" becomes "web<1>"'
Show "New-NetworkProcess -Name web -Service $port -NoWait"
$second = New-NetworkProcess -Name web -Service $port -NoWait
$peer2 = $listener.AcceptSocket()
Show 'Wait-NetworkProcess -Timeout 0.2; Get-NetworkProcess'
$null = Wait-NetworkProcess -Timeout 0.2
Get-NetworkProcess | Format-Table | Out-String -Width 120 | Write-Host -NoNewline

Step 'A filter and a sentinel run on the PowerShell thread, while the session waits'
Show 'Set-NetworkProcess web -Filter { param($Process, $Data) Write-Host "[$($Process.Name)] $Data" -NoNewline } -Sentinel { param($Process, $Message) Write-Host "sentinel of $($Process.Name): $Message" -NoNewline }'
Set-NetworkProcess web -Filter { param($Process, $Data) Write-Host "[$($Process.Name)] $Data" -NoNewline } `
    -Sentinel { param($Process, $Message) Write-Host "sentinel of $($Process.Name): $Message" -NoNewline }
PeerSays "pushed by the peer`n"
Show 'Wait-NetworkProcess web -Timeout 2'
Wait-NetworkProcess web -Timeout 2 | Out-Host

Step 'Suspend: input waits in the kernel until Resume'
Show 'Suspend-NetworkProcess web; Wait-NetworkProcess web -Timeout 0.3'
Suspend-NetworkProcess web
PeerSays "sent while suspended`n"
Wait-NetworkProcess web -Timeout 0.3 | Out-Host
Get-NetworkProcess web | Format-Table | Out-String -Width 120 | Write-Host -NoNewline
Show 'Resume-NetworkProcess web; Wait-NetworkProcess web -Timeout 2'
Resume-NetworkProcess web
Wait-NetworkProcess web -Timeout 2 | Out-Host

Step 'Remove: the sentinel hears "deleted", the process leaves the list'
Show 'Get-NetworkProcess web* | Remove-NetworkProcess'
Get-NetworkProcess web* | Remove-NetworkProcess
Show 'Get-NetworkProcess'
Get-NetworkProcess | Format-Table | Out-String -Width 120 | Write-Host -NoNewline
Write-Host "(none left)"

$peer.Dispose(); $peer2.Dispose(); $listener.Stop()
Write-Host "`nDemo finished." -ForegroundColor Green
