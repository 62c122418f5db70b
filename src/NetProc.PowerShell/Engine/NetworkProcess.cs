using System.Net;
using System.Net.Sockets;

namespace NetProc.Engine;

/// <summary>A process over a socket: stream clients and connections, servers, and (later) datagram sockets.</summary>
public abstract class NetworkProcess : ProcessObject
{
    private protected NetworkProcess(
        ProcessTable table, ProcessKind kind, ProcessSocketType protocol, string? host, object? service, ProcessFamily family)
        : base(table, ProcessType.Network, kind)
    {
        SocketType = protocol;
        Host = host;
        Service = service;
        Family = family;
    }

    public ProcessSocketType SocketType { get; private protected init; }

    public ProcessFamily Family { get; private protected set; }

    /// <summary>Plain, or Tls for a TLS client (from its creation), a TLS server and its connections.</summary>
    public ProcessSecurity Security { get; private protected set; }

    /// <summary>The host as the user gave it (Emacs keeps <c>:host</c> unresolved).</summary>
    public string? Host { get; private protected init; }

    /// <summary>The service as the user gave it for clients; the real port for servers.</summary>
    public object? Service { get; private protected set; }

    public EndPoint? LocalEndPoint { get; private protected set; }

    /// <summary>The peer: for a datagram process, its <see cref="DatagramAddress"/> (Emacs <c>:remote</c>).</summary>
    public virtual EndPoint? RemoteEndPoint { get; private protected set; }

    public EndPoint? DatagramAddress { get; private protected set; }

    /// <summary>
    /// The end a user looks for first: the peer's address, or for a server (and an accepted unix connection, whose peer
    /// has no name) <c>on</c> the address it listens on; before a connect is done, the host and service as given.
    /// </summary>
    public override string Address
    {
        get
        {
            string remote = RemoteEndPoint?.ToString() ?? string.Empty;
            return (Kind == ProcessKind.Server || remote.Length == 0) && LocalEndPoint is not null ? $"on {LocalEndPoint}"
                : remote.Length > 0 ? remote
                : HostAndService;
        }
    }

    /// <summary>
    /// <c>(network connection to HOST:SERVICE)</c>, <c>(network server on HOST:SERVICE)</c>, with <c>datagram</c> for
    /// datagram sockets.
    /// </summary>
    public override string Contact
    {
        get
        {
            string kind = SocketType == ProcessSocketType.Datagram ? "datagram" : "network";
            string where = Host is not null || Family == ProcessFamily.Local ? HostAndService
                : Kind == ProcessKind.Server ? LocalEndPoint?.ToString() ?? HostAndService
                : RemoteEndPoint?.ToString() ?? HostAndService;
            return Kind == ProcessKind.Server ? $"({kind} server on {where})" : $"({kind} connection to {where})";
        }
    }

    /// <summary>
    /// The peer as the user named it: a unix socket's path, else host and service as given (loopback when no host was
    /// given), an IPv6 address in brackets.
    /// </summary>
    internal string HostAndService => (Family, Host ?? Endpoints.DefaultHost(Family)) switch
    {
        (ProcessFamily.Local, _) => Service?.ToString() ?? string.Empty,
        (_, var host) when host.Contains(':') => $"[{host}]:{Service}",
        (_, var host) => $"{host}:{Service}",
    };

    /// <summary>
    /// Binds a server's socket where it listens (loopback unless <paramref name="host"/> names another address) and
    /// readies it with <paramref name="ready"/> (<c>listen()</c> for streams). A failure names the address and leaves no
    /// socket behind. Returns the socket and, for a unix socket, the file it created.
    /// </summary>
    private protected static (Socket Socket, string? SocketFile) BindServerSocket(
        string? host, object? service, ProcessFamily? family, ProcessSocketType protocol, Action<Socket>? ready = null)
    {
        Endpoints.Validate(host, service, family, protocol, server: true);
        var endpoint = Endpoints.ForBind(family == ProcessFamily.Local ? null : host, service, family, protocol);
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
            throw SocketFailure(e, endpoint is IPEndPoint ip ? Endpoints.Describe(ip) : endpoint.ToString()!, endpoint, ready is null ? "bind" : "listen");
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
            RecordError(e);
        }
    }

    /// <summary>
    /// Maps a failure to create a listening or connecting socket to a NetProc error whose message says what happened
    /// and what to do. <paramref name="address"/> is the address as the user knows it (host and service as given, or
    /// the socket path), <paramref name="endpoint"/> the one tried; <paramref name="doing"/> is connect, bind or listen.
    /// </summary>
    internal static NetProcException SocketFailure(SocketException e, string address, EndPoint endpoint, string doing)
    {
        bool unix = endpoint is UnixDomainSocketEndPoint;
        bool connecting = doing == "connect";
        var (error, message) = e.SocketErrorCode switch
        {
            // .NET reports a unix path with no file behind it (ENOENT) as AddressNotAvailable.
            SocketError.AddressNotAvailable when unix && connecting => (NetProcError.ConnectionRefused,
                $"There is no socket file at {address}: is its server running, with that path?"),
            SocketError.AddressNotAvailable when unix => (NetProcError.InvalidEndpoint,
                $"Socket file {address} cannot be created: its folder does not exist."),
            SocketError.AddressNotAvailable => (NetProcError.InvalidEndpoint,
                $"Address {address} is not an address of this machine: give -Host one of its addresses, or 0.0.0.0 or :: for all of them."),
            SocketError.ConnectionRefused when unix => (NetProcError.ConnectionRefused,
                $"{address} refused the connection: no server listens on that file (left by a server that ended, or not a socket at all)."),
            SocketError.ConnectionRefused => (NetProcError.ConnectionRefused,
                $"{address} refused the connection: nothing listens on that port. Is the server running, and is -Service right?"),
            SocketError.TimedOut => (NetProcError.ConnectTimeout,
                $"{address} did not answer: the connection attempt timed out. The host may be down, or a firewall drops the packets."),
            SocketError.AccessDenied when unix => (NetProcError.AccessDenied,
                $"Socket file {address} may not be used: permission denied. Check the rights on the file and its folder."),
            SocketError.AccessDenied => (NetProcError.AccessDenied,
                $"Address {address} may not be used: permission denied (ports below 1024 need privileges). Choose another -Service."),
            SocketError.AddressAlreadyInUse when unix => (NetProcError.AddressInUse,
                $"Socket file {address} already exists: choose another path, or delete the file if no server uses it any more."),
            SocketError.AddressAlreadyInUse => (NetProcError.AddressInUse,
                $"Address {address} is already in use by another socket: choose another -Service, or 0 to let the system choose a free port."),
            SocketError.ProtocolType => (NetProcError.InvalidEndpoint,
                $"{address} is a socket of another type: give -SocketType the type its server has (Stream, Datagram or SeqPacket)."),
            SocketError.HostNotFound or SocketError.NoData => (NetProcError.HostNotFound,
                $"{address} could not be resolved: check the host name."),
            SocketError.AddressFamilyNotSupported => (NetProcError.InvalidEndpoint,
                $"{address} uses an address family this machine does not support: try -Family IPv4 or IPv6."),
            _ => (connecting ? NetProcError.ConnectFailed : NetProcError.ListenFailed,
                $"{address} could not be used to {doing}: {e.Message}"),
        };
        return new NetProcException(error, message, address, e);
    }
}
