using System.Net.Sockets;

namespace NetProc.Engine;

/// <summary>
/// A stream connection: a client (TCP or unix socket) or a connection a server accepted. It connects, then moves its
/// bytes through its transport (<see cref="IStreamTransport"/>): a <see cref="StreamReceiver"/> reads into the inbox,
/// a <see cref="SendQueue"/> writes in order, and a close is graceful: what was sent reaches the peer first.
/// </summary>
public sealed class StreamProcess : NetworkProcess
{
    private readonly ProcessFamily? requestedFamily;
    private double? connectTimeout;
    private IStreamTransport? transport;
    private StreamReceiver? receiver;
    private SendQueue? sender;
    private bool eofQueued;
    private int brokenPosted;

    private StreamProcess(
        ProcessTable table, ProcessKind kind, ProcessSocketType socketType, string? host, object? service, ProcessFamily? family)
        : base(table, kind, socketType, host, service, family ?? ProcessFamily.IPv4)
    {
        requestedFamily = family;
    }

    /// <summary>
    /// A client not yet connected (a byte stream, or with <see cref="ProcessSocketType.SeqPacket"/> a unix socket that
    /// keeps message boundaries); bad ports and service names fail here, before anything exists. Its connect, name
    /// lookup included, gives up after <paramref name="connectTimeout"/> seconds (null: no limit but the system's).
    /// </summary>
    internal static StreamProcess CreateClient(
        ProcessTable table,
        string? host,
        object? service,
        ProcessFamily? family,
        ProcessSocketType socketType = ProcessSocketType.Stream,
        double? connectTimeout = null)
    {
        Endpoints.Validate(host, service, family, socketType, server: false);
        return new StreamProcess(table, ProcessKind.Client, socketType, family == ProcessFamily.Local ? null : host, service, family)
        {
            connectTimeout = connectTimeout,
            Status = ProcessStatus.Connect,
        };
    }

    /// <summary>A connection a server accepted; the server names it and lists it.</summary>
    internal static StreamProcess ForAccepted(
        ProcessTable table, Socket accepted, ProcessSocketType socketType, string? host, object? service, ProcessFamily family)
    {
        var connection = new StreamProcess(table, ProcessKind.Connection, socketType, host, service, family);
        connection.Attach(new SocketTransport(accepted));
        connection.Status = ProcessStatus.Open;
        return connection;
    }

    /// <summary>
    /// Connects before the caller goes on (a blocking <c>New-NetworkProcess</c>), and the process is open.
    /// <paramref name="trace"/>, if given, hears each step (on whatever thread takes it) for the user's -Verbose.
    /// </summary>
    internal async Task ConnectAsync(CancellationToken cancel, Action<string>? trace = null)
    {
        await AttachConnectedAsync(cancel, trace).ConfigureAwait(false);
        Status = ProcessStatus.Open;
    }

    /// <summary>Starts reading once listed; a client made to connect in the background (<c>-NoWait</c>) connects first.</summary>
    internal override void Start()
    {
        if (receiver is { } connected)
        {
            connected.Start();
        }
        else
        {
            _ = ConnectInBackgroundAsync();
        }
    }

    /// <summary>
    /// Queues bytes (or, with <paramref name="eof"/>, a half-close) behind everything sent before and writes them in
    /// order. The task completes when the transport has taken them (not when the peer has: see
    /// <see cref="UndeliveredBytes"/>); on loopback that is usually before this returns.
    /// </summary>
    internal override Task SendAsync(ReadOnlyMemory<byte> data, bool eof)
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
    /// Bytes sent that the peer has not yet taken: still queued here, or sent and not yet acknowledged by the peer
    /// (where the transport can tell: Linux sockets).
    /// </summary>
    internal override long UndeliveredBytes =>
        Math.Max(0, sender?.QueuedBytes ?? 0) + (transport is { } open && !TransportClosed ? open.Unacknowledged : 0);

    internal override bool TryPull(int lingerMicroseconds) =>
        Status == ProcessStatus.Open && receiver is { } reading && reading.TryPull(lingerMicroseconds);

    /// <summary>Reports the peer's close or reset, once, whichever of reader and writer notices first; not after a local close.</summary>
    internal void PostBroken(Exception? error)
    {
        if (!TransportClosed && Interlocked.Exchange(ref brokenPosted, 1) == 0)
        {
            Post(new StatusChange(ProcessStatus.Closed, 256, "connection broken by remote peer\n", error));
        }
    }

