using System.Management.Automation;
using System.Text;
using NetProc.Engine;
using NetProc.Session;

namespace NetProc.Commands;

/// <summary>Emacs <c>open-network-stream</c>: a TCP stream, plain or TLS, arguments in Emacs's order.</summary>
[Cmdlet(VerbsCommon.Open, "NetworkStream")]
[OutputType(typeof(StreamProcess))]
public sealed class OpenNetworkStreamCommand : TlsParametersCmdlet
{

    /// <summary>
    /// The process's name, unique in the session (a second <c>web</c> becomes <c>web&lt;1&gt;</c>). The first of
    /// Emacs's positional arguments.
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Name { get; set; } = string.Empty;

    /// <summary>The buffer's name; null keeps output with the process.</summary>
    [Parameter(Position = 1)]
    [AllowNull]
    [AllowEmptyString]
    public string? Buffer { get; set; }

    /// <summary>The host to connect to: a name or an address. Omitted: loopback.</summary>
    [Parameter(Position = 2)]
    [Alias("Host")]
    [ValidateNotNullOrEmpty]
    public string? HostName { get; set; }

    /// <summary>The port: a number, a numeric string, or a name from the services file (<c>http</c>).</summary>
    [Parameter(Mandatory = true, Position = 3)]
    [UnwrapArgument]
    [ArgumentCompleter(typeof(ServiceNameCompleter))]
    public object? Service { get; set; }

    /// <summary>
    /// Plain (the default) or Tls (Emacs <c>:type</c> <c>plain</c> or <c>tls</c>): with Tls the connect includes the TLS
    /// handshake, which checks the server's certificate (see -CertificateAuthority, -ServerCertificateThumbprint,
    /// -TlsServerName, -SkipCertificateCheck).
    /// </summary>
    [Parameter]
    public NetworkStreamType Type { get; set; } = NetworkStreamType.Plain;

    /// <summary>
    /// Returns at once, status Connect, while the connect goes on in the background (Emacs <c>:nowait t</c>); a
    /// sentinel set later with Set-NetworkProcess hears <c>"open\n"</c> or <c>"failed with code N\n"</c>. A send
    /// waits for the connect to end.
    /// </summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    /// <summary>
    /// Seconds the connect may take, name lookup included (fractions allowed); then it fails with ConnectTimeout and
    /// leaves nothing behind (with -NoWait the process turns Failed). Omitted: no limit but the system's.
    /// </summary>
    [Parameter]
    [Alias("TimeoutSec")]
    [ValidateRange(0, double.MaxValue)]
    public double? Timeout { get; set; }

    /// <summary>
    /// How text is encoded and decoded (Emacs <c>:coding</c>): utf8 (the default), ascii, latin1, unicode,
    /// bigendianunicode, utf32, a code page number, or Byte for binary data (output then comes as byte[]).
    /// </summary>
    [Parameter]
    [EncodingArgument]
    [ArgumentCompleter(typeof(EncodingCompleter))]
    public Encoding? Encoding { get; set; }

    protected override void ProcessRecord()
    {
        bool tls = Type == NetworkStreamType.Tls;
        if (!tls && AnyTlsParameter)
        {
            ThrowTerminating(new NetProcException(NetProcError.IncompatibleParameters, "TLS parameters need -Type Tls.", Name));
        }

        if (TryMakeTls(() => tls ? ClientTlsSettings() : null, out var settings))
        {
            Connect(
                Name,
                HostName,
                Service,
                family: null,
                ProcessSocketType.Stream,
                NoWait,
                Timeout,
                stopped: false,
                p => Configure(p, string.IsNullOrEmpty(Buffer) ? null : Buffer, null, null, null, Encoding, noQuery: false),
                settings);
        }
    }
}
