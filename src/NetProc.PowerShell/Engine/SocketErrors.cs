using System.Net.Sockets;

namespace NetProc.Engine;

/// <summary>Turns socket failures into NetProc errors and Emacs exit codes.</summary>
internal static class SocketErrors
{
    public static NetProcException ForConnect(SocketException e, string address)
    {
        var (error, what) = e.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => (NetProcError.ConnectionRefused, "refused the connection"),
            SocketError.TimedOut => (NetProcError.ConnectTimeout, "did not answer in time"),
            SocketError.AccessDenied => (NetProcError.AccessDenied, "may not be reached (access denied)"),
            SocketError.HostNotFound or SocketError.NoData => (NetProcError.HostNotFound, "could not be resolved"),
            _ => (NetProcError.ConnectFailed, "could not be reached"),
        };
        return new NetProcException(error, $"{address} {what}: {e.Message}", address, e);
    }

    /// <summary>The Emacs exit code of a failed connect: the errno (111 for refused on Linux), or a text for lookups.</summary>
    public static object ExitCode(NetProcException e) => e.Error switch
    {
        NetProcError.HostNotFound => $"Name lookup of {e.Target} failed",
        _ when e.InnerException is SocketException s => s.NativeErrorCode,
        _ => -1,
    };
}
