using System.Net.Sockets;

namespace NetProc.Engine;

/// <summary>
/// A stream connection: a client (TCP or unix socket) or a connection a server accepted. It connects, then moves its
/// bytes through a <see cref="StreamChannel"/> over its transport (<see cref="IStreamTransport"/>).
/// </summary>
public sealed class StreamProcess : NetworkProcess
{
    private readonly ProcessFamily? requestedFamily;
    private double? connectTimeout;
    private TlsSettings? tlsSettings;
    private volatile bool upgrading;
    private StreamChannel? channel;

    private StreamProcess(
        ProcessTable table, ProcessKind kind, ProcessSocketType socketType, string? host, object? service, ProcessFamily? family)
        : base(table, kind, socketType, host, service, family ?? ProcessFamily.IPv4)
    {
        requestedFamily = family;
    }

    /// <summary>
    /// A client not yet connected (a byte stream, or with <see cref="ProcessSocketType.SeqPacket"/> a unix socket that
    /// keeps message boundaries); bad ports and service names fail here, before anything exists. Its connect, name
    /// lookup included, gives up after <paramref name="connectTimeout"/> seconds (null: no limit but the system's); with
    /// <paramref name="tls"/>, the TLS handshake that follows it shares that time.
    /// </summary>
    internal static StreamProcess CreateClient(
        ProcessTable table,
        string? host,
        object? service,
        ProcessFamily? family,
        ProcessSocketType socketType = ProcessSocketType.Stream,
        double? connectTimeout = null,
        TlsSettings? tls = null)
    {
        Endpoints.Validate(host, service, family, socketType, server: false);
        return new StreamProcess(table, ProcessKind.Client, socketType, family == ProcessFamily.Local ? null : host, service, family)
        {
            connectTimeout = connectTimeout,
            tlsSettings = tls,
            Security = tls is null ? ProcessSecurity.Plain : ProcessSecurity.Tls,
            Status = ProcessStatus.Connect,
        };
    }

    /// <summary>A connection a server accepted (over its TLS session, for a TLS server); the server names it and lists it.</summary>
    internal static StreamProcess ForAccepted(
        ProcessTable table, IStreamTransport accepted, ProcessSocketType socketType, string? host, object? service, ProcessFamily family)
    {
        var connection = new StreamProcess(table, ProcessKind.Connection, socketType, host, service, family);
        connection.Attach(accepted);
        connection.Status = ProcessStatus.Open;
        return connection;
    }

    /// <summary>What the TLS handshake settled (version, cipher suite, ALPN, the peer's certificate); null for a plain stream or before it.</summary>
    public TlsInfo? Tls { get; private set; }

    /// <summary>The server's greeting, as Open-NetworkStream -EndOfCommand read it (Emacs's <c>:return-list</c> <c>:greeting</c>); else null.</summary>
    public string? Greeting { get; internal set; }

    /// <summary>The server's answer to Open-NetworkStream's -CapabilityCommand (after STARTTLS: the one through TLS); else null.</summary>
    public string? Capabilities { get; internal set; }

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
        if (channel is { } connected)
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
        if (upgrading)
        {
            // Queued now, it would go out in the clear behind the handshake.
            throw new NetProcException(NetProcError.ProcessNotRunning, $"Process {Name} is negotiating TLS: send once Protect-NetworkProcess returned.", this);
        }

