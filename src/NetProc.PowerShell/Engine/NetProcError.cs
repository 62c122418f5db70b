namespace NetProc.Engine;

/// <summary>Stable identities of the errors the engine reports; the bridge turns each into an ErrorId.</summary>
public enum NetProcError
{
    ConnectionRefused,
    ConnectTimeout,
    ConnectFailed,
    ListenFailed,
    /// <summary>Parameters that cannot go together; like a parameter binding error, it stops the command.</summary>
    IncompatibleParameters,

    /// <summary>An action cmdlet given no process to act on.</summary>
    ProcessRequired,
    HostNotFound,
    UnknownService,
    InvalidEndpoint,
    InvalidName,
    AddressInUse,
    AccessDenied,
    ProcessNotFound,
    BufferNotFound,
    InvalidWildcard,
    ProcessNotRunning,
    OutputClosed,
    SendFailed,
    NoDatagramAddress,
    DatagramTooLarge,
    DatagramTruncated,
    InvalidData,
    InvalidEncoding,

    /// <summary>No device at the serial port's path (Emacs <c>file-missing</c>).</summary>
    SerialPortNotFound,

    /// <summary>The serial device is already open, here or (TIOCEXCL) in another program.</summary>
    SerialPortBusy,

    /// <summary>The serial device could not be opened or went away, for a reason other than the ones above.</summary>
    SerialPortUnavailable,

    /// <summary>The path names something that is not a terminal device (a file, /dev/null, a folder).</summary>
    NotASerialPort,
    InvalidSerialSpeed,
    InvalidDataBits,

    /// <summary>A parity, stop bits or flow control value outside its enum.</summary>
    InvalidSerialSetting,

    /// <summary>A serial-only action (Set-SerialProcess) given a process that is not a serial port.</summary>
    NotASerialProcess,

    /// <summary>The device (its driver) refused valid settings, e.g. a pty asked for 7 data bits without parity.</summary>
    SerialSettingRefused,
}
