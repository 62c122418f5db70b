using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace NetProc.Engine;

/// <summary>
/// A TLS session over a connected stream socket, after its handshake (see <see cref="TlsNegotiator"/>). Records are
/// decrypted by <see cref="SslStream"/> as they complete, so reads are never polled: a client reads with blocking reads
/// on a thread of its own (as a plain client polls on one, without the event loop's and the pool's wake-ups), a
/// server's connection with awaited ones. The socket underneath still tells what the peer has not acknowledged, and
/// the end of output is TLS's close_notify followed by the socket's FIN.
/// </summary>
internal sealed class TlsTransport : IStreamTransport
{
    // At most this much per write, so the sent count moves on during a large send (one TLS record is 16 KiB).
    private const int MaxWriteSize = 256 * 1024;

    private readonly Socket socket;
    private readonly TlsSocketStream socketStream;
    private readonly SslStream stream;
    private readonly Func<Exception?, NetProcException?>? refusal;
    private Task? outputEnded;
    private volatile bool anythingRead;

    // 1 while a read or a wait is inside the SslStream, which allows one read at a time; and for good once it is disposed.
    private int inStream;

    // Set by Close: the SslStream is disposed by whoever leaves it last (see GiveUpTurn), never under a read.
    private volatile bool closed;

    // The end or failure a gathering read met after it had read something: the next read reports it.
    private EndOfInput? pendingEnd;

    /// <param name="refusal">
    /// A client's: what its stream ending or failing before any byte came means (see <see cref="ReasonForEnd"/>), or
    /// null when it means nothing more than it says.
    /// </param>
    public TlsTransport(Socket socket, TlsSocketStream socketStream, SslStream stream, TlsInfo info, Func<Exception?, NetProcException?>? refusal = null)
    {
        this.socket = socket;
        this.socketStream = socketStream;
        this.stream = stream;
        this.refusal = refusal;
        Info = info;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = socket.RemoteEndPoint;
    }

    /// <summary>What the handshake settled.</summary>
    public TlsInfo Info { get; }

    public EndPoint? LocalEndPoint { get; }

    public EndPoint? RemoteEndPoint { get; }

    public TransportReading Reading => TransportReading.Blocking;

    /// <summary>
    /// A client's reading that ends or fails before any byte came may be the server's refusal, which TLS 1.3 brings only
    /// after the client's handshake completed (see <see cref="TlsNegotiator.RefusalAfterHandshake"/>).
    /// </summary>
    public NetProcException? ReasonForEnd(Exception? failure) => anythingRead ? null : refusal?.Invoke(failure);

    public long Unacknowledged => SocketQueues.Unacknowledged(socket);

    /// <summary>Whether bytes arrived: a record may still be incomplete, and a pull then reads nothing.</summary>
    public bool Poll(int microseconds)
    {
        try
        {
            return socketStream.HasReadAhead || socket.Poll(microseconds, SelectMode.SelectRead);
        }
        catch (ObjectDisposedException)
        {
            return true;
        }
    }

    /// <summary>A zero-byte read: returns once a record (or the end) arrived, holding no read block meanwhile.</summary>
    public void WaitReadable()
    {
        EnterStream();
        try
        {
            socketStream.WaitForData(stream);
        }
        finally
        {
            LeaveStream();
        }
    }

    /// <summary>A zero-byte read: completes once a record (or the end) arrived, holding no read block meanwhile.</summary>
    public async ValueTask WaitReadableAsync()
    {
        await EnterStreamAsync().ConfigureAwait(false);
        try
        {
            await stream.ReadAsync(Memory<byte>.Empty).ConfigureAwait(false);
        }
        finally
        {
            LeaveStream();
        }
    }

    // Every read takes one record or more: a TLS read returns at most one record (16 KiB), so while the socket already
    // holds more the reads go on into the same block. A chunk is then as large as a plain socket's read, and costs the
    // receiver and the reader of the buffer the same. What a further read meets (the end, a failure) is kept for the
    // next call, so nothing already read is lost.

