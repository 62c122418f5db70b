using System.Collections;
using System.Management.Automation;
using System.Text;
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
public sealed class NewSerialProcessCommand : CreateProcessCmdlet
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

    /// <summary>
    /// Creates the process suspended (Emacs <c>:stop t</c>): a stream or serial port reads nothing and a server accepts
    /// nobody until Resume-NetworkProcess (a datagram socket still reads into its window). Callbacks can be set before
    /// anything arrives.
    /// </summary>
    [Parameter]
    [Alias("Suspended")]
    public SwitchParameter Stopped { get; set; }

    /// <summary>
    /// Clears the process's QueryOnExit flag (Emacs <c>:noquery t</c>, which spares a process the question on exit):
    /// when the session ends with it still live, it is closed without being listed in the warning that names the live
    /// processes. A server's connections do not inherit the flag. Set-NetworkProcess -QueryOnExit changes it later.
    /// </summary>
    [Parameter]
    public SwitchParameter NoQuery { get; set; }

    /// <summary>
    /// The name of the buffer that keeps the output (Emacs <c>:buffer</c>). Several processes may share one buffer;
    /// Receive-NetworkProcess on any of them reads it. Omitted: the process keeps its output itself. A server's
    /// connections get a buffer named after this one plus their <c>&lt;...&gt;</c> suffix.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Buffer { get; set; }

    /// <summary>
    /// Called with every chunk of output instead of keeping it in the buffer (Emacs <c>:filter</c>):
    /// <c>param($Process, $Data)</c>, $Data a string, or byte[] with -Encoding Byte. It runs on the PowerShell thread
    /// while the session waits (prompt, Wait-NetworkProcess, Receive-NetworkProcess -Wait). A server gives it to
    /// every connection it accepts.
    /// </summary>
    [Parameter]
    public ScriptBlock? Filter { get; set; }

    /// <summary>
    /// Called when the process's status changes (Emacs <c>:sentinel</c>): <c>param($Process, $Message)</c>, with
    /// Emacs's messages such as <c>"open\n"</c>, <c>"connection broken by remote peer\n"</c> and <c>"deleted\n"</c>
    /// (a serial port: <c>"finished\n"</c>, and <c>"exited abnormally with code 256\n"</c> when the device goes away;
    /// see about_NetProc). A server gives it to every connection it accepts.
    /// </summary>
    [Parameter]
    public ScriptBlock? Sentinel { get; set; }

    /// <summary>
    /// Your own data kept with the process, in its Plist property (Emacs <c>:plist</c>); the hashtable is copied. A
    /// server gives each connection a copy of its own.
    /// </summary>
    [Parameter]
    public Hashtable? Plist { get; set; }

    /// <summary>
    /// How text is encoded when sent and decoded when received (Emacs <c>:coding</c>): utf8 (the default), ascii,
    /// latin1, unicode, bigendianunicode, utf32, a code page number, an Encoding object, or Byte for binary data
    /// (output then comes as byte[]). Decoding is stateful: a character split across two reads arrives whole.
    /// </summary>
    [Parameter]
    [EncodingArgument]
    [ArgumentCompleter(typeof(EncodingCompleter))]
    public Encoding? Encoding { get; set; }

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

        OpenSerial(Name ?? Port, Port, settings, Stopped, p => Configure(p, Buffer, Filter, Sentinel, Plist, Encoding, NoQuery));
    }
}
