using System.Net;
using System.Net.Sockets;
using System.Text;

namespace NetProc.Engine;

/// <summary>Turns Emacs-style host, service and family into socket endpoints, and endpoints into the texts Emacs shows.</summary>
internal static class Endpoints
{
    /// <summary>
    /// The bytes a unix socket address holds (<c>sun_path</c>), its terminating NUL included: 108 on Linux and
    /// Windows, 104 on macOS and the BSDs.
    /// </summary>
    private static readonly int UnixPathCapacity = OperatingSystem.IsLinux() || OperatingSystem.IsWindows() ? 108 : 104;

    /// <summary>Checks what can be checked before any socket exists: the host is not blank, the service makes sense.</summary>
    public static void Validate(string? host, object? service, ProcessFamily? family, ProcessSocketType protocol, bool server)
    {
        if (protocol == ProcessSocketType.SeqPacket && family != ProcessFamily.Local)
        {
            throw new NetProcException(
                NetProcError.InvalidEndpoint, "SeqPacket sockets are unix sockets: add -Family Local.", protocol);
        }

        if (host is not null && string.IsNullOrWhiteSpace(host))
        {
            throw new NetProcException(NetProcError.InvalidEndpoint, "The host name is empty.", host);
        }

        if (family == ProcessFamily.Local)
        {
            _ = LocalEndPoint(service);
            return;
        }

        ServiceNames.Resolve(service, protocol, allowZero: server);
    }

    /// <summary>The loopback address Emacs uses for <c>:host nil</c>.</summary>
    public static string DefaultHost(ProcessFamily? family) => family == ProcessFamily.IPv6 ? "::1" : "127.0.0.1";

    /// <summary>Every address to try, in order, for a client.</summary>
    public static async Task<EndPoint[]> ForConnectAsync(
        string? host, object? service, ProcessFamily? family, ProcessSocketType protocol, CancellationToken cancel)
    {
        if (family == ProcessFamily.Local)
        {
            return new EndPoint[] { LocalEndPoint(service) };
        }

        int port = ServiceNames.Resolve(service, protocol, allowZero: false);
        var addresses = await ResolveAsync(host ?? DefaultHost(family), family, cancel).ConfigureAwait(false);
        return addresses.Select(a => (EndPoint)new IPEndPoint(a, port)).ToArray();
    }

    /// <summary>The one address a server binds: loopback unless the user names another (<c>0.0.0.0</c>, <c>::</c>, …).</summary>
    public static EndPoint ForBind(string? host, object? service, ProcessFamily? family, ProcessSocketType protocol)
    {
        if (family == ProcessFamily.Local)
        {
            return LocalEndPoint(service);
        }

        int port = ServiceNames.Resolve(service, protocol, allowZero: true);
        var addresses = ResolveAsync(host ?? DefaultHost(family), family, CancellationToken.None).GetAwaiter().GetResult();
        return new IPEndPoint(addresses[0], port);
    }

