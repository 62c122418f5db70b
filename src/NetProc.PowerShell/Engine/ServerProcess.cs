using System.Collections;
using System.Net;
using System.Net.Sockets;

namespace NetProc.Engine;

/// <summary>
/// A stream server (TCP or unix socket). It never transfers data itself: each connection it accepts becomes a
/// process of its own, listed when the pipeline thread takes it from the server's inbox.
/// </summary>
public sealed class ServerProcess : NetworkProcess
{
    private const int AcceptorStackSize = 256 * 1024;

    /// <summary>How many TLS handshakes a server runs at once; beyond it accepting waits, as for a full window.</summary>
    private const int MaxHandshakesInFlight = 128;

    private readonly Socket listener;
    private readonly string? socketFile;
    private readonly int backlog;
    private readonly TlsSettings? tls;
    private readonly SemaphoreSlim handshakes = new(MaxHandshakesInFlight);

    private ServerProcess(
        ProcessTable table, Socket listener, ProcessSocketType protocol, string? host, object? service, int backlog, string? socketFile, TlsSettings? tls)
        : base(table, ProcessKind.Server, protocol, host, service, Endpoints.FamilyOf(listener.LocalEndPoint!))
    {
        this.listener = listener;
        this.backlog = backlog;
        this.socketFile = socketFile;
        this.tls = tls;
        Security = tls is null ? ProcessSecurity.Plain : ProcessSecurity.Tls;
        LocalEndPoint = listener.LocalEndPoint;
        Service = listener.LocalEndPoint is IPEndPoint ip ? ip.Port : service;
        Status = ProcessStatus.Listen;
    }

    /// <summary>The <c>listen()</c> backlog: how many clients wait in the kernel while the server is suspended.</summary>
    public int Backlog => backlog;

    /// <summary>
    /// Binds and listens (loopback unless <paramref name="host"/> names another address). Port 0 lets the kernel
    /// choose; <see cref="NetworkProcess.Service"/> then shows the real port. Fails before anything is listed. With
    /// <paramref name="tls"/>, every connection negotiates TLS before it is listed.
    /// </summary>
    internal static ServerProcess Listen(
        ProcessTable table,
        string? host,
        object? service,
        ProcessFamily? family,
        int backlog,
        ProcessSocketType protocol = ProcessSocketType.Stream,
        TlsSettings? tls = null)
    {
        if (backlog < 1)
        {
            throw new NetProcException(NetProcError.InvalidEndpoint, $"The backlog must be at least 1, not {backlog}.", backlog);
        }

        var (socket, file) = BindServerSocket(host, service, family, protocol, s => s.Listen(backlog));
        return new ServerProcess(table, socket, protocol, family == ProcessFamily.Local ? null : host, service, backlog, file, tls);
    }

    /// <summary>
    /// Starts accepting on a thread of the server's own; accepted sockets wait in the inbox until the pipeline thread
    /// lists them.
    /// </summary>
    internal override void Start()
    {
        listener.Blocking = false;
        new Thread(AcceptOnOwnThread, AcceptorStackSize) { IsBackground = true, Name = "NetProc server" }.Start();
    }

    /// <summary>A server's inbox also holds accepted connections and failed accepts.</summary>
    private protected override Delivery? Finish(object item) => item switch
    {
        AcceptedSocket accepted => Adopt(accepted),
        AcceptFailure failure => Report(failure),
        _ => base.Finish(item),
    };

    private Delivery.AcceptFailed Report(AcceptFailure failure)
    {
        RecordError(failure.Error);
        return new Delivery.AcceptFailed(this, failure.LogMessage);
    }

    /// <summary>
    /// Turns an accepted socket into a listed connection process, Emacs style: named
    /// <c>"SERVER &lt;HOST:PORT&gt;"</c> (or <c>"SERVER &lt;N&gt;"</c> for unix sockets), inheriting the server's
    /// filter, sentinel, a copy of its plist and its encoding, but not its query flag or suspension. Without a filter
    /// on the server it gets a buffer named after the server's buffer (or name) with the same suffix. The server's log
    /// hears "accept from HOST", the connection's sentinel "open from HOST" (HOST is <c>"-"</c> for unix).
    /// </summary>
    private Delivery.Accepted Adopt(AcceptedSocket accepted)
    {
        Consumed(1);
        int number = Table.NextAcceptNumber();
        var connection = accepted.Connection;
        var remote = connection.RemoteEndPoint as IPEndPoint;
        string suffix = remote is null ? number.ToString(System.Globalization.CultureInfo.InvariantCulture) : Endpoints.Describe(remote);
        connection.Filter = Filter;
        connection.Sentinel = Sentinel;
        connection.Plist = (Hashtable)Plist.Clone();
        connection.Encoding = Encoding;
        connection.Linger = Linger;
        if (Filter is null)
        {
            connection.SetBuffer(Table.AttachBuffer($"{Buffer?.Name ?? Name} <{suffix}>"));
        }

        Table.Register(connection, $"{Name} <{suffix}>");
        if (connection.Inbox.Release())
        {
            Table.MarkReady(connection);
        }

        string peerHost = remote?.Address.ToString() ?? "-";
        return new Delivery.Accepted(this, connection, $"accept from {peerHost}\n", $"open from {peerHost}\n");
    }

