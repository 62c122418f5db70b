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

    /// <summary>A -Certificate or -CertificateAuthority that cannot be used: no such file, a wrong password, a server certificate without its key.</summary>
    InvalidCertificate,

    /// <summary>The TLS handshake failed for a reason none of the other Tls errors names (the peer closed during it, say).</summary>
    TlsHandshakeFailed,

    /// <summary>The TLS handshake did not finish within -Timeout (a server's: its handshake timeout).</summary>
    TlsHandshakeTimeout,

    /// <summary>The peer answered the TLS greeting with something that is not TLS (a plain-text service).</summary>
    TlsNotSpoken,

    /// <summary>The two sides share no TLS version or cipher suite (see -SslProtocol).</summary>
    TlsProtocolMismatch,

    /// <summary>The server's certificate is for other names than the one connected to (see -TlsServerName).</summary>
    TlsNameMismatch,

    /// <summary>The peer's certificate chain does not end at a trusted root (see -CertificateAuthority).</summary>
    TlsUntrustedCertificate,

    /// <summary>The peer's certificate has expired or is not valid yet.</summary>
    TlsCertificateExpired,

    /// <summary>The server's certificate is not the one pinned with -ServerCertificateThumbprint.</summary>
    TlsThumbprintMismatch,

    /// <summary>A certificate was refused for another reason (none sent, revoked, the peer refused ours).</summary>
    TlsCertificateRejected,

    /// <summary>Open-NetworkStream -Type StartTls: the server did not offer STARTTLS, or refused it.</summary>
    TlsNotOffered,

    /// <summary>
    /// The server wants a client certificate and this client gave none (-Certificate). Under TLS 1.3 the server says
    /// so only after the client's handshake completed: the process then turns Failed with this code.
    /// </summary>
    TlsClientCertificateRequired,

    /// <summary>
    /// The server agreed to STARTTLS, then sent more plain text before the TLS handshake: text that anyone on the way
    /// could have injected, refused rather than read as if it came through TLS.
    /// </summary>
    TlsUnexpectedPlaintext,
}
