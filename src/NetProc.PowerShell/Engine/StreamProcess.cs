using System.Net;
using System.Net.Sockets;

namespace NetProc.Engine;

/// <summary>A stream connection: a client (TCP or unix socket) or a connection a server accepted.</summary>
public sealed class StreamProcess : NetworkProcess
{
    private const int ReadSize = 64 * 1024;

    private readonly object sendGate = new();
    private readonly Queue<PendingWrite> sendQueue = new();
    private readonly ProcessFamily? requestedFamily;
    private Socket? socket;
    private bool draining;
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
    /// keeps message boundaries); bad ports and service names fail here, before anything exists.
    /// </summary>
    public static StreamProcess CreateClient(
        ProcessTable table, string? host, object? service, ProcessFamily? family, ProcessProtocol protocol = ProcessProtocol.Stream)
    {
        Endpoints.Validate(host, service, family, protocol, server: false);
        return new StreamProcess(table, ProcessKind.Client, protocol, family == ProcessFamily.Local ? null : host, service, family);
    }

    /// <summary>A connection a server accepted; the server names it and lists it.</summary>
    internal static StreamProcess ForAccepted(
        ProcessTable table, Socket accepted, ProcessProtocol protocol, string? host, object? service, ProcessFamily family)
    {
        var connection = new StreamProcess(table, ProcessKind.Connection, protocol, host, service, family) { socket = accepted };
        connection.LocalEndPoint = accepted.LocalEndPoint;
        connection.RemoteEndPoint = accepted.RemoteEndPoint;
        connection.Status = ProcessStatus.Open;
        return connection;
    }

    /// <summary>
    /// Resolves the host and connects, trying each address in order as Emacs does. Sets the endpoints but not the
    /// status: a blocking caller marks it open, a background connect posts the change.
    /// </summary>
    public async Task ConnectAsync(CancellationToken cancel)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, Closing);
        var endpoints = await Endpoints.ForConnectAsync(Host, Service, requestedFamily, linked.Token).ConfigureAwait(false);
        SocketException? last = null;
        foreach (var endpoint in endpoints)
        {
            var attempt = Endpoints.NewSocket(endpoint, Protocol);
            try
            {
                await attempt.ConnectAsync(endpoint, linked.Token).ConfigureAwait(false);
                socket = attempt;
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
                last = e;
            }
            catch
            {
                attempt.Dispose();
                throw;
            }
        }

        string address = requestedFamily == ProcessFamily.Local ? $"{Service}" : $"{Host ?? Endpoints.DefaultHost(requestedFamily)}:{Service}";
        throw SocketFailure(last!, address, "connect");
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

    /// <summary>Starts the read loop once the socket is connected.</summary>
    public void BeginReading() => _ = ReadLoopAsync();

    /// <summary>
    /// Queues bytes (or, with <paramref name="eof"/>, a half-close) behind everything sent before and writes them in
    /// order. The task completes when they are written; on loopback that is usually before this returns.
    /// </summary>
    public override Task SendAsync(ReadOnlyMemory<byte> data, bool eof)
    {
        if (Status != ProcessStatus.Open || TransportClosed || socket is null)
        {
            return base.SendAsync(data, eof);
        }

        if (eofQueued)
        {
            throw new NetProcException(
                NetProcError.OutputClosed, $"Process {Name} has already sent end-of-file; it can only receive now.", this);
        }

        var write = new PendingWrite(data, eof);
        lock (sendGate)
        {
            eofQueued |= eof;
            sendQueue.Enqueue(write);
            if (draining)
            {
                return write.Done.Task;
            }

            draining = true;
        }

        _ = DrainAsync();
        return write.Done.Task;
    }

    protected override void ReleaseTransport()
    {
        // Closing a socket costs system calls; the pipeline thread, which closes connections as they end, hands
        // that to the thread pool.
        if (socket is { } closing)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Dispose(), closing, preferLocal: false);
        }

        FailPendingWrites(new NetProcException(NetProcError.ProcessNotRunning, $"Process {Name} was closed.", this));
    }

    private async Task ReadLoopAsync()
    {
        var sock = socket!;
        bool byteStream = Protocol == ProcessProtocol.Stream;
        bool lastReadFull = false;
        bool fresh = true;
        try
        {
            while (true)
            {
                await ReadPermission().ConfigureAwait(false);

                // After a full read more is most likely waiting: read a whole block without asking first. A fresh
                // connection goes straight to waiting, which costs nothing extra if data is already there.
                int waiting = !byteStream || lastReadFull ? ReadSize : fresh ? 0 : sock.Available;
                fresh = false;
                if (waiting == 0)
                {
                    // Wait for data without a buffer: an idle connection holds no read block, and a suspend that
                    // comes while waiting leaves the data in the kernel, where TCP flow control pushes back.
                    // (Only for byte streams: a zero-byte read would swallow a whole seqpacket message.)
                    await sock.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                    await ReadPermission().ConfigureAwait(false);
                    waiting = sock.Available;
                }

                if (TransportClosed)
                {
                    return;
                }

                // Read straight into an array of the size that waits, so the chunk needs no second copy.
                byte[] block = GC.AllocateUninitializedArray<byte>(Math.Clamp(waiting, 1, ReadSize));
                // No cancellation token: closing disposes the socket, which ends a pending read at once.
                int n = await sock.ReceiveAsync(block, SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                {
                    PostBroken(null);
                    return;
                }

                lastReadFull = n == ReadSize;
                PostData(n == block.Length ? block : block.AsSpan(0, n).ToArray(), n, null);
            }
        }
        catch (Exception e)
        {
            if (!TransportClosed)
            {
                PostBroken(e);
            }
        }
    }

    /// <summary>Reports the peer's close or reset, once, whichever of reader and writer notices first.</summary>
    private void PostBroken(Exception? error)
    {
        if (Interlocked.Exchange(ref brokenPosted, 1) == 0)
        {
            Post(new StatusChange(ProcessStatus.Closed, 256, "connection broken by remote peer\n", error));
        }
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            PendingWrite write;
            lock (sendGate)
            {
                if (!sendQueue.TryDequeue(out write!))
                {
                    draining = false;
                    return;
                }
            }

            try
            {
                if (write.Eof)
                {
                    socket!.Shutdown(SocketShutdown.Send);
                }

                var rest = write.Data;
                while (rest.Length > 0)
                {
                    int n = await socket!.SendAsync(rest, SocketFlags.None).ConfigureAwait(false);
                    CountSent(n);
                    rest = rest[n..];
                }

                write.Done.TrySetResult();
            }
            catch (Exception e)
            {
                var failure = new NetProcException(NetProcError.SendFailed, $"Process {Name} is no longer connected: {e.Message}", this, e);
                write.Done.TrySetException(failure);
                lock (sendGate)
                {
                    draining = false;
                }

                FailPendingWrites(failure);
                if (!TransportClosed)
                {
                    PostBroken(e);
                }

                return;
            }
        }
    }

    private void FailPendingWrites(Exception failure)
    {
        PendingWrite[] dropped;
        lock (sendGate)
        {
            if (sendQueue.Count == 0)
            {
                return;
            }

            dropped = sendQueue.ToArray();
            sendQueue.Clear();
        }

        foreach (var write in dropped)
        {
            write.Done.TrySetException(failure);
        }
    }

    private sealed class PendingWrite
    {
        public PendingWrite(ReadOnlyMemory<byte> data, bool eof)
        {
            Data = data;
            Eof = eof;
        }

        public ReadOnlyMemory<byte> Data { get; }

        public bool Eof { get; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
