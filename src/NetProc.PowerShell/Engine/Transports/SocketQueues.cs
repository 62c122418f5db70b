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

    /// <summary>
    /// After the end of output: completes with true once the peer acknowledged everything (or ended its side), false if
    /// the deadline passes first. It polls the kernel's count (nothing signals it), more rarely as the wait goes on.
    /// </summary>
    public static async Task<bool> PeerTookEverythingAsync(Socket socket, DateTime deadline, Task peerEnded)
    {
        if (socket.ProtocolType != ProtocolType.Tcp || !CanTell)
        {
            // Only Linux tells; elsewhere the kernel finishes after close.
            return true;
        }

        for (int pause = 1; ; pause = Math.Min(pause * 2, 100))
        {
            if (peerEnded.IsCompleted || Unacknowledged(socket) == 0)
            {
                return true;
            }

            if (Timeouts.HasPassed(deadline))
            {
                return false;
            }

            var wakeUp = DateTime.UtcNow.AddMilliseconds(pause);
            await Timeouts.Within(peerEnded, wakeUp < deadline ? wakeUp : deadline).ConfigureAwait(false);
        }
    }

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int QueryInt(SafeHandle descriptor, nuint request, out int value);
}
