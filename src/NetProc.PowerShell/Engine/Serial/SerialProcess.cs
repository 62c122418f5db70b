namespace NetProc.Engine.Serial;

/// <summary>
/// A serial port as a process (Emacs <c>make-serial-process</c>): type <c>Serial</c>, in the same registry as network
/// processes and handled by the same cmdlets. Its bytes go through a <see cref="StreamChannel"/> over a
/// <see cref="SerialTransport"/>, so suspension, the window, filters and sentinels work as for a TCP client.
/// </summary>
public sealed class SerialProcess : ProcessObject
{
    /// <summary>The longest a close keeps the pipeline thread waiting, whatever the linger time.</summary>
    private const double MaxCloseWaitSeconds = 30;

    private readonly SerialDevice device;
    private readonly StreamChannel channel;

    private SerialProcess(ProcessTable table, SerialDevice device)
        : base(table, ProcessType.Serial, ProcessKind.Serial)
    {
        this.device = device;
        Port = device.Path;

        // Emacs: a device that goes away closes the process with "exited abnormally with code 256".
        channel = new StreamChannel(this, new SerialTransport(device), ownReaderThread: false, "exited abnormally with code 256\n");
        Status = ProcessStatus.Open;
    }

    /// <summary>The device's path as given (<c>/dev/ttyUSB0</c>, <c>COM3</c>, a pty link).</summary>
    public string Port { get; }

    /// <summary>Bits per second; null for a port opened with <c>-NoConfigure</c>.</summary>
    public int? Speed => device.Settings?.Speed;

    /// <summary>Data bits per character (5 to 8); null with <c>-NoConfigure</c>.</summary>
    public int? DataBits => device.Settings?.DataBits;

    public SerialParity? Parity => device.Settings?.Parity;

    public SerialStopBits? StopBits => device.Settings?.StopBits;

    public SerialFlowControl? FlowControl => device.Settings?.FlowControl;

    /// <summary>
    /// Speed and framing at a glance: <c>9600,8N1</c> (Emacs's <c>:summary</c> is the <c>8N1</c> part), with the flow
    /// control when there is one (<c>9600,7E2,Software</c>); empty for a port opened with <c>-NoConfigure</c>.
    /// </summary>
    public string Summary => device.Settings?.ToString() ?? string.Empty;

    /// <summary>The port and its line settings: <c>/dev/ttyUSB0 9600,8N1</c>.</summary>
    public override string Address => Summary.Length == 0 ? Port : $"{Port} {Summary}";

    /// <summary>As Emacs's <c>list-processes</c>: <c>(serial port /dev/ttyUSB0 at 9600 b/s)</c>.</summary>
    public override string Contact => Speed is int speed ? $"(serial port {Port} at {speed} b/s)" : $"(serial port {Port})";

    internal override long UndeliveredBytes => TransportClosed ? 0 : channel.UndeliveredBytes;

    /// <summary>Emacs's <c>delete-process</c> of a serial process says <c>"finished\n"</c>.</summary>
    private protected override string DeletedMessage => "finished\n";

    /// <summary>
    /// Opens the device (Emacs <c>make-serial-process</c>) with <paramref name="settings"/>, or as the line is when
    /// null (<c>-NoConfigure</c>). A failure is a <see cref="NetProcException"/> and leaves nothing open.
    /// </summary>
    internal static SerialProcess Open(ProcessTable table, string port, SerialSettings? settings) =>
        new(table, SerialPortOpener.Open(port, settings));

    /// <summary>
    /// Changes only the settings given (Emacs <c>serial-process-configure</c>); a port opened with <c>-NoConfigure</c>
    /// keeps its line as it is, as in Emacs. A refusal leaves the settings as they were.
    /// </summary>
    internal void Configure(int? speed, int? dataBits, SerialParity? parity, SerialStopBits? stopBits, SerialFlowControl? flowControl)
    {
        if (device.Settings is { } current)
        {
            device.Configure(current.With(speed, dataBits, parity, stopBits, flowControl));
        }
    }

    internal override void Start() => channel.Start();

    internal override Task SendAsync(ReadOnlyMemory<byte> data, bool eof) =>
        Status != ProcessStatus.Open || TransportClosed ? base.SendAsync(data, eof) : channel.SendAsync(data, eof);

    /// <summary>
    /// Closes the port before returning, so it can be opened again at once: what was sent is written out first,
    /// within <see cref="ProcessObject.Linger"/> seconds.
    /// </summary>
    private protected override void ReleaseTransport(bool abort) =>
        channel.Close(abort).Wait(TimeSpan.FromSeconds(Math.Min(Linger, MaxCloseWaitSeconds) + 1));
}
