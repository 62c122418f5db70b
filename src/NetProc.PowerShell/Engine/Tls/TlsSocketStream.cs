using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;

namespace NetProc.Engine;

/// <summary>
/// The stream under a TLS session: a connected socket kept non-blocking. A blocking read or write polls and reads or
/// writes with direct system calls, so a client's reader thread is woken by the kernel itself. Awaited reads and
/// writes are the socket's own; but once one of them has had to wait, .NET watches the socket with its event-loop
/// thread for good, and every record that arrives then also wakes that thread and a pool thread. So a client's
/// handshake runs with blocking calls too (<see cref="RunBlocking"/>), on a thread of its own. A read takes what the
/// socket holds, up to <see cref="ReadAheadSize"/>, and hands it on from there (see <see cref="ReceiveAhead"/>). It does
/// not own the socket.
/// </summary>
internal sealed class TlsSocketStream : Stream
{
    // How often a blocking wait of a handshake looks at its cancel.
    private const int CancelCheckMicroseconds = 50_000;

    // A read takes up to this much from the socket at once: SslStream asks for about one record (16 KiB) at a time, and
    // a receive call per record cost more than copying the records on out of a block warm in the cache.
    private const int ReadAheadSize = 256 * 1024;

    private readonly Socket socket;

    public TlsSocketStream(Socket socket)
    {
        socket.Blocking = false;
        this.socket = socket;
    }

    // What ends a blocking wait early: the handshake's deadline or cancel, while RunBlocking runs it.
    private CancellationToken blockingCancel;

    // Set while WaitForData waits through the SslStream: only then does a zero-byte read wait.
    private bool waitingForData;

    // Set while ReadWithoutWaiting reads through the SslStream: a read that would wait throws WouldWait instead.
    private bool neverWait;

    // OpenSSL takes one call at a time on a TLS session, and SslStream lets its shutdown and its disposal run beside a
    // read's decryption (which crashed the process): whoever calls into OpenSSL through the SslStream holds this gate
    // (a read, a write, the shutdown, the disposal), and a read lets go of it while it waits for bytes, so nobody waits
    // for the peer to get in.
    private readonly SemaphoreSlim sslGate = new(1, 1);

    // Set while a read holds the gate: only a read lets go of it to wait.
    private bool readHoldsGate;

    // What a read took from the socket beyond what SslStream asked for: pooled, and held only while not empty.
    private byte[]? readAhead;
    private int aheadStart;
    private int aheadEnd;

    /// <summary>Whether bytes taken from the socket wait here; from a thread not inside the SslStream, only a hint.</summary>
    public bool HasReadAhead => Volatile.Read(ref aheadEnd) > Volatile.Read(ref aheadStart);

    /// <summary>Takes the gate (see <see cref="sslGate"/>) for a read through the SslStream.</summary>
    public void EnterForRead()
    {
        sslGate.Wait();
        readHoldsGate = true;
    }

    /// <summary>Takes the gate for an awaited read through the SslStream.</summary>
    public async ValueTask EnterForReadAsync()
    {
        await sslGate.WaitAsync().ConfigureAwait(false);
        readHoldsGate = true;
    }

    /// <summary>Takes the gate for a read if nobody holds it.</summary>
    public bool TryEnterForRead()
    {
        if (!sslGate.Wait(0))
        {
            return false;
        }

        readHoldsGate = true;
        return true;
    }

    /// <summary>Gives the gate back after a read.</summary>
    public void LeaveRead()
    {
        readHoldsGate = false;
        sslGate.Release();
    }

    /// <summary>Runs <paramref name="call"/> (the disposal: nothing that waits for the peer) holding the gate.</summary>
    public void Exclusive(Action call)
    {
        sslGate.Wait();
        try
        {
            call();
        }
        finally
        {
            sslGate.Release();
        }
    }

    /// <summary>
    /// Runs <paramref name="call"/> (a write's encryption, the shutdown's close_notify) holding the gate, waiting for
    /// it without a thread.
    /// </summary>
    public async ValueTask<T> ExclusiveAsync<T>(Func<T> call)
    {
        await sslGate.WaitAsync().ConfigureAwait(false);
        try
        {
            return call();
        }
        finally
        {
            sslGate.Release();
        }
    }

    /// <summary>
    /// Reads through <paramref name="tls"/> what it can give without waiting: -1 when it would have to wait for bytes
    /// not yet arrived. A record begun stays in the SslStream's buffer for the next read: SslStream asks its stream
    /// for more only before it has decrypted anything in a read, and keeps what it already took.
    /// </summary>
    public int ReadWithoutWaiting(SslStream tls, Span<byte> block)
    {
        neverWait = true;
        try
        {
            return tls.Read(block);
        }
        catch (Exception e) when (e is WouldWait || e.InnerException is WouldWait)
        {
            return -1;
        }
        finally
        {
            neverWait = false;
        }
    }

    /// <summary>Waits through <paramref name="tls"/> (a zero-byte read) until a record or the end arrived, holding no buffer.</summary>
    public void WaitForData(SslStream tls)
    {
        waitingForData = true;
        try
        {
            tls.Read(Span<byte>.Empty);
        }
        finally
        {
            waitingForData = false;
        }
    }

