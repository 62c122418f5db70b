using System.Collections.Concurrent;
using System.Net.Sockets;

namespace NetProc.Engine;

/// <summary>
/// Closes sockets on the thread pool. Closing a TCP socket costs system calls (the FIN goes out through the loopback
/// stack in the caller's context), and the pipeline thread closes connections as they end; a burst of closes is one
/// work item, not one each.
/// </summary>
internal static class SocketCloser
{
    private static readonly ConcurrentQueue<Socket> Pending = new();
    private static int draining;

    public static void Close(Socket socket)
    {
        Pending.Enqueue(socket);
        if (Interlocked.Exchange(ref draining, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static _ => Drain(), null);
        }
    }

    private static void Drain()
    {
        do
        {
            while (Pending.TryDequeue(out var socket))
            {
                try
                {
                    socket.Dispose();
                }
                catch (Exception)
                {
                    // Nothing is left to report to: the process is already closed.
                }
            }

            Volatile.Write(ref draining, 0);
        }
        while (!Pending.IsEmpty && Interlocked.Exchange(ref draining, 1) == 0);
    }
}