    /// <summary>A blocking read, for a client's reader thread: it waits for a record to complete.</summary>
    public int ReadNow(Span<byte> block)
    {
        EnterStream();
        return ReadRecords(block, wait: true);
    }

    /// <summary>
    /// The pipeline thread's read: the records that arrived whole, gathered as <see cref="ReadNow"/> does; -1 when none
    /// did, or the reader thread is inside the stream (SslStream allows one read at a time), or a write holds its gate.
    /// </summary>
    public int PullNow(Span<byte> block)
    {
        // An end a gathering read met is given at once; otherwise nothing to pull until bytes arrived.
        if ((pendingEnd is null && !HasRawInput()) || !TryEnterStream())
        {
            return -1;
        }

        return ReadRecords(block, wait: false);
    }

    /// <summary>
    /// Reads records into <paramref name="block"/> inside the stream (entered by the caller, left here). Without
    /// <paramref name="wait"/> no read waits for bytes not yet arrived: -1 when the first would have.
    /// </summary>
    private int ReadRecords(Span<byte> block, bool wait)
    {
        try
        {
            if (TakePendingEnd() is int end)
            {
                return end;
            }

            int n = ReadOne(block, wait);
            if (n < 0)
            {
                return -1;
            }

            Counted(n);
            while (GathersMore(n, block.Length))
            {
                try
                {
                    int more = ReadOne(block[n..], wait);
                    if (more < 0)
                    {
                        break;
                    }

                    n += Gathered(more);
                }
                catch (Exception e)
                {
                    pendingEnd = new EndOfInput(e);
                }
            }

            return n;
        }
        finally
        {
            LeaveStream();
        }
    }

    private int ReadOne(Span<byte> into, bool wait) => wait ? stream.Read(into) : socketStream.ReadWithoutWaiting(stream, into);

    public async ValueTask<int> ReadAsync(Memory<byte> block)
    {
        await EnterStreamAsync().ConfigureAwait(false);
        try
        {
            if (TakePendingEnd() is int end)
            {
                return end;
            }

            int n = Counted(await stream.ReadAsync(block).ConfigureAwait(false));
            while (GathersMore(n, block.Length))
            {
                try
                {
                    n += Gathered(await stream.ReadAsync(block[n..]).ConfigureAwait(false));
                }
                catch (Exception e)
                {
                    pendingEnd = new EndOfInput(e);
                }
            }

            return n;
        }
        finally
        {
            LeaveStream();
        }
    }

    public async ValueTask<int> WriteSomeAsync(ReadOnlyMemory<byte> data)
    {
        var some = data.Length > MaxWriteSize ? data[..MaxWriteSize] : data;

        // Encrypting (the call's first, synchronous part) holds the gate; sending what it encrypted does not.
        await (await socketStream.ExclusiveAsync(() => stream.WriteAsync(some)).ConfigureAwait(false)).ConfigureAwait(false);
        return some.Length;
    }

    /// <summary>
    /// Sends close_notify, then the socket's FIN, once, behind every write (the send queue calls it only after its
    /// last write has completed). It goes on in the background; <see cref="PeerTookEverythingAsync"/> waits for it.
    /// </summary>
    public void ShutdownWrite()
    {
        if (outputEnded is null)
        {
            outputEnded = EndOutputAsync();
        }
    }

    public async Task<bool> PeerTookEverythingAsync(DateTime deadline, Task peerEnded)
    {
        if (outputEnded is { } ending && !await Timeouts.Within(Task.WhenAny(ending, peerEnded), deadline).ConfigureAwait(false))
        {
            return false;
        }

        return await SocketQueues.PeerTookEverythingAsync(socket, deadline, peerEnded).ConfigureAwait(false);
    }

