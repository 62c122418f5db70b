using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace NetProc.Engine;

/// <summary>What the kernel still holds of what a socket sent (Linux only: <c>SIOCOUTQ</c>).</summary>
internal static class SocketQueues
{
    // SIOCOUTQ (= TIOCOUTQ): for TCP, bytes sent and not yet acknowledged (the FIN counts as one); for a unix stream
    // socket, bytes the peer has not yet read.
    private const nuint OutputQueueRequest = 0x5411;

    /// <summary>Whether this platform tells (<see cref="Unacknowledged"/> is always 0 elsewhere).</summary>
    public static bool CanTell { get; } = OperatingSystem.IsLinux();

    /// <summary>Bytes the socket sent that the peer has not yet taken; 0 when unknown or the socket is closed.</summary>
    public static int Unacknowledged(Socket socket)
    {
        if (!CanTell)
        {
            return 0;
        }

        try
        {
            return QueryInt(socket.SafeHandle, OutputQueueRequest, out int count) == 0 ? count : 0;
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
    }

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int QueryInt(SafeHandle descriptor, nuint request, out int value);
}
