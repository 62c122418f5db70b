using System.Buffers;
using System.Net;
using System.Net.Sockets;

namespace NetProc.Engine;

/// <summary>A stream connection: a client (TCP or unix socket) or a connection a server accepted.</summary>
public sealed class StreamProcess : NetworkProcess
{
    private const int ReaderStackSize = 256 * 1024;
    private const int PullPatienceMs = 10;

    // Reads that a close discards at most before the socket closes: a peer that keeps sending gets its reset then.
    private const int MaxDiscardReads = 64;

    private const int ReaderNotStarted = 0;
    private const int ReaderRunning = 1;
    private const int ReaderDone = 2;

    private readonly ProcessFamily? requestedFamily;
    // One reader at a time, the reader thread or the pipeline thread, and each read is posted before it is let go:
    // so nothing is read twice or out of order.
    private readonly object receiveLock = new();

    // Set while the pipeline thread reads (TryPull); the reader thread stands back until pullEnded, or a while.
    private readonly ManualResetEventSlim pullEnded = new(true);
    private volatile bool pulling;

    // The reader runs until the peer ends, the connection breaks, or a close asks it to stop; while the process
    // closes it drops what it reads, so unread input cannot turn a graceful close into a reset.
    private readonly TaskCompletionSource readerStopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int readerState;
    private volatile bool stopReading;
    private Socket? socket;
    private SendQueue? sender;
    private double? connectTimeout;
    private bool eofQueued;
    private int brokenPosted;

    private StreamProcess(
        ProcessTable table, ProcessKind kind, ProcessProtocol protocol, string? host, object? service, ProcessFamily? family)
        : base(table, kind, protocol, host, service, family ?? ProcessFamily.IPv4)
    {
        requestedFamily = family;
    }

    /// <summary>
    /// A client not yet connected (a byte stream, or with <see cref="ProcessProtocol.SeqPacket"/> a unix socket that
    /// keeps message boundaries); bad ports and service names fail here, before anything exists. Its connect, name
    /// lookup included, gives up after <paramref name="connectTimeout"/> seconds (null: no limit but the system's).
    /// </summary>
    public static StreamProcess CreateClient(
        ProcessTable table,
        string? host,
        object? service,
        ProcessFamily? family,
        ProcessProtocol protocol = ProcessProtocol.Stream,
        double? connectTimeout = null)
    {
        Endpoints.Validate(host, service, family, protocol, server: false);
        return new StreamProcess(table, ProcessKind.Client, protocol, family == ProcessFamily.Local ? null : host, service, family)
        {
            connectTimeout = connectTimeout,
        };
    }

    /// <summary>A connection a server accepted; the server names it and lists it.</summary>
    internal static StreamProcess ForAccepted(
        ProcessTable table, Socket accepted, ProcessProtocol protocol, string? host, object? service, ProcessFamily family)
    {
        var connection = new StreamProcess(table, ProcessKind.Connection, protocol, host, service, family);
        accepted.Blocking = false;
        connection.Attach(accepted);
        connection.LocalEndPoint = accepted.LocalEndPoint;
        connection.RemoteEndPoint = accepted.RemoteEndPoint;
        connection.Status = ProcessStatus.Open;
        return connection;
    }