    /// <summary>
    /// Accepted sockets not yet listed. The loop drains the kernel's queue well past the backlog (Emacs's default of 5
    /// would otherwise overflow under a burst and make clients retry a second later); a suspended server accepts
    /// nobody, so clients wait in the kernel backlog instead.
    /// </summary>
    private protected override long Window => WindowSize * (1L + ChunkOverhead);

    /// <summary>How many accepted connections may wait to be listed before accepting pauses.</summary>
    public override long WindowSize => Math.Max(backlog, 256);

    /// <summary>A stream server only accepts: its connections are what sends.</summary>
    internal override Task SendAsync(ReadOnlyMemory<byte> data, bool eof) => throw new NetProcException(
        NetProcError.ProcessNotRunning,
        $"Process {Name} is a server: it only accepts connections and sends nothing itself. Send to one of its connections "
        + $"(named '{Name} <…>' in Get-NetworkProcess).",
        this);

    private protected override void ReleaseTransport(bool abort)
    {
        listener.Dispose();
        RemoveSocketFile(socketFile);
    }

    /// <summary>
    /// The accept loop: <c>poll()</c> then a non-blocking <c>accept()</c>, with no cancellation or thread-pool hop per
    /// client. A suspend that comes while polling leaves the client in the kernel's backlog, as with Emacs's
    /// stop-process; removing the server closes the listener, which ends the poll.
    /// </summary>
    private void AcceptOnOwnThread()
    {
        while (true)
        {
            Socket? accepted = null;
            try
            {
                ReadPermission().Wait();
                if (!TransportClosed)
                {
                    listener.Poll(-1, SelectMode.SelectRead);
                    ReadPermission().Wait();
                }

                if (TransportClosed)
                {
                    return;
                }

                accepted = listener.Accept();
                if (accepted.ProtocolType == ProtocolType.Tcp)
                {
                    accepted.NoDelay = true;
                }

                if (tls is null)
                {
                    PostCounted(new AcceptedSocket(Table, new SocketTransport(accepted), SocketType, Service, Family), 1);
                }
                else
                {
                    handshakes.Wait(Closing);
                    _ = NegotiateThenPostAsync(accepted, tls);
                }
            }
            catch (OperationCanceledException)
            {
                accepted?.Dispose();
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
            {
                // The client went away between poll() and accept().
            }
            catch (Exception e)
            {
                accepted?.Dispose();
                if (TransportClosed)
                {
                    return;
                }

                // Out of descriptors or a similar passing failure: tell the log, wait a little, keep serving.
                int code = e is SocketException s ? s.NativeErrorCode : -1;
                Post(new AcceptFailure($"accept failed with code {code}\n", e));
                Thread.Sleep(100);
            }
        }
    }

    /// <summary>
    /// A TLS server's connection negotiates on the thread pool, so a slow or hostile client never holds up the accept
    /// loop; it is posted (and later listed) only once its handshake succeeded. A failed handshake costs the server a
    /// log line, <c>"accept from HOST failed with code TlsNotSpoken\n"</c>, and its LastError.
    /// </summary>
    private async Task NegotiateThenPostAsync(Socket accepted, TlsSettings settings)
    {
        string client = (accepted.RemoteEndPoint as IPEndPoint)?.Address.ToString() ?? "-";
        try
        {
            var session = await TlsNegotiator.ServerAsync(accepted, settings, client, Closing).ConfigureAwait(false);
            PostCounted(new AcceptedSocket(Table, session, SocketType, Service, Family), 1);
        }
        catch (NetProcException e)
        {
            Post(new AcceptFailure($"accept from {client} failed with code {e.Error}\n", e));
        }
        catch (Exception)
        {
            // The server closed meanwhile (the negotiator closed the socket): nobody is left to tell.
        }
        finally
        {
            handshakes.Release();
        }
    }
}

/// <summary>
/// A connection the server accepted, waiting to be listed. Its process is made, and reads, on the accept thread; what
/// it reads waits, held, until the pipeline thread lists it, so its first output follows its "open from" sentinel.
/// A TLS server's connection arrives here once its handshake succeeded.
/// </summary>
internal sealed class AcceptedSocket : IDisposable
{
    public AcceptedSocket(ProcessTable table, IStreamTransport socket, ProcessSocketType protocol, object? serverService, ProcessFamily family)
    {
        var remote = socket.RemoteEndPoint as IPEndPoint;
        Connection = StreamProcess.ForAccepted(
            table, socket, protocol, remote?.Address.ToString(), remote is null ? serverService : remote.Port, family);
        Connection.Inbox.Hold();
        Connection.Start();
    }

    public StreamProcess Connection { get; }

    public void Dispose() => Connection.CloseTransport();
}

/// <summary>
/// An <c>accept()</c> that failed (Emacs tells the server's log <c>"accept failed with code N\n"</c>), or a TLS client's
/// handshake that failed (<c>"accept from HOST failed with code TlsNotSpoken\n"</c>).
/// </summary>
internal sealed class AcceptFailure
{
    public AcceptFailure(string logMessage, Exception error)
    {
        LogMessage = logMessage;
        Error = error;
    }

    public string LogMessage { get; }

    public Exception Error { get; }
}
