using System.Management.Automation;
using NetProc.Engine;
using NetProc.Session;

namespace NetProc.Commands;

/// <summary>Emacs <c>make-network-process</c>: a TCP or unix-socket client, or with <c>-Server</c> a listener.</summary>
[Cmdlet(VerbsCommon.New, "NetworkProcess")]
[OutputType(typeof(StreamProcess), typeof(ServerProcess))]
public sealed class NewNetworkProcessCommand : NewProcessCmdlet, IDynamicParameters
{
    /// <summary>The TLS parameters, shared with Open-NetworkStream and Protect-NetworkProcess.</summary>
    private readonly TlsServerParameters tlsParameters = new();

    /// <summary>
    /// The process's name (Emacs <c>:name</c>). Names are unique in the session, compared case-insensitively: a
    /// second <c>web</c> is named <c>web&lt;1&gt;</c>, the lowest free number. A server's connections are named after
    /// it (<c>echo &lt;127.0.0.1:51622&gt;</c>).
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>The host to connect to or listen on; omitted means loopback, as Emacs's <c>:host nil</c>.</summary>
    [Parameter]
    [Alias("Host")]
    [ValidateNotNullOrEmpty]
    public string? HostName { get; set; }

    /// <summary>A port number, a numeric string, or a name from the services file (<c>http</c>); a path with <c>-Family Local</c>; 0 lets a server's kernel choose.</summary>
    [Parameter(Mandatory = true)]
    [UnwrapArgument]
    [ArgumentCompleter(typeof(ServiceNameCompleter))]
    public object? Service { get; set; }

    /// <summary>
    /// IPv4, IPv6 or Local (a unix socket, named by its path in -Service; -Host is then ignored). Omitted: whatever
    /// -Host resolves to (loopback: IPv4). Emacs <c>:family</c> (<c>ipv4</c>, <c>ipv6</c>, <c>local</c>).
    /// </summary>
    [Parameter]
    public ProcessFamily? Family { get; set; }

    /// <summary>Stream (TCP, the default), Datagram (UDP or unix datagrams) or SeqPacket (unix sockets that keep message boundaries).</summary>
    [Parameter]
    public ProcessSocketType SocketType { get; set; } = ProcessSocketType.Stream;

    /// <summary>Listen instead of connecting; every accepted client becomes a process of its own.</summary>
    [Parameter]
    public SwitchParameter Server { get; set; }

    /// <summary>
    /// A TLS client: the connect includes the TLS handshake, which checks the server's certificate against the system's
    /// trust store and the host's name (see -CertificateAuthority, -ServerCertificateThumbprint, -TlsServerName); a
    /// failure names its reason (TlsNameMismatch, TlsUntrustedCertificate, TlsCertificateExpired...). With -Server,
    /// optional: -Certificate alone makes a TLS server.
    /// </summary>
    [Parameter]
    public SwitchParameter Tls { get; set; }

    /// <summary>How many clients may wait in the kernel while the server does not accept (default 5).</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Backlog { get; set; } = 5;

    /// <summary>A server's log: <c>param($Server, $Connection, $Message)</c>, called on every accept.</summary>
    [Parameter]
    public ScriptBlock? Log { get; set; }

    /// <summary>
    /// Returns at once, status Connect, while the connect goes on in the background (Emacs <c>:nowait t</c>); the
    /// sentinel then hears <c>"open\n"</c> or <c>"failed with code N\n"</c>. A send waits for the connect to end. For
    /// stream clients only; a datagram socket is open at once.
    /// </summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>
    /// Seconds a close keeps trying to deliver what was sent before it resets the connection (default 30; 0 resets at
    /// once). A server gives it to every connection it accepts. Not for datagram sockets, which deliver nothing later.
    /// </summary>
    [Parameter]
    [ValidateRange(0, double.MaxValue)]
    public double Linger { get; set; } = ProcessObject.DefaultLinger;

    /// <summary>
    /// Seconds a client's connect may take, name lookup included (fractions allowed). Then it fails with ConnectTimeout
    /// and leaves nothing behind; with -NoWait the process turns Failed, its sentinel hearing "failed with code 110\n".
    /// Omitted: no limit but the system's (about two minutes for TCP; a unix client waits for room in its server's backlog).
    /// With -Tls the handshake shares that time (then TlsHandshakeTimeout). For a TLS server: the seconds each client's
    /// handshake may take (default 10).
    /// </summary>
    [Parameter]
    [Alias("TimeoutSec")]
    [ValidateRange(0, double.MaxValue)]
    public double? Timeout { get; set; }

