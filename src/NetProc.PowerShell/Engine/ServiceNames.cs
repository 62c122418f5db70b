using System.Globalization;

namespace NetProc.Engine;

/// <summary>
/// Turns a service as Emacs takes it (a port, a numeric string, a name from the services file) into a port. A name is
/// looked up for the process's protocol, as getaddrinfo does for Emacs: <c>ntp</c> (123/udp) names a port for a
/// datagram process only.
/// </summary>
internal static class ServiceNames
{
    private static readonly Lazy<Dictionary<string, int>> TcpServices = new(() => Load("tcp"));
    private static readonly Lazy<Dictionary<string, int>> UdpServices = new(() => Load("udp"));

    /// <summary>
    /// The port for <paramref name="service"/>, a name looked up among the services of <paramref name="protocol"/>;
    /// port 0 only where <paramref name="allowZero"/> (a server lets the kernel choose). Throws
    /// <see cref="NetProcException"/> for anything else.
    /// </summary>
    public static int Resolve(object? service, ProcessSocketType protocol, bool allowZero)
    {
        long port = service switch
        {
            null => throw new NetProcException(NetProcError.InvalidEndpoint, "A service (port number or name) is required.", service),
            int i => i,
            long l => l,
            short s => s,
            ushort us => us,
            byte b => b,
            string text when long.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long parsed) => parsed,
            string text when ServicesFor(protocol).TryGetValue(text.Trim(), out int named) => named,
            string text => throw UnknownService(text, protocol),
            _ => throw new NetProcException(
                NetProcError.InvalidEndpoint, $"Service '{service}' must be a port number or a service name.", service),
        };

        if (port < (allowZero ? 0 : 1) || port > 65535)
        {
            string range = allowZero ? "0 to 65535" : "1 to 65535";
            throw new NetProcException(NetProcError.InvalidEndpoint, $"Port {port} is out of range: a port is {range}.", service);
        }

        return (int)port;
    }

    /// <summary>The service names (aliases included) of <paramref name="protocol"/>'s services file entries, with their ports.</summary>
    public static IReadOnlyDictionary<string, int> NamesFor(ProcessSocketType protocol) => ServicesFor(protocol);

    private static Dictionary<string, int> ServicesFor(ProcessSocketType protocol) =>
        protocol == ProcessSocketType.Datagram ? UdpServices.Value : TcpServices.Value;

    /// <summary>Says whether the name is a service of the other protocol, and what to do then.</summary>
    private static NetProcException UnknownService(string text, ProcessSocketType protocol)
    {
        string name = text.Trim();
        bool datagram = protocol == ProcessSocketType.Datagram;
        string message = (datagram ? TcpServices : UdpServices).Value.TryGetValue(name, out int port)
            ? datagram
                ? $"Service '{name}' is a TCP service (port {port}/tcp in the services file), and this is a datagram (UDP) "
                    + $"process: leave out -SocketType Datagram, or give the port number ({port})."
                : $"Service '{name}' is a UDP service (port {port}/udp in the services file), and this is a stream (TCP) "
                    + $"process: add -SocketType Datagram, or give the port number ({port})."
            : $"Unknown service '{name}': it is neither a port number nor a name in the services file.";
        return new NetProcException(NetProcError.UnknownService, message, text);
    }

    /// <summary>Reads the system services file: <c>name port/proto aliases…</c>, the entries of one protocol.</summary>
    private static Dictionary<string, int> Load(string protocol)
    {
        var map = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        string path = OperatingSystem.IsWindows()
            ? Path.Combine(Environment.SystemDirectory, "drivers", "etc", "services")
            : "/etc/services";
        try
        {
            foreach (string raw in File.ReadLines(path))
            {
                string line = raw.Split('#')[0];
                string[] fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 2)
                {
                    continue;
                }

                string[] portProto = fields[1].Split('/');
                if (portProto.Length != 2 || !portProto[1].Equals(protocol, StringComparison.OrdinalIgnoreCase)
                    || !int.TryParse(portProto[0], NumberStyles.None, CultureInfo.InvariantCulture, out int port))
                {
                    continue;
                }

                foreach (string name in fields.Where((_, index) => index != 1))
                {
                    map.TryAdd(name, port);
                }
            }
        }
        catch (IOException)
        {
            // No services file: only numeric services resolve.
        }
        catch (UnauthorizedAccessException)
        {
            // Same as a missing file.
        }

        return map;
    }
}
