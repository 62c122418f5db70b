using System.Net;
using System.Net.Sockets;

namespace NetProc.Engine;

/// <summary>A process over a socket: a stream client today; servers, accepted connections and datagrams slot in here.</summary>
public sealed class NetworkProcess : NetProcess
{
    private const int ReadSize = 64 * 1024;

    private readonly CancellationTokenSource closing = new();
    private readonly object sendGate = new();
    private readonly Queue<PendingWrite> sendQueue = new();
    private readonly int port;
    private readonly ProcessFamily? requestedFamily;
    private Socket? socket;
    private bool draining;
    private bool eofQueued;
    private int closed;
    private int brokenPosted;

    private NetworkProcess(ProcessTable table, ProcessKind kind, string? host, object? service, ProcessFamily? family, int port)
        : base(table, ProcessType.Network, kind)
    {
        Host = host;
        Service = service;
        Family = family ?? ProcessFamily.IPv4;
        Protocol = ProcessProtocol.Stream;
        requestedFamily = family;
        this.port = port;
    }

    /// <summary>A stream client not yet connected; bad ports and service names fail here, before anything exists.</summary>
    public static NetworkProcess CreateClient(ProcessTable table, string? host, object? service, ProcessFamily? family)
    {
        if (host is not null && string.IsNullOrWhiteSpace(host))
        {
            throw new NetProcException(NetProcError.InvalidEndpoint, "The host name is empty.", host);
        }

        if (family == ProcessFamily.Local)
        {
            throw new NetProcException(NetProcError.InvalidEndpoint, "Local (unix socket) clients are not supported yet.", family);
        }

        int port = ServiceNames.Resolve(service, allowZero: false);
        return new NetworkProcess(table, ProcessKind.Client, host, service, family, port);
    }

    protected override bool TransportClosed => Volatile.Read(ref closed) != 0;

    /// <summary>
    /// Resolves the host and connects, trying each address in order as Emacs does. Sets the endpoints but not the
    /// status: a blocking caller marks it open, a background connect posts the change.
    /// </summary>
    public async Task ConnectAsync(CancellationToken cancel)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, closing.Token);
        var addresses = await ResolveAsync(linked.Token).ConfigureAwait(false);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var attempt = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await attempt.ConnectAsync(new IPEndPoint(address, port), linked.Token).ConfigureAwait(false);
                socket = attempt;
                Family = address.AddressFamily == AddressFamily.InterNetworkV6 ? ProcessFamily.IPv6 : ProcessFamily.IPv4;
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

        throw SocketErrors.ForConnect(last!, DisplayAddress);
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
            catch (Exception e) when (TransportClosed)
            {
                // Removed while connecting: nothing to report.
                _ = e;
            }
            catch (NetProcException e)
            {
                object code = SocketErrors.ExitCode(e);
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
    public Task SendAsync(ReadOnlyMemory<byte> data, bool eof)
    {
        if (Status != ProcessStatus.Open || TransportClosed || socket is null)
        {
            throw new NetProcException(NetProcError.ProcessNotRunning, $"Process {Name} is not running.", this);
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

    internal override void CloseTransport()
    {
        if (Interlocked.Exchange(ref closed, 1) != 0)
        {
            return;
        }

        try
        {
            closing.Cancel();
        }
        catch (AggregateException)
        {
            // Registrations never throw here; nothing to do if one did.
        }

        socket?.Dispose();
        WakeReader();
        FailPendingWrites(new NetProcException(NetProcError.ProcessNotRunning, $"Process {Name} was closed.", this));
        Inbox.Clear();
    }

    private string DisplayAddress => $"{Host ?? DefaultHost}:{Service}";

    private string DefaultHost => requestedFamily == ProcessFamily.IPv6 ? "::1" : "127.0.0.1";

    private async Task<IPAddress[]> ResolveAsync(CancellationToken cancel)
    {
        string host = Host ?? DefaultHost;
        var wanted = requestedFamily switch
        {
            ProcessFamily.IPv4 => AddressFamily.InterNetwork,
            ProcessFamily.IPv6 => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unspecified,
        };

        IPAddress[] found;
        if (IPAddress.TryParse(host, out var literal))
        {
            found = new[] { literal };
        }
        else
        {
            try
            {
                found = await Dns.GetHostAddressesAsync(host, wanted, cancel).ConfigureAwait(false);
            }
            catch (SocketException e)
            {
                throw new NetProcException(NetProcError.HostNotFound, $"Host '{host}' could not be resolved: {e.Message}", host, e);
            }
        }

        var usable = found.Where(a => wanted == AddressFamily.Unspecified || a.AddressFamily == wanted).ToArray();
        if (usable.Length == 0)
        {
            throw new NetProcException(
                NetProcError.HostNotFound, $"Host '{host}' has no {requestedFamily?.ToString() ?? "IP"} address.", host);
        }

        return usable;
    }

    private async Task ReadLoopAsync()
    {
        var sock = socket!;
        bool dataLikelyWaiting = false;
        try
        {
            while (true)
            {
                await ReadPermission().ConfigureAwait(false);
                if (!dataLikelyWaiting)
                {
                    // Wait for data without a buffer: an idle connection holds no read block, and a suspend that
                    // comes while waiting leaves the data in the kernel, where TCP flow control pushes back.
                    await sock.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, closing.Token).ConfigureAwait(false);
                    await ReadPermission().ConfigureAwait(false);
                }

                if (TransportClosed)
                {
                    return;
                }

                byte[] block = GC.AllocateUninitializedArray<byte>(ReadSize);
                int n = await sock.ReceiveAsync(block.AsMemory(), SocketFlags.None, closing.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    PostBroken(null);
                    return;
                }

                dataLikelyWaiting = n == ReadSize;

                // A short read is copied out so a small chunk does not pin a whole read block.
                if (n < ReadSize / 2)
                {
                    block = block.AsSpan(0, n).ToArray();
                }

                PostData(block, n, null);
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
                var sock = socket ?? throw new NetProcException(NetProcError.ProcessNotRunning, $"Process {Name} is not connected.", this);
                if (write.Eof)
                {
                    sock.Shutdown(SocketShutdown.Send);
                }

                var rest = write.Data;
                while (rest.Length > 0)
                {
                    int n = await sock.SendAsync(rest, SocketFlags.None).ConfigureAwait(false);
                    CountSent(n);
                    rest = rest[n..];
                }

                write.Done.TrySetResult();
            }
            catch (Exception e)
            {
                var failure = e as NetProcException ?? new NetProcException(
                    NetProcError.SendFailed, $"Process {Name} is no longer connected: {e.Message}", this, e);
                write.Done.TrySetException(failure);
                FailPendingWrites(failure);
                if (!TransportClosed)
                {
                    PostBroken(e);
                }

                lock (sendGate)
                {
                    draining = false;
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
