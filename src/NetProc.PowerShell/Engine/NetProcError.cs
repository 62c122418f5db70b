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
}