    public void DiscardInput() => SocketQueues.DiscardInput(socket);

    /// <summary>
    /// Closes the socket, and disposes the SslStream once no read is inside it: a read that went on after the disposal
    /// would decrypt with a freed TLS context (OpenSSL crashes the process). Closing the socket wakes a read that waits.
    /// </summary>
    public void Close()
    {
        closed = true;
        if (Interlocked.CompareExchange(ref inStream, 1, 0) == 0)
        {
            DisposeStream();
        }

        SocketCloser.Close(socket);
    }

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

        Close();
    }

    /// <summary>The way into the stream of the reader thread: its turn (see <see cref="TakeTurn"/>), then the gate for a read.</summary>
    private void EnterStream()
    {
        TakeTurn();
        socketStream.EnterForRead();
    }

    /// <summary>The way in of awaited reads, waiting for the gate without a thread.</summary>
    private async ValueTask EnterStreamAsync()
    {
        TakeTurn();
        await socketStream.EnterForReadAsync().ConfigureAwait(false);
    }

    /// <summary>The pipeline thread's way in: only if nobody is inside and the gate is free at once.</summary>
    private bool TryEnterStream()
    {
        if (Interlocked.CompareExchange(ref inStream, 1, 0) != 0)
        {
            return false;
        }

        if (!socketStream.TryEnterForRead())
        {
            GiveUpTurn();
            return false;
        }

        return true;
    }

    /// <summary>Leaves the stream: the gate, then the turn.</summary>
    private void LeaveStream()
    {
        socketStream.LeaveRead();
        GiveUpTurn();
    }

    /// <summary>
    /// Waits for the one turn inside the stream: a pull inside it is short, as it never waits. Once the transport is
    /// closed there is no way in.
    /// </summary>
    private void TakeTurn()
    {
        var spin = default(SpinWait);
        while (Interlocked.CompareExchange(ref inStream, 1, 0) != 0)
        {
            ObjectDisposedException.ThrowIf(closed, this);
            spin.SpinOnce();
        }
    }

    /// <summary>Gives the turn back; the last to leave after <see cref="Close"/> disposes the stream.</summary>
    private void GiveUpTurn()
    {
        Interlocked.Exchange(ref inStream, 0);
        if (closed && Interlocked.CompareExchange(ref inStream, 1, 0) == 0)
        {
            DisposeStream();
        }
    }

    private void DisposeStream() => socketStream.Exclusive(stream.Dispose);

    /// <summary>The end or failure a gathering read met before: 0, or its exception thrown; null when there was none.</summary>
    private int? TakePendingEnd()
    {
        if (pendingEnd is not { } ended)
        {
            return null;
        }

        pendingEnd = null;
        return ended.Failure is null ? 0 : throw ended.Failure;
    }

    /// <summary>Whether a read that got <paramref name="n"/> bytes so far reads on: room left, and more in the socket.</summary>
    private bool GathersMore(int n, int room) => n > 0 && n < room && pendingEnd is null && HasRawInput();

    /// <summary>A further read's count; its end (0) is kept for the next call.</summary>
    private int Gathered(int more)
    {
        if (more == 0)
        {
            pendingEnd = new EndOfInput(null);
        }

        return more;
    }

    /// <summary>A first read's count, noted: once anything was read, an end or a failure is no refusal.</summary>
    private int Counted(int n)
    {
        anythingRead |= n > 0;
        return n;
    }

    private bool HasRawInput()
    {
        try
        {
            return socketStream.HasReadAhead || socket.Available > 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    private async Task EndOutputAsync()
    {
        try
        {
            // Making close_notify holds the gate; sending it does not.
            await (await socketStream.ExclusiveAsync(stream.ShutdownAsync).ConfigureAwait(false)).ConfigureAwait(false);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // The peer is gone or the stream closed meanwhile: that direction is done either way.
        }
    }

    private sealed record EndOfInput(Exception? Failure);
}
