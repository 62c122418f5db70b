using System.Net;
using System.Net.Sockets;

namespace NetProc.Engine;

/// <summary>
/// A connected TCP or unix stream socket (or a seqpacket one, which keeps message boundaries), non-blocking, so it can
/// be polled and read by whichever thread reads, and written with exact byte counts.
/// </summary>
internal sealed class SocketTransport : IStreamTransport
{

    private readonly Socket socket;
    private readonly bool keepsMessages;

    public SocketTransport(Socket connected)
    {
        connected.Blocking = false;
        socket = connected;
        keepsMessages = connected.SocketType == SocketType.Seqpacket;
        LocalEndPoint = connected.LocalEndPoint;
        RemoteEndPoint = connected.RemoteEndPoint;
    }

    /// <summary>The connected socket, for a TLS upgrade to take over once the channel let go of it.</summary>
    public Socket Socket => socket;

    public EndPoint? LocalEndPoint { get; }

    public EndPoint? RemoteEndPoint { get; }

    public TransportReading Reading => TransportReading.Polled;

    public bool Poll(int microseconds)
    {
        try
        {
            return socket.Poll(microseconds, SelectMode.SelectRead);
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile: a read now finds out how.
            return true;
        }
    }

    public void WaitReadable() => Poll(-1);

    public int PullNow(Span<byte> block) => ReadNow(block);

    public int ReadNow(Span<byte> block)
    {
        int n = socket.Receive(block, SocketFlags.None, out var error);
        return error switch
        {
            SocketError.Success => n,
            SocketError.WouldBlock => -1,
            _ => throw new SocketException((int)error),
        };
    }

    /// <remarks>Only for byte streams: a zero-byte read would swallow a whole seqpacket message.</remarks>
    public ValueTask WaitReadableAsync() =>
        keepsMessages ? ValueTask.CompletedTask : ValueTaskOf(socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None));

    // No cancellation token: closing disposes the socket, which ends a pending read at once.
    public ValueTask<int> ReadAsync(Memory<byte> block) => socket.ReceiveAsync(block, SocketFlags.None);

    public async ValueTask<int> WriteSomeAsync(ReadOnlyMemory<byte> data)
    {
        if (keepsMessages)
        {
            // A message goes whole or not at all.
            return await socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
        }

        // A non-blocking send says exactly how much the kernel took. When it takes nothing, a one-byte awaited send
        // waits for room: it too either writes its byte or fails, so the count stays exact.
        int n = socket.Send(data.Span, SocketFlags.None, out var error);
        return error switch
        {
            SocketError.Success => n,
            SocketError.WouldBlock => await socket.SendAsync(data[..1], SocketFlags.None).ConfigureAwait(false),
            _ => throw new SocketException((int)error),
        };
    }

    public void ShutdownWrite() => socket.Shutdown(SocketShutdown.Send);

    /// <summary>In the kernel and not yet acknowledged by the peer (for a unix socket: not yet read by it); Linux only.</summary>
    public long Unacknowledged => SocketQueues.Unacknowledged(socket);

    public Task<bool> PeerTookEverythingAsync(DateTime deadline, Task peerEnded) =>
        SocketQueues.PeerTookEverythingAsync(socket, deadline, peerEnded);

    public NetProcException? ReasonForEnd(Exception? failure) => null;

    public void DiscardInput() => SocketQueues.DiscardInput(socket);

    /// <remarks>
    /// Not shutdown(SHUT_RD) to stop a reader: Linux then stops announcing a reopened window, and a peer still sending
    /// would hang on a zero window. Disposing wakes a reader still waiting, and after shutdown(SHUT_WR) (or the peer's
    /// end) .NET closes without a reset.
    /// </remarks>
    public void Close() => SocketCloser.Close(socket);

    public void Abort()
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset or closed.
        }

        SocketCloser.Close(socket);
    }

    private static async ValueTask ValueTaskOf(ValueTask<int> read) => await read.ConfigureAwait(false);
}