    /// <summary>PowerShell binds the TLS parameters as this cmdlet's own.</summary>
    public object GetDynamicParameters() => tlsParameters;

    protected override void ProcessRecord()
    {
        if (Family == ProcessFamily.Local && HostName is not null)
        {
            WriteWarning("-Family Local ignores -HostName: a unix socket is named by its path (-Service).");
        }

        if (!Server && (Log is not null || MyInvocation.BoundParameters.ContainsKey(nameof(Backlog))))
        {
            ThrowTerminating(new NetProcException(NetProcError.IncompatibleParameters, "-Log and -Backlog are for servers: add -Server.", Name));
        }

        void ConfigureNew(ProcessObject p)
        {
            ConfigureOptions(p);
            p.Log = Log;
            p.Linger = Linger;
        }

        if (SocketType == ProcessSocketType.SeqPacket && (Tls || tlsParameters.Any))
        {
            ThrowTerminating(new NetProcException(
                NetProcError.IncompatibleParameters, "TLS needs a byte stream, and a SeqPacket socket carries messages: use -SocketType Stream.", Name));
        }

        if (SocketType == ProcessSocketType.Datagram)
        {
            if (Tls || tlsParameters.Any)
            {
                ThrowTerminating(new NetProcException(
                    NetProcError.IncompatibleParameters, "TLS is for stream sockets: a datagram socket cannot carry it (DTLS is not supported).", Name));
            }

            // A datagram socket is open at once, so -NoWait has nothing to wait for; a datagram server accepts nobody.
            if (Log is not null || MyInvocation.BoundParameters.ContainsKey(nameof(Backlog)))
            {
                ThrowTerminating(new NetProcException(
                    NetProcError.IncompatibleParameters, "-Log and -Backlog are for stream servers: a datagram server accepts no connections.", Name));
            }

            if (MyInvocation.BoundParameters.ContainsKey(nameof(Linger)))
            {
                ThrowTerminating(new NetProcException(
                    NetProcError.IncompatibleParameters, "-Linger is for stream sockets: a datagram socket has nothing left to deliver when it closes.", Name));
            }

            OpenDatagram(Name, HostName, Service, Family, Server, Stopped, ConfigureNew);
        }
        else if (Server)
        {
            bool tlsServer = tlsParameters.Certificate is not null;
            if (NoWait || (Timeout is not null && !tlsServer))
            {
                ThrowTerminating(new NetProcException(
                    NetProcError.IncompatibleParameters,
                    $"-Server is incompatible with -{(NoWait ? nameof(NoWait) : nameof(Timeout))}: that is for clients, and a server does not connect.",
                    Name));
            }

            if (!tlsServer && (Tls || tlsParameters.Any))
            {
                ThrowTerminating(new NetProcException(
                    NetProcError.IncompatibleParameters, "A TLS server needs -Certificate: its certificate, with its private key.", Name));
            }

            if (tlsServer && tlsParameters.ClientOnlyParameterGiven() is { } clientOnly)
            {
                ThrowTerminating(clientOnly);
            }

            if (TryMakeTls(() => tlsServer ? tlsParameters.ServerSettings(Timeout) : null, out var serverTls))
            {
                Listen(Name, HostName, Service, Family, SocketType, Backlog, Stopped, ConfigureNew, serverTls);
            }
        }
        else
        {
            if (tlsParameters.RequireClientCertificate || (!Tls && tlsParameters.Any))
            {
                ThrowTerminating(new NetProcException(
                    NetProcError.IncompatibleParameters,
                    tlsParameters.RequireClientCertificate
                        ? "-RequireClientCertificate is for TLS servers (-Server -Certificate); a TLS client shows its own with -Certificate."
                        : "TLS parameters need -Tls (a TLS client) or -Server -Certificate (a TLS server).",
                    Name));
            }

            if (TryMakeTls(() => Tls ? tlsParameters.ClientSettings(Session.Table, WriteWarning) : null, out var clientTls))
            {
                Connect(Name, HostName, Service, Family, SocketType, NoWait, Timeout, Stopped, ConfigureNew, clientTls);
            }
        }
    }
}
