namespace NetProc.Engine.Serial;

/// <summary>
/// Speed and framing of a serial line, validated when made. Emacs's defaults: 9600 baud, 8N1, no flow control.
/// Shown as "9600,8N1"; <see cref="Summary"/> is the "8N1" part (Emacs <c>:summary</c>).
/// </summary>
public sealed record SerialSettings
{
    public const int DefaultSpeed = 9600;
    public const int MinDataBits = 5;
    public const int MaxDataBits = 8;

    public static SerialSettings Default { get; } = new();

    public SerialSettings(
        int speed = DefaultSpeed,
        int dataBits = MaxDataBits,
        SerialParity parity = SerialParity.None,
        SerialStopBits stopBits = SerialStopBits.One,
        SerialFlowControl flowControl = SerialFlowControl.None)
    {
        if (speed <= 0)
        {
            throw new NetProcException(NetProcError.InvalidSerialSpeed,
                $"Speed {speed} is not a baud rate: give a positive number of bits per second, such as 9600 or 115200.", speed);
        }

        if (dataBits is < MinDataBits or > MaxDataBits)
        {
            throw new NetProcException(NetProcError.InvalidDataBits,
                $"A serial line carries {MinDataBits} to {MaxDataBits} data bits, not {dataBits}: give 8 (the default) or 7, " +
                "or 5 or 6 where the device supports them.", dataBits);
        }

        RequireDefined(parity, "Parity", "None, Even or Odd");
        RequireDefined(stopBits, "StopBits", "1 or 2");
        RequireDefined(flowControl, "FlowControl", "None, Hardware (RTS/CTS) or Software (XON/XOFF)");
        Speed = speed;
        DataBits = dataBits;
        Parity = parity;
        StopBits = stopBits;
        FlowControl = flowControl;
    }

    /// <summary>Bits per second.</summary>
    public int Speed { get; }

    public int DataBits { get; }

    public SerialParity Parity { get; }

    public SerialStopBits StopBits { get; }

    public SerialFlowControl FlowControl { get; }

    /// <summary>Data bits, parity letter and stop bits, as "8N1" (Emacs <c>:summary</c>).</summary>
    public string Summary => $"{DataBits}{Parity.ToString()[0]}{(int)StopBits}";

    /// <summary>
    /// These settings with the given ones changed and the rest kept (Emacs <c>serial-process-configure</c>): only a new
    /// speed after 7E2 with software flow control keeps 7E2 and software flow control.
    /// </summary>
    public SerialSettings With(
        int? speed = null, int? dataBits = null, SerialParity? parity = null, SerialStopBits? stopBits = null,
        SerialFlowControl? flowControl = null) =>
        new(speed ?? Speed, dataBits ?? DataBits, parity ?? Parity, stopBits ?? StopBits, flowControl ?? FlowControl);

    /// <summary>"9600,8N1", with the flow control when there is one: "9600,7E2,Software".</summary>
    public override string ToString() =>
        FlowControl == SerialFlowControl.None ? $"{Speed},{Summary}" : $"{Speed},{Summary},{FlowControl}";

    private static void RequireDefined<T>(T value, string name, string allowed) where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw new NetProcException(NetProcError.InvalidSerialSetting, $"{name} {value} is not a setting a serial line has: give {allowed}.", value);
        }
    }
}