    /// <summary>A socket of the endpoint's family and the process's type.</summary>
    public static Socket NewSocket(EndPoint endpoint, ProcessSocketType protocol)
    {
        if (endpoint is UnixDomainSocketEndPoint)
        {
            var type = protocol switch
            {
                ProcessSocketType.Datagram => SocketType.Dgram,
                ProcessSocketType.SeqPacket => SocketType.Seqpacket,
                _ => SocketType.Stream,
            };
            return new Socket(AddressFamily.Unix, type, ProtocolType.Unspecified);
        }

        return protocol == ProcessSocketType.Datagram
            ? new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp)
            : new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    }

    /// <summary>
    /// An address of its own for a unix datagram client, so that servers can answer it: in Linux's abstract namespace
    /// (no file to clean up), elsewhere a file in the temp folder.
    /// </summary>
    public static UnixDomainSocketEndPoint UniqueLocalAddress() => OperatingSystem.IsLinux()
        ? new UnixDomainSocketEndPoint($"\0netproc-{Guid.NewGuid():N}")
        : new UnixDomainSocketEndPoint(Path.Combine(Path.GetTempPath(), $"netproc-{Guid.NewGuid():N}.sock"));

    /// <summary>
    /// A datagram address as a user writes it: an EndPoint, <c>"127.0.0.1:5000"</c>, <c>"[::1]:5000"</c>,
    /// <c>"host:5000"</c>, or a socket path for a unix socket. It must fit the process's family.
    /// </summary>
    public static EndPoint ParseAddress(object value, ProcessFamily family)
    {
        EndPoint parsed = value switch
        {
            EndPoint endpoint => endpoint,
            string path when family == ProcessFamily.Local => UnixEndPoint(path),
            string text when IPEndPoint.TryParse(text, out var ip) && ip.Port != 0 => ip,
            string text when text.LastIndexOf(':') is int colon and > 0
                && int.TryParse(text[(colon + 1)..], out int port) && port is > 0 and <= 65535 =>
                new IPEndPoint(ResolveAsync(text[..colon].Trim('[', ']'), family, CancellationToken.None).GetAwaiter().GetResult()[0], port),
            _ => throw new NetProcException(
                NetProcError.InvalidEndpoint, $"'{value}' is not an address: write host:port, [v6-address]:port or a socket path.", value),
        };
        if (FamilyOf(parsed) != family)
        {
            throw new NetProcException(
                NetProcError.InvalidEndpoint, $"Address {parsed} is not an {family} address, as the process's socket is.", value);
        }

        return parsed;
    }

    public static ProcessFamily FamilyOf(EndPoint endpoint) => endpoint.AddressFamily switch
    {
        AddressFamily.Unix => ProcessFamily.Local,
        AddressFamily.InterNetworkV6 => ProcessFamily.IPv6,
        _ => ProcessFamily.IPv4,
    };

    /// <summary>How Emacs names a peer in connection names: <c>127.0.0.1:PORT</c>, <c>[::1]:PORT</c>.</summary>
    public static string Describe(IPEndPoint endpoint) => endpoint.AddressFamily == AddressFamily.InterNetworkV6
        ? $"[{endpoint.Address}]:{endpoint.Port}"
        : $"{endpoint.Address}:{endpoint.Port}";

    /// <summary>The unix socket a <c>-Family Local</c> process names by its path in <c>-Service</c>.</summary>
    private static UnixDomainSocketEndPoint LocalEndPoint(object? service) => service switch
    {
        string path when !string.IsNullOrWhiteSpace(path) => UnixEndPoint(path),
        _ => throw new NetProcException(
            NetProcError.InvalidEndpoint, "A local (unix) socket needs its file path as the service.", service),
    };

    /// <summary>
    /// A unix socket address, checked the one way for every use (client, server, datagram, <c>-To</c>,
    /// <c>-DatagramAddress</c>): not empty, and short enough for the platform. A name in Linux's abstract namespace
    /// (a leading NUL) has no terminating NUL.
    /// </summary>
    public static UnixDomainSocketEndPoint UnixEndPoint(string path)
    {
        if (path.Length == 0)
        {
            throw new NetProcException(
                NetProcError.InvalidEndpoint, "The unix socket path is empty: give the path of the socket file.", path);
        }

        int length = Encoding.UTF8.GetByteCount(path);
        int limit = path[0] == '\0' ? UnixPathCapacity : UnixPathCapacity - 1;
        if (length > limit)
        {
            throw new NetProcException(
                NetProcError.InvalidEndpoint,
                $"The unix socket path is {length} bytes long; this platform allows at most {limit}. Use a shorter path, "
                + "for example a relative one or one in a shorter folder.",
                path);
        }

        return new UnixDomainSocketEndPoint(path);
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, ProcessFamily? family, CancellationToken cancel)
    {
        var wanted = family switch
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
            throw new NetProcException(NetProcError.HostNotFound, $"Host '{host}' has no {family?.ToString() ?? "IP"} address.", host);
        }

        return usable;
    }
}
