using System.Net;
using System.Net.Sockets;

namespace NetProc.Engine;

/// <summary>A process over a socket: stream clients and connections, servers, and (later) datagram sockets.</summary>
public abstract class NetworkProcess : NetProcess
{
    private readonly CancellationTokenSource closing = new();
    private int closed;

    private protected NetworkProcess(
        ProcessTable table, ProcessKind kind, ProcessProtocol protocol, string? host, object? service, ProcessFamily family)
        : base(table, ProcessType.Network, kind)
    {
        Protocol = protocol;
        Host = host;
        Service = service;
        Family = family;
    }

    /// <summary>Cancelled when the process closes locally: every socket operation of the process listens to it.</summary>
    protected CancellationToken Closing => closing.Token;

    internal override bool TransportClosed => Volatile.Read(ref closed) != 0;

    internal sealed override void CloseTransport(bool abort = false)
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
            // A cancellation callback failed; the sockets are closed below all the same.
        }

        ReleaseTransport(abort);
        WakeReader();
        Inbox.Clear();
    }

    /// <summary>Closes the sockets, with a reset if <paramref name="abort"/> and the socket has a connection; called once.</summary>
    protected abstract void ReleaseTransport(bool abort);

    /// <summary>
    /// Binds a server's socket where it listens (loopback unless <paramref name="host"/> names another address) and
    /// readies it with <paramref name="ready"/> (<c>listen()</c> for streams). A failure names the address and leaves no
    /// socket behind. Returns the socket and, for a unix socket, the file it created.
    /// </summary>
    private protected static (Socket Socket, string? SocketFile) BindServerSocket(
        string? host, object? service, ProcessFamily? family, ProcessProtocol protocol, Action<Socket>? ready = null)
    {
        Endpoints.Validate(host, service, family, protocol, server: true);
        var endpoint = Endpoints.ForBind(family == ProcessFamily.Local ? null : host, service, family);
        var socket = Endpoints.NewSocket(endpoint, protocol);
        try
        {
            if (endpoint is IPEndPoint { Address: var address } && address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = false;
            }

            socket.Bind(endpoint);
            ready?.Invoke(socket);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            string shown = endpoint is IPEndPoint ip ? Endpoints.Describe(ip) : endpoint.ToString()!;
            throw SocketFailure(e, $"Address {shown}", ready is null ? "bind" : "listen");
        }

        return (socket, endpoint is UnixDomainSocketEndPoint ? (string)service! : null);
    }

    /// <summary>Removes the unix socket file a server created (Emacs leaves it; a second server could not bind).</summary>
    private protected void RemoveSocketFile(string? path)
    {
        if (path is null)
        {
            return;
        }

        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LastError = e;
        }
    }

    /// <summary>Maps a failure to create a listening or connecting socket to a NetProc error.</summary>
    private protected static NetProcException SocketFailure(SocketException e, string address, string doing)
    {
        var (error, what) = e.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => (NetProcError.ConnectionRefused, "refused the connection"),
            SocketError.TimedOut => (NetProcError.ConnectTimeout, "did not answer in time"),
            SocketError.AccessDenied => (NetProcError.AccessDenied, "may not be used (access denied)"),
            SocketError.AddressAlreadyInUse => (NetProcError.AddressInUse, "is already in use"),
            SocketError.AddressNotAvailable => (NetProcError.InvalidEndpoint, "is not an address of this machine"),
            SocketError.HostNotFound or SocketError.NoData => (NetProcError.HostNotFound, "could not be resolved"),
            SocketError.AddressFamilyNotSupported => (NetProcError.InvalidEndpoint, "uses an unsupported address family"),
            _ => (doing == "connect" ? NetProcError.ConnectFailed : NetProcError.ListenFailed, $"could not be used to {doing}"),
        };
        return new NetProcException(error, $"{address} {what}: {e.Message}", address, e);
    }
}