    private protected override void ReleaseTransport(bool abort)
    {
        receiver?.BeginClose();
        if (transport is not { } open)
        {
            // Still connecting: the connect closes what it made when it sees the process closed.
            return;
        }

        if (abort || Linger <= 0)
        {
            Abort(open, abort ? $"Process {Name} was removed with -Abort; the connection was reset." : $"Process {Name} closed with no linger time; the connection was reset.");
            return;
        }

        if (receiver!.Stopped.IsCompleted && sender!.Idle().IsCompleted)
        {
            // The peer ended (or broke) the connection and nothing waits to be written: a plain close is a FIN after
            // whatever the system still holds, and no input can come to turn it into a reset.
            open.Close();
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(static process => _ = process.CloseGracefullyAsync(), this, preferLocal: false);
    }

    /// <summary>Connects and takes the connected socket as the transport; the endpoints and family become the real ones.</summary>
    private async Task AttachConnectedAsync(CancellationToken cancel, Action<string>? trace)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, Closing);
        var socket = await SocketConnector.ConnectAsync(Host, Service, requestedFamily, SocketType, HostAndService, connectTimeout, linked.Token, trace)
            .ConfigureAwait(false);
        Family = Endpoints.FamilyOf(socket.RemoteEndPoint!);
        var connected = new SocketTransport(socket);
        Attach(connected);

        // Removed while connecting: the close found no transport to close, so close it here (the barrier orders the
        // attach before the look, as the close's flag comes before its look at the transport).
        Interlocked.MemoryBarrier();
        if (TransportClosed)
        {
            connected.Close();
            throw new OperationCanceledException();
        }
    }

    /// <summary>Connects in the background (<c>-NoWait</c>): posts <c>open</c> or <c>failed</c>, then reads.</summary>
    private async Task ConnectInBackgroundAsync()
    {
        try
        {
            await AttachConnectedAsync(CancellationToken.None, null).ConfigureAwait(false);
            Post(new StatusChange(ProcessStatus.Open, 0, "open\n"));
            receiver!.Start();
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
    }

    /// <summary>A connected transport: the process reads and writes it from now on.</summary>
    private void Attach(IStreamTransport connected)
    {
        sender = new SendQueue(connected, () => Name, CountSent, PostBroken);
        receiver = new StreamReceiver(this, connected);
        LocalEndPoint = connected.LocalEndPoint;
        RemoteEndPoint = connected.RemoteEndPoint;
        transport = connected;
    }

    /// <summary>
    /// A graceful close, off the pipeline thread: everything queued is written, then the end of output; the transport
    /// closes once the peer has taken it all (or ended its side), so a peer still sending cannot provoke a reset that
    /// would drop what it was still to receive. Meanwhile the reader reads and drops what arrives. Past
    /// <see cref="ProcessObject.Linger"/> seconds it gives up and resets the connection.
    /// </summary>
    private async Task CloseGracefullyAsync()
    {
        var open = transport!;
        var deadline = Timeouts.DeadlineAfter(Linger);
        try
        {
            if (!await Timeouts.Within(sender!.Idle(), deadline).ConfigureAwait(false) || !await FinishOutputAsync(open, deadline).ConfigureAwait(false))
            {
                // Told to a Send still waiting, and kept where a script holding the process can see it.
                var gaveUp = new NetProcException(
                    NetProcError.SendFailed,
                    $"Process {Name} closed, and its peer did not take everything sent within its linger time ({Linger} s): the connection was reset.",
                    this);
                RecordError(gaveUp);
                Abort(open, gaveUp.Message);
                return;
            }

            receiver!.Stop();
            open.DiscardInput();
            open.Close();
        }
        catch (Exception)
        {
            // The connection failed while closing (a reset, say): nothing is left to deliver.
            open.Close();
        }
    }

    /// <summary>Ends the output, then whether the peer took everything before the deadline (or ended its own side).</summary>
    private Task<bool> FinishOutputAsync(IStreamTransport open, DateTime deadline)
    {
        try
        {
            open.ShutdownWrite();
        }
        catch (SocketException)
        {
            // Already shut down, or the peer is gone: either way that direction is done.
        }

        return open.PeerTookEverythingAsync(deadline, receiver!.Stopped);
    }

    /// <summary>Resets the connection at once, failing what was not yet written with <paramref name="reason"/>.</summary>
    private void Abort(IStreamTransport open, string reason)
    {
        sender?.FailAll(new NetProcException(NetProcError.SendFailed, reason, this));
        receiver?.Stop();
        open.Abort();
    }
}
