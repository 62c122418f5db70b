# Help text for Set-SerialProcess; parameter descriptions are the /// comments in its .cs file.
# Examples run as written in tests/Pester/Help.Tests.ps1, on a machine without serial hardware: they use a pty pair
# made by socat. An example's Output lists what it writes, as -like patterns.
@{
    Synopsis    = 'Changes the line settings of serial processes (Emacs serial-process-configure).'
    Description = @'
Set-SerialProcess changes the speed, data bits, parity, stop bits or flow control of each selected serial process, while it stays open. Only the settings given change; the others keep their current values: after 7E2 with software flow control, -Speed 4800 alone keeps 7E2 and software flow control. A port opened with New-SerialProcess -NoConfigure is left as it is, as in Emacs.

Select processes as with the other cmdlets: -Name (wildcards), -Id, or process objects from the pipeline. A process that is not a serial process is a NotASerialProcess error; settings the device refuses are a SerialSettingRefused error and leave the line as it was. Supports -WhatIf and -Confirm.
'@
    Inputs      = @(
        @{ Type = 'NetProc.Engine.ProcessObject'; Description = 'Process objects.' }
        @{ Type = 'System.String'; Description = 'Names, by the property name Name.' }
        @{ Type = 'System.Int32'; Description = 'Ids, by the property name Id.' }
    )
    Outputs     = @(
        @{ Type = 'None'; Description = 'By default, nothing.' }
        @{ Type = 'NetProc.Engine.Serial.SerialProcess'; Description = 'With -PassThru, each serial process changed.' }
    )
    Examples    = @(
        @{
            Title   = 'Change only the speed; the framing and flow control stay'
            Code    = @'
Remove-Item /tmp/np-ttyE, /tmp/np-ttyF -ErrorAction Ignore   # links a killed socat left behind
$socat = Start-Process socat -ArgumentList 'pty,raw,echo=0,link=/tmp/np-ttyE', 'pty,raw,echo=0,link=/tmp/np-ttyF' -PassThru
$deadline = [datetime]::UtcNow.AddSeconds(5)
while (-not (Test-Path /tmp/np-ttyE) -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
$null = New-SerialProcess /tmp/np-ttyE -Name console -FlowControl Software
(Set-SerialProcess console -Speed 115200 -PassThru).Summary
Remove-NetworkProcess console
Stop-Process -InputObject $socat
'@
            Remarks = @'
The console opens at 9600 baud, 8N1 with XON/XOFF flow control; Set-SerialProcess changes its speed only and writes its Summary, "115200,8N1,Software".
'@
            Output  = @('115200,8N1,Software')
        }
        @{
            Title   = 'Network processes are refused'
            Code    = @'
$server = New-NetworkProcess -Name web -Server -Service 0
Set-SerialProcess web -Speed 9600 -ErrorAction SilentlyContinue -ErrorVariable refused
$refused[0].FullyQualifiedErrorId
Remove-NetworkProcess web
'@
            Remarks = @'
Writes "NotASerialProcess,NetProc.Commands.SetSerialProcessCommand": only serial processes have line settings.
'@
            Output  = @('NotASerialProcess,*')
        }
    )
    Links       = @('about_NetProc', 'Emacs: serial-process-configure', 'New-SerialProcess', 'Get-SerialPortName')
}
