using System.Buffers;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace NetProc.Engine;

/// <summary>
/// What the kernel holds for a socket: what it sent that the peer has not taken (Linux only: <c>SIOCOUTQ</c>), and
/// what arrived that nobody read.
/// </summary>
internal static class SocketQueues
{
    // Reads that a close discards at most before the socket closes: a peer that keeps sending gets its reset then.
    private const int MaxDiscardReads = 64;

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

    /// <summary>
    /// Reads and drops what waits in the kernel (never waiting for more), so a close that follows is a FIN rather than
    /// a reset; for a TLS session, the raw records nobody wants once it closes.
    /// </summary>
    public static void DiscardInput(Socket socket)
    {
        byte[] scrap = ArrayPool<byte>.Shared.Rent(ProcessObject.MaxReadSize);
        try
        {
            for (int i = 0; i < MaxDiscardReads && socket.Available > 0; i++)
            {
                socket.Receive(scrap, Math.Min(scrap.Length, socket.Available), SocketFlags.None);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Reset or closed: nothing to drop.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scrap);
        }
    }

    [DllImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static extern int QueryInt(SafeHandle descriptor, nuint request, out int value);
}
