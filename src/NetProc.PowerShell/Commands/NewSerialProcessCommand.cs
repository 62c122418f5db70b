using System.Management.Automation;
using NetProc.Engine;
using NetProc.Engine.Serial;
using NetProc.Session;

namespace NetProc.Commands;

/// <summary>
/// Emacs <c>make-serial-process</c>: opens a serial port as a process in the session's registry, handled by the same
/// cmdlets as network processes.
/// </summary>
[Cmdlet(VerbsCommon.New, "SerialProcess")]
[OutputType(typeof(SerialProcess))]
public sealed class NewSerialProcessCommand : NewProcessCmdlet
{
    /// <summary>
    /// The serial device: <c>/dev/ttyUSB0</c>, <c>/dev/ttyACM0</c>, <c>/dev/ttyS0</c>, a link such as a pty made by
    /// socat, or <c>COM3</c> on Windows. Tab completion offers the ports Get-SerialPortName finds, and paths as typed.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(SerialPortCompleter))]
    public string Port { get; set; } = string.Empty;

    /// <summary>
    /// The process's name; omitted, the port's path, as in Emacs. Names are unique in the session: a second one is
    /// named with <c>&lt;1&gt;</c> after it.
    /// </summary>
    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    /// <summary>Bits per second (Emacs <c>:speed</c>); 9600 by default. Any positive rate the device supports (115200, 31250...).</summary>
    [Parameter]
    [Alias("BaudRate")]
    public int Speed { get; set; } = SerialSettings.DefaultSpeed;

    /// <summary>Data bits per character (Emacs <c>:bytesize</c>): 8 (the default) or 7; 5 and 6 where the device carries them.</summary>
    [Parameter]
    [Alias("ByteSize")]
    public int DataBits { get; set; } = SerialSettings.MaxDataBits;

    /// <summary>Parity (Emacs <c>:parity</c>): None (the default), Even or Odd.</summary>
    [Parameter]
    public SerialParity Parity { get; set; } = SerialParity.None;

    /// <summary>Stop bits (Emacs <c>:stopbits</c>): 1 (the default) or 2.</summary>
    [Parameter]
    public SerialStopBits StopBits { get; set; } = SerialStopBits.One;

    /// <summary>Flow control (Emacs <c>:flowcontrol</c>): None (the default), Hardware (RTS/CTS) or Software (XON/XOFF).</summary>
    [Parameter]
    public SerialFlowControl FlowControl { get; set; } = SerialFlowControl.None;

    /// <summary>
    /// Opens the port without changing its line settings (Emacs <c>:speed nil</c>): it keeps the speed and framing it
    /// has. Set-SerialProcess then changes nothing on it, as in Emacs.
    /// </summary>
    [Parameter]
    public SwitchParameter NoConfigure { get; set; }

    protected override void ProcessRecord()
    {
        SerialSettings? settings = null;
        if (NoConfigure)
        {
            string[] given = new[] { nameof(Speed), nameof(DataBits), nameof(Parity), nameof(StopBits), nameof(FlowControl) }
                .Where(MyInvocation.BoundParameters.ContainsKey).ToArray();
            if (given.Length > 0)
            {
                ThrowTerminating(new NetProcException(
                    NetProcError.IncompatibleParameters,
                    $"-NoConfigure keeps the line as it is: it cannot be combined with -{string.Join(", -", given)}.",
                    Port));
            }
        }
        else
        {
            try
            {
                settings = new SerialSettings(Speed, DataBits, Parity, StopBits, FlowControl);
            }
            catch (NetProcException e)
            {
                WriteError(e);
                return;
            }
        }

        OpenSerial(Name ?? Port, Port, settings, Stopped, ConfigureOptions);
    }
}
