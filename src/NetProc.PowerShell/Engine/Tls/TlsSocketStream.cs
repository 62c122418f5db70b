using System.Net.Sockets;

namespace NetProc.Engine;

/// <summary>
/// The stream under a TLS session: a connected socket kept non-blocking. A blocking read polls and reads with direct
/// system calls, so a client's reader thread is woken by the kernel itself; a <see cref="NetworkStream"/> would wait
/// through .NET's event-loop thread instead, once a socket has been used asynchronously (the handshake is), which
/// costs a wake-up and a hand-over per record. Awaited reads and writes are the socket's own. It does not own the socket.
/// </summary>
internal sealed class TlsSocketStream : Stream
{
    private readonly Socket socket;

    public TlsSocketStream(Socket socket)
    {
        socket.Blocking = false;
        this.socket = socket;
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Waits until data (or the end) is there; a zero-byte read only waits.</summary>
    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            if (buffer.IsEmpty)
            {
                socket.Poll(-1, SelectMode.SelectRead);
                return 0;
            }

            int n = socket.Receive(buffer, SocketFlags.None, out var error);
            switch (error)
            {
                case SocketError.Success:
                    return n;
                case SocketError.WouldBlock:
                    socket.Poll(-1, SelectMode.SelectRead);
                    break;
                default:
                    throw new IOException($"Unable to read data from the transport connection: {error}.", new SocketException((int)error));
            }
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // A stream socket's awaited send writes everything before it completes.
        await socket.SendAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Only SslStream's own synchronous paths write this way (NetProc's writes are awaited).</summary>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int n = socket.Send(buffer, SocketFlags.None, out var error);
            switch (error)
            {
                case SocketError.Success:
                    buffer = buffer[n..];
                    break;
                case SocketError.WouldBlock:
                    socket.Poll(-1, SelectMode.SelectWrite);
                    break;
                default:
                    throw new IOException($"Unable to write data to the transport connection: {error}.", new SocketException((int)error));
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
