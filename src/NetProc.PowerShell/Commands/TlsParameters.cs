using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using NetProc.Engine;
using NetProc.Session;

namespace NetProc.Commands;

/// <summary>
/// The TLS parameters of <c>New-NetworkProcess</c>, <c>Open-NetworkStream</c> and <c>Protect-NetworkProcess</c>,
/// declared once and made into settings here. Each of those cmdlets returns one from
/// <see cref="IDynamicParameters.GetDynamicParameters"/>: their base classes differ (C# gives a cmdlet one), and
/// PowerShell binds, completes and lists these properties as the cmdlet's own, in every parameter set.
/// </summary>
public class TlsParameters
{
    /// <summary>Sessions already told that -SkipCertificateCheck is unsafe: the warning comes once per session.</summary>
    private static readonly ConditionalWeakTable<ProcessTable, object> WarnedOfSkippedCheck = new();

    /// <summary>Only this module's cmdlets make them.</summary>
    internal TlsParameters()
    {
    }

    /// <summary>
    /// The name a TLS client sends the server (SNI) and checks its certificate against. Omitted: the host the process
    /// connects to, as given (-HostName: a name or an address). Give it when connecting by an address, or through a
    /// tunnel, to a server known by a name.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TlsServerName { get; set; }

    /// <summary>
    /// A TLS client accepts any server certificate: expired, self-signed, for another name. Unsafe (anyone on the way can
    /// read and change the traffic): for tests only. The session warns once. -CertificateAuthority or
    /// -ServerCertificateThumbprint trust a self-signed server safely.
    /// </summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>
    /// CA certificates to trust instead of the system's trust store (curl's --cacert): X509Certificate2 objects, or paths
    /// of PEM or DER files (a PEM file may hold several). A TLS client checks its server's certificate against them; a
    /// TLS server with -RequireClientCertificate checks its clients' certificates against them.
    /// </summary>
    [Parameter]
    [Alias("CACertificate")]
    [ValidateNotNullOrEmpty]
    public object[]? CertificateAuthority { get; set; }

    /// <summary>
    /// Pins the server's certificate: a TLS client accepts only a certificate with one of these thumbprints (its SHA-1,
    /// what the Thumbprint property shows, or its SHA-256, in hex; colons and spaces are ignored), whoever issued it and
    /// whatever name it carries, and refuses any other with TlsThumbprintMismatch.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ServerCertificateThumbprint { get; set; }

    /// <summary>
    /// This side's certificate, an X509Certificate2 or the path of a PFX/P12 file or a PEM file that holds the
    /// certificate and its private key: a TLS server's own (mandatory for a TLS server; it makes New-NetworkProcess
    /// -Server a TLS server), or the client certificate a TLS client shows a server that asks for one.
    /// </summary>
    [Parameter]
    [UnwrapArgument]
    [ValidateNotNull]
    public object? Certificate { get; set; }

    /// <summary>The password of the -Certificate file (a PFX file's, or an encrypted PEM key's), as a SecureString (Read-Host -AsSecureString).</summary>
    [Parameter]
    public SecureString? CertificatePassword { get; set; }

    /// <summary>
    /// The TLS versions allowed: Tls12, Tls13 or both (Invoke-WebRequest's -SslProtocol). Omitted: both, the system
    /// choosing the newest the peer has. A peer with none of them fails with TlsProtocolMismatch.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public TlsProtocolVersion[]? SslProtocol { get; set; }

    /// <summary>
    /// Application protocols offered or accepted with ALPN, in order of preference (<c>h2</c>, <c>http/1.1</c>,
    /// <c>imap</c>...). The one both sides chose is in the process's Tls.ApplicationProtocol.
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ApplicationProtocol { get; set; }

    /// <summary>Whether any TLS parameter was given (so a plain process given one is told it needs TLS).</summary>
    internal virtual bool Any => TlsServerName is not null || SkipCertificateCheck || CertificateAuthority is not null
        || ServerCertificateThumbprint is not null || Certificate is not null || CertificatePassword is not null || SslProtocol is not null
        || ApplicationProtocol is not null;

    /// <summary>The first parameter given that only a TLS client takes, as the IncompatibleParameters error a TLS server gives it; null when none was.</summary>
    internal NetProcException? ClientOnlyParameterGiven()
    {
        string? name = TlsServerName is not null ? nameof(TlsServerName)
            : SkipCertificateCheck ? nameof(SkipCertificateCheck)
            : ServerCertificateThumbprint is not null ? nameof(ServerCertificateThumbprint)
            : null;
        return name is null ? null : new NetProcException(
            NetProcError.IncompatibleParameters, $"-{name} is for TLS clients, which check their server: a TLS server does not check itself. Remove it.", name);
    }

    /// <summary>
    /// A TLS client's settings; <paramref name="warn"/> hears, once per session (<paramref name="session"/>), that
    /// -SkipCertificateCheck is unsafe. Bad certificates throw NetProcException.
    /// </summary>
    internal TlsSettings ClientSettings(ProcessTable session, Action<string> warn)
    {
        var settings = new TlsSettings(
            TlsServerName, SkipCertificateCheck, Authorities(), ServerCertificateThumbprint, LoadCertificate(), SslProtocol, ApplicationProtocol);
        if (SkipCertificateCheck && WarnedOfSkippedCheck.TryAdd(session, true))
        {
            warn("-SkipCertificateCheck: the server's certificate is not checked, so anyone between here and the server can read and change "
                + "the traffic. Use it for tests only; -CertificateAuthority or -ServerCertificateThumbprint trust a self-signed server safely.");
        }

        return settings;
    }

    private protected X509Certificate2Collection? Authorities() =>
        CertificateAuthority is null ? null : TlsCertificates.LoadAuthorities(CertificateAuthority.Select(Unwrap));

    private protected X509Certificate2? LoadCertificate() =>
        Certificate is null ? null : TlsCertificates.Load(Unwrap(Certificate), CertificatePassword);

    private static object Unwrap(object item) => item is PSObject wrapped ? wrapped.BaseObject : item;
}