    /// <summary>
    /// Resolves the host and connects, trying each address in order as Emacs does, all within the connect timeout.
    /// Sets the endpoints but not the status: a blocking caller marks it open, a background connect posts the change.
    /// <paramref name="trace"/>, if given, hears each step (on whatever thread takes it) for the user's -Verbose.
    /// </summary>
    public async Task ConnectAsync(CancellationToken cancel, Action<string>? trace = null)
    {
        string address = HostAndService;
        var deadline = Timeouts.DeadlineAfter(connectTimeout);
        try
        {
            await ConnectBeforeAsync(address, deadline, cancel, trace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            string why = requestedFamily == ProcessFamily.Local
                ? "its server's backlog stayed full (a suspended or busy server)"
                : "the host may be down, a firewall may drop the packets, or the server's backlog is full";

            // ETIMEDOUT inside, so a background connect reports "failed with code 110", as Emacs reports errno codes.
            throw new NetProcException(
                NetProcError.ConnectTimeout,
                $"{address} did not accept the connection within {connectTimeout} seconds: {why}. Try again later, or give a longer -Timeout.",
                address,
                new SocketException((int)SocketError.TimedOut));
        }
    }

    /// <summary>Connects, or throws <see cref="TimeoutException"/> once <paramref name="deadline"/> passes.</summary>
    private async Task ConnectBeforeAsync(string address, DateTime deadline, CancellationToken cancel, Action<string>? trace)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, Closing);
        var endpoints = await Endpoints.ForConnectAsync(Host, Service, requestedFamily, Protocol, linked.Token)
            .WaitAsync(Timeouts.LeftForWait(deadline), linked.Token)
            .ConfigureAwait(false);
        trace?.Invoke($"{address} is {string.Join(", ", endpoints.Select(e => e.ToString()))}.");
        SocketException? last = null;
        EndPoint? failed = null;
        foreach (var endpoint in endpoints)
        {
            trace?.Invoke($"Connecting to {endpoint}...");
            var attempt = Endpoints.NewSocket(endpoint, Protocol);
            try
            {
                await Task.Run(() => ConnectOutsideEventLoop(attempt, endpoint, deadline, linked.Token), linked.Token).ConfigureAwait(false);
                Attach(attempt);
                Family = Endpoints.FamilyOf(endpoint);
                LocalEndPoint = attempt.LocalEndPoint;
                RemoteEndPoint = attempt.RemoteEndPoint;
                if (TransportClosed)
                {
                    attempt.Dispose();
                }

                return;
            }
            catch (SocketException e)
            {
                attempt.Dispose();
                trace?.Invoke($"{endpoint}: {e.Message}");
                last = e;
                failed = endpoint;
            }
            catch
            {
                attempt.Dispose();
                throw;
            }
        }