        return Status != ProcessStatus.Open || TransportClosed || channel is null
            ? base.SendAsync(data, eof)
            : channel.SendAsync(data, eof);
    }

    /// <summary>
    /// Turns this open plain connection into TLS in place (Emacs <c>gnutls-negotiate</c>, after a STARTTLS dialogue),
    /// as the TLS client, or with a server's <paramref name="tls"/> as the TLS server: what was sent is written first,
    /// reading stops at a read boundary, the handshake runs over the same socket within <paramref name="timeout"/>
    /// seconds, and a new channel reads and writes through TLS. Name, callbacks, buffer and suspension are kept. A TLS
    /// client's unread input stays ahead of everything read after; a TLS server's is the start of its client's
    /// handshake (the client starts as soon as it has the go-ahead, maybe before this runs), so it is held from here on
    /// and handed to the handshake. A failed handshake closes the connection: the process turns Failed, its sentinel
    /// hearing <c>"failed with code TlsNameMismatch\n"</c>, and the error is thrown. Call it on the pipeline thread;
    /// the task tells how many bytes had been read in the clear in all when TLS began.
    /// </summary>
    internal async Task<long> UpgradeToTlsAsync(TlsSettings tls, double? timeout, CancellationToken cancel, Action<string>? trace = null)
    {
        if (Status != ProcessStatus.Open || TransportClosed || channel?.Transport is not SocketTransport || SocketType != ProcessSocketType.Stream)
        {
            throw new NetProcException(
                NetProcError.ProcessNotRunning,
                Security == ProcessSecurity.Tls ? $"Process {Name} speaks TLS already."
                : SocketType != ProcessSocketType.Stream ? $"Process {Name} is a {SocketType} socket: TLS needs a byte stream (-SocketType Stream)."
                : $"Process {Name} is not open (status {Status}): only an open connection can start TLS.",
                this);
        }

        upgrading = true;
        try
        {
            byte[] clientSentAhead = [];
            if (tls.IsServer)
            {
                // Taken here, before the first await, on the pipeline thread that owns the buffer; the held inbox keeps
                // the rest from being handed out meanwhile.
                Inbox.Hold();
                clientSentAhead = TakeBufferedOutput();
            }

            var deadline = Timeouts.DeadlineAfter(timeout);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, Closing);
            SocketTransport plain;
            try
            {
                plain = (SocketTransport)await channel.DetachAsync(deadline).ConfigureAwait(false);
            }
            catch (NetProcException e) when (tls.IsServer)
            {
                // The client's unread input is gone with the attempt (taken for a handshake that never ran): close.
                Post(new StatusChange(ProcessStatus.Failed, e.Error.ToString(), $"failed with code {e.Error}\n", e));
                throw;
            }

            long readInTheClear = BytesReceived;
            TlsTransport session;
            try
            {
                if (tls.IsServer)
                {
                    string client = (RemoteEndPoint as System.Net.IPEndPoint)?.Address.ToString() ?? "-";
                    byte[] handshakeStart = [.. clientSentAhead, .. TakeInboxInput()];
                    trace?.Invoke($"TLS handshake as the server of {client} over the open connection...");
                    session = await TlsNegotiator.ServerAsync(plain.Socket, tls, client, handshakeStart, deadline, timeout, linked.Token).ConfigureAwait(false);
                }
                else
                {
                    string serverName = tls.ServerName ?? Host ?? Endpoints.DefaultHost(Family);
                    trace?.Invoke($"TLS handshake with {HostAndService} as '{serverName}' over the open connection...");
                    session = await TlsNegotiator.ClientAsync(plain.Socket, tls, serverName, HostAndService, deadline, timeout, linked.Token).ConfigureAwait(false);
                }
            }
            catch (Exception e)
            {
                // The socket is gone with the handshake (a Ctrl+C included): the connection is over.
                channel = null;
                string code = e is NetProcException failure ? failure.Error.ToString() : nameof(NetProcError.TlsHandshakeFailed);
                Post(new StatusChange(ProcessStatus.Failed, code, $"failed with code {code}\n", e));
                throw;
            }

            trace?.Invoke($"TLS: {session.Info}.");
            Attach(session);
            channel!.Start();
            return readInTheClear;
        }
        finally
        {
            upgrading = false;
            if (tls.IsServer && !Stopped && Inbox.Release())
            {
                Table.MarkReady(this);
            }
        }
    }

    /// <summary>
    /// Bytes sent that the peer has not yet taken: still queued here, or sent and not yet acknowledged by the peer
    /// (where the transport can tell: Linux sockets).
    /// </summary>
    internal override long UndeliveredBytes => channel?.UndeliveredBytes ?? 0;

    internal override bool TryPull(int lingerMicroseconds) =>
        Status == ProcessStatus.Open && channel is { } reading && reading.TryPull(lingerMicroseconds);

    private protected override void ReleaseTransport(bool abort)
    {
        // Still connecting: the connect closes what it made when it sees the process closed.
        channel?.Close(abort);
    }

    /// <summary>
    /// Connects (and negotiates TLS, within the same timeout) and takes the connected socket, or its TLS session, as the
    /// transport; the endpoints and family become the real ones.
    /// </summary>
    private async Task AttachConnectedAsync(CancellationToken cancel, Action<string>? trace)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, Closing);
        var deadline = Timeouts.DeadlineAfter(connectTimeout);
        var socket = await SocketConnector.ConnectAsync(Host, Service, requestedFamily, SocketType, HostAndService, connectTimeout, linked.Token, trace)
            .ConfigureAwait(false);
        Family = Endpoints.FamilyOf(socket.RemoteEndPoint!);
        IStreamTransport connected;
        if (tlsSettings is { } tls)
        {
            string serverName = tls.ServerName ?? Host ?? Endpoints.DefaultHost(Family);
            trace?.Invoke($"TLS handshake with {HostAndService} as '{serverName}'...");
            var session = await TlsNegotiator.ClientAsync(socket, tls, serverName, HostAndService, deadline, connectTimeout, linked.Token).ConfigureAwait(false);
            trace?.Invoke($"TLS: {session.Info}.");
            connected = session;
        }
        else
        {
            connected = new SocketTransport(socket);
        }

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
            channel!.Start();
        }
        catch (Exception) when (TransportClosed)
        {
            // Removed while connecting: nothing to report.
        }
        catch (NetProcException e)
        {
            // A failure with no errno (a TLS handshake's) says its ErrorId: "failed with code TlsNameMismatch".
            object code = e.Error == NetProcError.HostNotFound
                ? $"Name lookup of {e.Target} failed"
                : e.InnerException is SocketException s ? s.NativeErrorCode : e.Error.ToString();
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
        channel = new StreamChannel(this, connected, ownReaderThread: Kind == ProcessKind.Client, "connection broken by remote peer\n");
        Tls = (connected as TlsTransport)?.Info;
        Security = Tls is null ? ProcessSecurity.Plain : ProcessSecurity.Tls;
        LocalEndPoint = connected.LocalEndPoint;
        RemoteEndPoint = connected.RemoteEndPoint;
    }
}
