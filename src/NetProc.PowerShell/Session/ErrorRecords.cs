using System.Management.Automation;
using NetProc.Engine;

namespace NetProc.Session;

/// <summary>Turns engine errors into ErrorRecords whose ErrorId is the stable error name.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(NetProcException e) => new(e, e.Error.ToString(), CategoryOf(e.Error), e.Target);

    public static ErrorRecord NotFound(string what, object target) =>
        From(new NetProcException(NetProcError.ProcessNotFound, what, target));

    private static ErrorCategory CategoryOf(NetProcError error) => error switch
    {
        NetProcError.ConnectionRefused or NetProcError.ConnectFailed or NetProcError.SendFailed => ErrorCategory.ConnectionError,
        NetProcError.ConnectTimeout or NetProcError.TlsHandshakeTimeout => ErrorCategory.OperationTimeout,
        NetProcError.TlsHandshakeFailed or NetProcError.TlsNotSpoken or NetProcError.TlsProtocolMismatch or NetProcError.TlsNotOffered => ErrorCategory.ProtocolError,
        NetProcError.TlsNameMismatch or NetProcError.TlsUntrustedCertificate or NetProcError.TlsCertificateExpired
            or NetProcError.TlsThumbprintMismatch or NetProcError.TlsCertificateRejected or NetProcError.TlsClientCertificateRequired
            or NetProcError.TlsUnexpectedPlaintext => ErrorCategory.SecurityError,
        NetProcError.HostNotFound or NetProcError.ProcessNotFound or NetProcError.BufferNotFound
            or NetProcError.SerialPortNotFound => ErrorCategory.ObjectNotFound,
        NetProcError.SerialPortBusy => ErrorCategory.ResourceBusy,
        NetProcError.SerialPortUnavailable => ErrorCategory.ResourceUnavailable,
        NetProcError.SerialSettingRefused => ErrorCategory.DeviceError,
        NetProcError.AddressInUse => ErrorCategory.ResourceExists,
        NetProcError.AccessDenied => ErrorCategory.PermissionDenied,
        NetProcError.ListenFailed => ErrorCategory.ResourceUnavailable,
        NetProcError.ProcessNotRunning or NetProcError.OutputClosed or NetProcError.NoDatagramAddress or NetProcError.NotASerialProcess => ErrorCategory.InvalidOperation,
        _ => ErrorCategory.InvalidArgument,
    };
}
