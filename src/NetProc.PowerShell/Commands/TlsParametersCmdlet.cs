using System.Management.Automation;
using System.Security;
using NetProc.Engine;
using NetProc.Session;

namespace NetProc.Commands;

/// <summary>The TLS parameters <c>New-NetworkProcess</c> and <c>Open-NetworkStream</c> share, and the settings made of them.</summary>
public abstract class TlsParametersCmdlet : CreateProcessCmdlet
{
    /// <summary>Only this module's cmdlets derive from it.</summary>
    private protected TlsParametersCmdlet()
    {
    }

    /// <summary>
    /// The name a TLS client sends the server (SNI) and checks its certificate against. Omitted: -HostName as given
    /// (a name or an address). Give it when connecting by an address, or through a tunnel, to a server known by a name.
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
    /// certificate and its private key: a TLS server's own (mandatory for a TLS server; it makes -Server a TLS server),
    /// or the client certificate a TLS client shows a server that asks for one.
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
    private protected bool AnyTlsParameter => TlsServerName is not null || SkipCertificateCheck || CertificateAuthority is not null
        || ServerCertificateThumbprint is not null || Certificate is not null || CertificatePassword is not null || SslProtocol is not null
        || ApplicationProtocol is not null;

    /// <summary>A TLS client's settings; warns once per session of -SkipCertificateCheck. Bad certificates throw NetProcException.</summary>
    private protected TlsSettings ClientTlsSettings() => TlsArguments.ClientSettings(
        Session.Table, WriteWarning, TlsServerName, SkipCertificateCheck, CertificateAuthority, ServerCertificateThumbprint, Certificate, CertificatePassword, SslProtocol, ApplicationProtocol);

    /// <summary>A TLS server's settings: -Certificate with its key, and what it asks of clients.</summary>
    private protected TlsSettings ServerTlsSettings(bool requireClientCertificate, double? handshakeTimeout)
    {
        if (TlsArguments.ClientOnlyParameter(TlsServerName, SkipCertificateCheck, ServerCertificateThumbprint) is { } misplaced)
        {
            ThrowTerminating(misplaced);
        }

        return TlsArguments.ServerSettings(CertificateAuthority, Certificate, CertificatePassword, SslProtocol, ApplicationProtocol, requireClientCertificate, handshakeTimeout);
    }

    /// <summary>Makes the TLS settings (null for plain); a certificate that cannot be used is an error record, and false.</summary>
    private protected bool TryMakeTls(Func<TlsSettings?> make, out TlsSettings? settings)
    {
        try
        {
            settings = make();
            return true;
        }
        catch (NetProcException e)
        {
            WriteError(e);
            settings = null;
            return false;
        }
    }
}