        throw SocketFailure(last!, address, failed!, "connect");
    }

    /// <summary>
    /// Connects a non-blocking socket and waits with <c>poll()</c>, not with .NET's event loop: a socket that loop never
    /// had to watch stays out of its epoll set, which the client's reader thread needs (see <see cref="ReadOnOwnThread"/>).
    /// A peer that never answers (a full backlog, a filtered port) is given up at <paramref name="deadline"/>.
    /// </summary>
    private static void ConnectOutsideEventLoop(Socket attempt, EndPoint endpoint, DateTime deadline, CancellationToken cancel)
    {
        if (endpoint is UnixDomainSocketEndPoint)
        {
            ConnectUnix(attempt, endpoint, deadline, cancel);
            return;
        }

        attempt.Blocking = false;
        try
        {
            attempt.Connect(endpoint);
            return;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            // The handshake goes on; poll for its end below.
        }

        while (!attempt.Poll(Timeouts.NextSlice(deadline), SelectMode.SelectWrite))
        {
            cancel.ThrowIfCancellationRequested();
            if (Timeouts.HasPassed(deadline))
            {
                throw new TimeoutException();
            }
        }

        if (attempt.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is int code && code != 0)
        {
            throw new SocketException(code);
        }
    }

    /// <summary>
    /// A unix socket's connect only waits for room in the server's backlog, and a non-blocking one fails at once when
    /// there is none (a suspended server, say), so it blocks here, in slices short enough to hear a cancel and the
    /// deadline, as Emacs's blocking connect waits. Then the socket turns non-blocking for its reader.
    /// </summary>
    private static void ConnectUnix(Socket attempt, EndPoint endpoint, DateTime deadline, CancellationToken cancel)
    {
        while (true)
        {
            // SO_SNDTIMEO bounds the blocking connect; 0 would mean no bound, hence at least 1 ms.
            attempt.SendTimeout = Math.Max(1, (int)Timeouts.NextSlice(deadline).TotalMilliseconds);
            try
            {
                attempt.Connect(endpoint);
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.TimedOut)
            {
                cancel.ThrowIfCancellationRequested();
                if (Timeouts.HasPassed(deadline))
                {
                    throw new TimeoutException();
                }
            }
        }

        attempt.SendTimeout = 0;
        attempt.Blocking = false;
    }

    /// <summary>Connects in the background (<c>-NoWait</c>): posts <c>open</c> or <c>failed</c>, then reads.</summary>
    public void ConnectInBackground()
    {
        _ = Task.Run(async () =>
        {
            try
            {
                await ConnectAsync(CancellationToken.None).ConfigureAwait(false);
                Post(new StatusChange(ProcessStatus.Open, 0, "open\n"));
                BeginReading();
            }
            catch (Exception) when (TransportClosed)
            {
                // Removed while connecting: nothing to report.
            }
            catch (NetProcException e)
            {
                object code = e.Error == NetProcError.HostNotFound
                    ? $"Name lookup of {e.Target} failed"
                    : e.InnerException is SocketException s ? s.NativeErrorCode : -1;
                Post(new StatusChange(ProcessStatus.Failed, code, $"failed with code {code}\n", e));
            }
            catch (Exception e)
            {
                Post(new StatusChange(ProcessStatus.Failed, -1, $"failed with code {e.Message}\n", e));
            }
        });
    }

    /// <summary>
    /// Starts reading once the socket is connected. A client reads on a thread of its own; a server's connections,
    /// which may be thousands, share the thread pool.
    /// </summary>
    public void BeginReading()
    {
        if (Interlocked.CompareExchange(ref readerState, ReaderRunning, ReaderNotStarted) != ReaderNotStarted)
        {
            return;
        }

        if (Kind == ProcessKind.Client)
        {
            new Thread(ReadOnOwnThread, ReaderStackSize) { IsBackground = true, Name = "NetProc client reader" }.Start();
        }
        else
        {
            _ = ReadLoopAsync();
        }
    }

    /// <summary>
    /// Queues bytes (or, with <paramref name="eof"/>, a half-close) behind everything sent before and writes them in
    /// order. The task completes when the kernel has taken them (not when the peer has: see
    /// <see cref="UndeliveredBytes"/>); on loopback that is usually before this returns.
    /// </summary>
    public override Task SendAsync(ReadOnlyMemory<byte> data, bool eof)
    {
        if (Status != ProcessStatus.Open || TransportClosed || sender is null)
        {
            return base.SendAsync(data, eof);
        }

        if (eofQueued)
        {
            throw new NetProcException(
                NetProcError.OutputClosed, $"Process {Name} has already sent end-of-file; it can only receive now.", this);
        }

        eofQueued |= eof;
        return sender.Enqueue(data, eof);
    }

    /// <summary>
    /// Bytes sent that the peer has not yet taken: still queued here, or in the kernel and not yet acknowledged by the
    /// peer (for a unix socket: not yet read by it). Linux tells the kernel's part; elsewhere only the queue counts.
    /// </summary>
    internal override long UndeliveredBytes =>
        Math.Max(0, sender?.QueuedBytes ?? 0) + (socket is { } sock && !TransportClosed ? SocketQueues.Unacknowledged(sock) : 0);

    protected override void ReleaseTransport(bool abort)
    {
        pulling = false;
        pullEnded.Set();
        if (socket is not { } sock)
        {
            // Still connecting: the connect attempt closes its own socket when it sees the process closed.
            return;
        }

        if (abort || Linger <= 0)
        {
            Abort(sock, abort ? $"Process {Name} was removed with -Abort; the connection was reset." : $"Process {Name} closed with no linger time; the connection was reset.");
            return;
        }

        if (readerStopped.Task.IsCompleted && sender!.Idle().IsCompleted)
        {
            // The peer ended (or broke) the connection and nothing waits to be written: a plain close is a FIN after
            // whatever the kernel still holds, and no input can come to turn it into a reset.
            SocketCloser.Close(sock);
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(static process => _ = process.CloseGracefullyAsync(), this, preferLocal: false);
    }

    /// <summary>A connected socket: the process reads and writes it from now on.</summary>
    private void Attach(Socket connected)
    {
        sender = new SendQueue(connected, Protocol == ProcessProtocol.SeqPacket, () => Name, CountSent, PostBroken);
        socket = connected;
    }

    /// <summary>
    /// A graceful close, off the pipeline thread: everything queued is written, then the FIN; the socket closes once
    /// the peer has acknowledged it all (or ended its side), so a peer still sending cannot provoke a reset that would
    /// drop what it was still to receive. Meanwhile whatever arrives is read and dropped. Past <see cref="NetProcess.Linger"/>
    /// seconds it gives up and resets the connection.
    /// </summary>
    private async Task CloseGracefullyAsync()
    {
        var sock = socket!;
        var deadline = Timeouts.DeadlineAfter(Linger);
        if (Interlocked.CompareExchange(ref readerState, ReaderDone, ReaderNotStarted) == ReaderNotStarted)
        {
            readerStopped.TrySetResult();
        }

        try
        {
            if (!await Within(sender!.Idle(), deadline).ConfigureAwait(false) || !await PeerTookEverything(sock, deadline).ConfigureAwait(false))
            {
                // Told to a Send still waiting, and kept where a script holding the process can see it.
                LastError = new NetProcException(
                    NetProcError.SendFailed,
                    $"Process {Name} closed, and its peer did not take everything sent within its linger time ({Linger} s): the connection was reset.",
                    this);
                Abort(sock, LastError.Message);
                return;
            }

            // Not shutdown(SHUT_RD) to stop the reader: Linux then stops announcing a reopened window, and a peer
            // still sending would hang on a zero window. Disposing wakes a reader still waiting, and after our own
            // shutdown(SHUT_WR) .NET closes without a reset.
            stopReading = true;
            DiscardInput(sock);
            sock.Dispose();
        }
        catch (Exception)
        {
            // The socket failed while closing (a reset, say): nothing is left to deliver.
            SocketCloser.Close(sock);
        }
    }

    /// <summary>
    /// Sends the FIN, then whether the peer acknowledged every byte and the FIN before the deadline, or ended its own
    /// side (its FIN came, so nothing more will arrive to provoke a reset). Only Linux tells; elsewhere the kernel
    /// finishes after close.
    /// </summary>
    private async Task<bool> PeerTookEverything(Socket sock, DateTime deadline)
    {
        ShutdownQuietly(sock, SocketShutdown.Send);
        if (sock.ProtocolType != ProtocolType.Tcp || !SocketQueues.CanTell)
        {
            return true;
        }

        for (int pause = 1; ; pause = Math.Min(pause * 2, 100))
        {
            if (readerStopped.Task.IsCompleted || SocketQueues.Unacknowledged(sock) == 0)
            {
                return true;
            }

            if (Timeouts.HasPassed(deadline))
            {
                return false;
            }

            var wakeUp = DateTime.UtcNow.AddMilliseconds(pause);
            await Within(readerStopped.Task, wakeUp < deadline ? wakeUp : deadline).ConfigureAwait(false);
        }
    }

    /// <summary>Resets the connection at once, failing what was not yet written with <paramref name="reason"/>.</summary>
    private void Abort(Socket sock, string reason)
    {
        sender?.FailAll(new NetProcException(NetProcError.SendFailed, reason, this));
        stopReading = true;
        try
        {
            sock.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset or closed.
        }

        SocketCloser.Close(sock);
    }

    /// <summary>Whether <paramref name="task"/> completes before <paramref name="deadline"/>.</summary>
    private static async Task<bool> Within(Task task, DateTime deadline)
    {
        try
        {
            await task.WaitAsync(Timeouts.LeftForWait(deadline)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Not in time.
        }

        return task.IsCompleted;
    }

    private static void ShutdownQuietly(Socket sock, SocketShutdown how)
    {
        try
        {
            sock.Shutdown(how);
        }
        catch (SocketException)
        {
            // Already shut down, or the peer is gone: either way that direction is done.
        }
    }

    /// <summary>Reads and drops what the kernel holds, so the close is a FIN rather than a reset.</summary>
    private static void DiscardInput(Socket sock)
    {
        byte[] scrap = ArrayPool<byte>.Shared.Rent(MaxReadSize);
        try
        {
            for (int i = 0; i < MaxDiscardReads; i++)
            {
                int n = sock.Receive(scrap, SocketFlags.None, out var error);
                if (error != SocketError.Success || n == 0)
                {
                    break;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scrap);
        }
    }

    /// <summary>
    /// A client's read loop: <c>poll()</c> then a non-blocking <c>recv()</c> on a socket outside .NET's epoll set, so the
    /// kernel wakes this thread directly. On Linux this costs about half the CPU per byte of awaited reads, whose
    /// every arrival also wakes the event-loop thread and then a pool thread.
    /// </summary>
    private void ReadOnOwnThread()
    {
        var sock = socket!;
        bool lastReadFull = false;
        try
        {
            while (true)
            {
                ReadPermission().Wait();
                if (pulling)
                {
                    // The pipeline thread reads; take over again if it does not come back for more.
                    if (!pullEnded.Wait(PullPatienceMs))
                    {
                        pulling = false;
                    }

                    lastReadFull = false;
                    continue;
                }

                if (!lastReadFull)
                {
                    // Wait for data without taking it: a suspend that comes meanwhile leaves it in the kernel.
                    sock.Poll(-1, SelectMode.SelectRead);
                    ReadPermission().Wait();
                }

                if (stopReading)
                {
                    return;
                }

                lock (receiveLock)
                {
                    if (pulling)
                    {
                        continue;
                    }

                    var read = ReadOnce(sock);
                    if (read == ReadResult.Ended)
                    {
                        return;
                    }

                    lastReadFull = read == ReadResult.Full;
                }
            }
        }
        catch (Exception e)
        {
            PostBroken(e);
        }
        finally
        {
            ReaderEnded();
        }
    }

    private void ReaderEnded()
    {
        Volatile.Write(ref readerState, ReaderDone);
        readerStopped.TrySetResult();
    }

    private enum ReadResult { Drained, Partial, Full, Ended }

    /// <summary>One non-blocking read, posted; on the reader thread or the pipeline thread, under <see cref="receiveLock"/>.</summary>
    private ReadResult ReadOnce(Socket sock)
    {
        byte[] block = ArrayPool<byte>.Shared.Rent(MaxReadSize);
        int n = sock.Receive(block.AsSpan(0, MaxReadSize), SocketFlags.None, out var error);
        if (error != SocketError.Success)
        {
            ArrayPool<byte>.Shared.Return(block);
            if (error != SocketError.WouldBlock)
            {
                throw new SocketException((int)error);
            }

            return ReadResult.Drained;
        }

        return !PostRead(block, n) ? ReadResult.Ended : n == MaxReadSize ? ReadResult.Full : ReadResult.Partial;
    }

    internal override bool TryPull(int lingerMicroseconds)
    {
        if (Kind != ProcessKind.Client || socket is not { } sock || Status != ProcessStatus.Open || !WindowOpen)
        {
            return false;
        }

        pullEnded.Reset();
        pulling = true;
        var last = ReadAvailable(sock, out bool got);

        // A reply most often comes within a moment: waiting for it here takes one wake-up, where handing the socket
        // back to the reader thread takes two (the reader's, then this thread's).
        if (last == ReadResult.Drained && lingerMicroseconds > 0 && PollQuietly(sock, lingerMicroseconds))
        {
            last = ReadAvailable(sock, out got);
        }

        if (last != ReadResult.Full)
        {
            // Caught up with the peer: the reader thread watches the socket again while the pipeline thread sleeps.
            pulling = false;
            pullEnded.Set();
        }

        return got;
    }

    /// <summary>Reads what waits in the kernel, up to the window; the result of the last read.</summary>
    private ReadResult ReadAvailable(Socket sock, out bool got)
    {
        got = false;
        var last = ReadResult.Drained;
        try
        {
            lock (receiveLock)
            {
                while (WindowOpen)
                {
                    last = ReadOnce(sock);
                    got |= last != ReadResult.Drained;
                    if (last != ReadResult.Full)
                    {
                        break;
                    }
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            PostBroken(e);
            got = true;
            last = ReadResult.Ended;
        }

        return last;
    }

    private static bool PollQuietly(Socket sock, int microseconds)
    {
        try
        {
            return sock.Poll(microseconds, SelectMode.SelectRead);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    /// <summary>The read loop of a server's connections: awaited reads on the thread pool, so thousands need no thread each.</summary>
    private async Task ReadLoopAsync()
    {
        var sock = socket!;
        bool byteStream = Protocol == ProcessProtocol.Stream;
        bool lastReadFull = false;
        try
        {
            while (true)
            {
                await ReadPermission().ConfigureAwait(false);

                // After a full read more most likely waits: read at once. Otherwise wait for data without a block (it
                // completes at once if data is there): an idle connection holds no block, and a suspend that comes
                // while waiting leaves the data in the kernel, where TCP flow control pushes back. (Only for byte
                // streams: a zero-byte read would swallow a whole seqpacket message.)
                if (byteStream && !lastReadFull)
                {
                    await sock.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                    await ReadPermission().ConfigureAwait(false);
                }

                if (stopReading)
                {
                    return;
                }

                byte[] block = ArrayPool<byte>.Shared.Rent(MaxReadSize);
                int n;
                try
                {
                    // No cancellation token: closing disposes the socket, which ends a pending read at once.
                    n = await sock.ReceiveAsync(block.AsMemory(0, MaxReadSize), SocketFlags.None).ConfigureAwait(false);
                }
                catch
                {
                    ArrayPool<byte>.Shared.Return(block);
                    throw;
                }

                if (!PostRead(block, n))
                {
                    return;
                }

                lastReadFull = n == MaxReadSize;
            }
        }
        catch (Exception e)
        {
            PostBroken(e);
        }
        finally
        {
            ReaderEnded();
        }
    }

    /// <summary>
    /// Posts the bytes one read put in a pooled block; false when the read found the peer's close. A block at least
    /// half full travels as the chunk and goes back to the pool when its bytes are taken: the kernel copies into
    /// blocks warm in the cache, and a chunk waiting in the window lives in memory the GC never has to move. A smaller
    /// read is copied out at once, so the blocks under a process's chunks never hold more than twice its window.
    /// </summary>
    private bool PostRead(byte[] block, int n)
    {
        if (TransportClosed)
        {
            // Closing: what still arrives is dropped.
            ArrayPool<byte>.Shared.Return(block);
            return n != 0;
        }

        if (n >= block.Length / 2)
        {
            PostData(block, n, null, pooled: true);
            return true;
        }

        byte[] bytes = block.AsSpan(0, n).ToArray();
        ArrayPool<byte>.Shared.Return(block);
        if (n == 0)
        {
            PostBroken(null);
            return false;
        }

        PostData(bytes, n, null);
        return true;
    }

    /// <summary>Reports the peer's close or reset, once, whichever of reader and writer notices first; not after a local close.</summary>
    private void PostBroken(Exception? error)
    {
        if (!TransportClosed && Interlocked.Exchange(ref brokenPosted, 1) == 0)
        {
            Post(new StatusChange(ProcessStatus.Closed, 256, "connection broken by remote peer\n", error));
        }
    }
}
