# Help text for New-SerialProcess; parameter descriptions are the /// comments in the .cs files.
# Examples run as written in tests/Pester/Help.Tests.ps1, on a machine without serial hardware: they use a pty pair
# made by socat, as a user without a device can. An example's Output lists what it writes, as -like patterns.
@{
    Synopsis    = 'Opens a serial port as a process object in the session (Emacs make-serial-process).'
    Description = @'
New-SerialProcess opens a serial device (a switch's console port behind a USB adapter, /dev/ttyUSB0; a board's /dev/ttyACM0; a UART, /dev/ttyS0; COM3 on Windows) and lists it in the session's registry beside the network processes, as a process of Type Serial. The same cmdlets then work on it as on a TCP client: Send-NetworkProcess writes to the line, Receive-NetworkProcess reads what came in (or a -Filter gets each chunk), Wait-NetworkProcess waits, Suspend- and Resume-NetworkProcess stop and restart reading (what arrives meanwhile waits, up to the 1 MiB window), Set-NetworkProcess changes callbacks and encoding, Get-ProcessStatus and Get-NetworkProcess show it, and Remove-NetworkProcess closes it: one registry, one set of verbs.

The line is set to -Speed (9600 by default), -DataBits, -Parity, -StopBits and -FlowControl, Emacs's defaults being 9600 baud, 8N1, no flow control; -NoConfigure leaves the line as it is. Set-SerialProcess changes settings later. The name defaults to the port's path. The process's Summary shows the settings at a glance ("9600,8N1").

Errors have stable ErrorIds and leave nothing listed: SerialPortNotFound (no such device, Emacs's file-missing), SerialPortBusy (open in this session or, exclusively, elsewhere), AccessDenied (on Linux, join the group that owns the device, often dialout), NotASerialPort (a file, /dev/null), InvalidSerialSpeed, InvalidDataBits, SerialSettingRefused (the device refused the settings).

When the device goes away (a USB adapter unplugged), the status turns Closed, ExitStatus 256, LastError says what happened, and the sentinel hears "exited abnormally with code 256", as in Emacs. Removing the process gives its sentinel "finished" and closes the port before returning, so it can be opened again at once.
'@
    Inputs      = @(
        @{ Type = 'None'; Description = 'You cannot pipe objects to New-SerialProcess.' }
    )
    Outputs     = @(
        @{ Type = 'NetProc.Engine.Serial.SerialProcess'; Description = 'The open serial process (Type Serial, Kind Serial, status Open).' }
    )
    Notes       = @'
A pseudo-terminal pair (socat -d -d pty,raw,echo=0,link=/tmp/ttyA pty,raw,echo=0,link=/tmp/ttyB) stands in for a cable between two ports: what one end writes, the other reads. A pty ignores the speed and modem lines, and Linux keeps 8 data bits without parity on it whatever is asked: only real hardware shows framing and flow control at work.
'@
    Examples    = @(
        @{
            Title   = 'Talk to a modem that answers AT commands (here a pty pair stands in for the cable)'
            Code    = @'
Remove-Item /tmp/np-ttyA, /tmp/np-ttyB -ErrorAction Ignore   # links a killed socat left behind
$socat = Start-Process socat -ArgumentList 'pty,raw,echo=0,link=/tmp/np-ttyA', 'pty,raw,echo=0,link=/tmp/np-ttyB' -PassThru
$deadline = [datetime]::UtcNow.AddSeconds(5)
while (-not (Test-Path /tmp/np-ttyB) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
$modem = New-SerialProcess /tmp/np-ttyB -Name modem -Filter {
    param($Process, $Data)
    if ($Data -match '^AT') { Send-NetworkProcess $Process "OK`r`n" }
}
$console = New-SerialProcess /tmp/np-ttyA -Speed 115200
Send-NetworkProcess $console "AT`r`n"
Receive-NetworkProcess $console -Wait -Line -Timeout 5
Remove-NetworkProcess /tmp/np-ttyA, modem
Stop-Process -InputObject $socat
'@
            Remarks = @'
socat makes two linked ptys. The process "modem" on one end answers every line that starts with AT; the console on the other end, named after its port, sends "AT" and reads the reply, "OK". With a real adapter you would only open it: New-SerialProcess /dev/ttyUSB0 -Speed 115200.
'@
            Output  = @('OK')
        }
        @{
            Title   = 'See how the line is set, and hear when it is closed'
            Code    = @'
Remove-Item /tmp/np-ttyC, /tmp/np-ttyD -ErrorAction Ignore   # links a killed socat left behind
$socat = Start-Process socat -ArgumentList 'pty,raw,echo=0,link=/tmp/np-ttyC', 'pty,raw,echo=0,link=/tmp/np-ttyD' -PassThru
$deadline = [datetime]::UtcNow.AddSeconds(5)
while (-not (Test-Path /tmp/np-ttyC) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
$port = New-SerialProcess /tmp/np-ttyC -Name gps -Speed 4800 -Sentinel { param($Process, $Message) Write-Host "$($Process.Name): $($Message.Trim())" }
"$($port.Type) $($port.Summary) $($port.Status)"
Remove-NetworkProcess gps
Stop-Process -InputObject $socat
'@
            Remarks = @'
Writes "Serial 4800,8N1 Open", then the sentinel prints "gps: finished" as Remove-NetworkProcess closes the port.
'@
            Output  = @('Serial 4800,8N1 Open', 'gps: finished')
        }
    )
    Links       = @('about_NetProc', 'Emacs: make-serial-process', 'Set-SerialProcess', 'Get-SerialPortName', 'Remove-NetworkProcess')
}
