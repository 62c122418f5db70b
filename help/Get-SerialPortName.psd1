# Help text for Get-SerialPortName; it has no parameters.
# Examples run as written in tests/Pester/Help.Tests.ps1, on a machine that may have no serial port at all: keep them so.
@{
    Synopsis    = 'Lists the serial ports present on this computer.'
    Description = @'
Get-SerialPortName writes the path (or, on Windows, the name) of each serial port present, sorted, for use as the -Port of a serial process. Tab completion of -Port offers the same names, and also completes any path you type, such as the link of a pty pair made by socat.

On Linux it lists USB adapters (/dev/ttyUSB*, /dev/ttyACM*), the UARTs a driver found (/dev/ttyS* and /dev/ttyAMA* whose /sys/class/tty/<name>/type is not 0: the kernel creates ttyS0 to ttyS3 whether or not a UART answers there) and the stable names in /dev/serial/by-id, which stay the same whichever USB socket an adapter is in. Pseudo-terminals (ptys) are not listed: name them by path. On Windows and macOS it lists what the system reports (COM3; /dev/tty.* and /dev/cu.*).

Listing a port does not open it: a port that is listed may still be busy or need permissions (on Linux, membership of the group that owns it, often dialout).
'@
    Inputs      = @(
        @{ Type = 'None'; Description = 'Get-SerialPortName takes no input.' }
    )
    Outputs     = @(
        @{ Type = 'System.String'; Description = 'One path or port name per port present; nothing when there is none.' }
    )
    Examples    = @(
        @{
            Title   = 'List the serial ports'
            Code    = @'
Get-SerialPortName
'@
            Remarks = @'
Writes, for example, /dev/ttyS0, /dev/ttyUSB0 and /dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0; nothing on a computer without serial ports.
'@
        }
        @{
            Title   = 'Count the USB serial adapters plugged in'
            Code    = @'
$adapters = @(Get-SerialPortName | Where-Object { $_ -like '/dev/ttyUSB*' -or $_ -like '/dev/ttyACM*' -or $_ -like 'COM*' })
"$($adapters.Count) USB serial adapter(s)"
'@
            Remarks = @'
Writes how many USB serial ports are present, e.g. "1 USB serial adapter(s)". On Windows every serial port is a COM name, so all of them are counted there.
'@
            Output  = @('* USB serial adapter(s)')
        }
    )
    Links       = @('about_NetProc', 'Emacs: make-serial-process', 'Get-NetworkProcess')
}