    /// <summary>
    /// Runs <paramref name="handshake"/>, a synchronous SslStream call, on a thread of its own; its waits end with an
    /// OperationCanceledException once <paramref name="cancel"/> is set.
    /// </summary>
    public Task RunBlocking(Action handshake, CancellationToken cancel) => Task.Factory.StartNew(
        () =>
        {
            blockingCancel = cancel;
            try
            {
                handshake();
            }
            finally
            {
                blockingCancel = CancellationToken.None;
            }
        },
        CancellationToken.None,
        TaskCreationOptions.LongRunning,
        TaskScheduler.Default);

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>Waits until data (or the end) is there, unless a read without waiting; a zero-byte read only waits.</summary>
    public override int Read(Span<byte> buffer)
    {
        if (TakeReadAhead(buffer) is int taken)
        {
            return taken;
        }

        while (true)
        {
            if (buffer.IsEmpty)
            {
                // SslStream reads zero bytes before each record it lacks, to wait without a buffer; the read that follows
                // waits anyway if nothing came. So only the transport's own wait (WaitForData) waits here: a poll() per
                // record saved.
                if (waitingForData)
                {
                    WaitReadableOutsideGate();
                }

                return 0;
            }

            int n = buffer.Length < ReadAheadSize ? ReceiveAhead(buffer, out var error) : socket.Receive(buffer, SocketFlags.None, out error);
            switch (error)
            {
                case SocketError.Success:
                    return n;
                case SocketError.WouldBlock:
                    if (neverWait)
                    {
                        throw new WouldWait();
                    }

                    WaitReadableOutsideGate();
                    break;
                default:
                    throw new IOException($"Unable to read data from the transport connection: {error}.", new SocketException((int)error));
            }
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        TakeReadAhead(buffer.Span) is int taken ? ValueTask.FromResult(taken)
        : readHoldsGate ? ReceiveOutsideGateAsync(buffer, cancellationToken)
        : socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    /// <summary>An awaited receive for a read that holds the gate: it lets go of it while it waits.</summary>
    private async ValueTask<int> ReceiveOutsideGateAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        LeaveRead();
        try
        {
            return await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await EnterForReadAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Waits until the socket is readable; a read that holds the gate lets go of it meanwhile.</summary>
    private void WaitReadableOutsideGate()
    {
        bool held = readHoldsGate;
        if (held)
        {
            LeaveRead();
        }

        try
        {
            WaitUntil(SelectMode.SelectRead);
        }
        finally
        {
            if (held)
            {
                EnterForRead();
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // A stream socket's awaited send writes everything before it completes.
        await socket.SendAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>The handshake of a client writes this way (NetProc's own writes are awaited).</summary>
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
                    WaitUntil(SelectMode.SelectWrite);
                    break;
                default:
                    throw new IOException($"Unable to write data to the transport connection: {error}.", new SocketException((int)error));
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <summary>Waits until the socket is ready for <paramref name="mode"/>; during a handshake, in slices, so its cancel is heard.</summary>
    private void WaitUntil(SelectMode mode)
    {
        if (!blockingCancel.CanBeCanceled)
        {
            socket.Poll(-1, mode);
            return;
        }

        while (!socket.Poll(CancelCheckMicroseconds, mode))
        {
            blockingCancel.ThrowIfCancellationRequested();
        }

        blockingCancel.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// Receives up to <see cref="ReadAheadSize"/> into a pooled block and copies what fits into <paramref name="buffer"/>
    /// (not empty); the rest waits there for the next reads. The block goes back to the pool at once when nothing came.
    /// </summary>
    private int ReceiveAhead(Span<byte> buffer, out SocketError error)
    {
        var block = ArrayPool<byte>.Shared.Rent(ReadAheadSize);
        int n = socket.Receive(block, SocketFlags.None, out error);
        if (error != SocketError.Success || n == 0)
        {
            ArrayPool<byte>.Shared.Return(block);
            return n;
        }

        readAhead = block;
        aheadStart = 0;
        Volatile.Write(ref aheadEnd, n);
        return TakeReadAhead(buffer) ?? 0;
    }

    /// <summary>
    /// Copies what a read took ahead into <paramref name="buffer"/>: its count, or null when nothing waits there; the
    /// pooled block goes back once emptied. A zero-byte read with bytes waiting returns 0 at once.
    /// </summary>
    private int? TakeReadAhead(Span<byte> buffer)
    {
        int waiting = aheadEnd - aheadStart;
        if (waiting <= 0)
        {
            return null;
        }

        int n = Math.Min(waiting, buffer.Length);
        readAhead.AsSpan(aheadStart, n).CopyTo(buffer);
        aheadStart += n;
        if (aheadStart == aheadEnd)
        {
            ArrayPool<byte>.Shared.Return(readAhead!);
            readAhead = null;
            aheadStart = 0;
            Volatile.Write(ref aheadEnd, 0);
        }

        return n;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>A read without waiting met no bytes (see <see cref="ReadWithoutWaiting"/>).</summary>
    private sealed class WouldWait : Exception
    {
    }
}
