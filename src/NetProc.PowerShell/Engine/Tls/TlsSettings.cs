using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace NetProc.Engine;

/// <summary>
/// What a TLS client or server asks of its handshakes, validated and loaded once when the process is made: whom to
/// trust, its own certificate, the versions and application protocols it offers.
/// </summary>
internal sealed class TlsSettings
{
    /// <summary>How long a server waits, by default, for each client's handshake.</summary>
    public const double DefaultServerHandshakeTimeout = 10;

    private readonly X509Certificate2Collection? authorities;
    private readonly SslStreamCertificateContext? serverContext;

    /// <param name="authorities">Roots trusted instead of the system's store; null: the system's.</param>
    /// <param name="thumbprints">A client's pins: the server's certificate must be one of these (SHA-1 or SHA-256, hex).</param>
    /// <param name="certificate">A client's certificate, or a server's (which then needs its private key).</param>
    public TlsSettings(
        string? serverName = null,
        bool skipCertificateCheck = false,
        X509Certificate2Collection? authorities = null,
        IEnumerable<string>? thumbprints = null,
        X509Certificate2? certificate = null,
        IEnumerable<TlsProtocolVersion>? protocols = null,
        IEnumerable<string>? applicationProtocols = null,
        bool server = false,
        bool requireClientCertificate = false,
        double? handshakeTimeout = null)
    {
        ServerName = serverName;
        SkipCertificateCheck = skipCertificateCheck;
        this.authorities = authorities is { Count: > 0 } ? authorities : null;
        Thumbprints = (thumbprints ?? []).Select(TlsCertificates.NormalizeThumbprint).ToArray();
        Certificate = certificate;
        Protocols = (protocols ?? []).Aggregate(SslProtocols.None, (all, p) => all | (p == TlsProtocolVersion.Tls13 ? SslProtocols.Tls13 : SslProtocols.Tls12));
        ApplicationProtocols = applicationProtocols?.Select(name => new SslApplicationProtocol(name)).ToList();
        RequireClientCertificate = requireClientCertificate;
        HandshakeTimeout = handshakeTimeout ?? (server ? DefaultServerHandshakeTimeout : null);
        if (server)
        {
            if (certificate is null || !certificate.HasPrivateKey)
            {
                throw new NetProcException(
                    NetProcError.InvalidCertificate,
                    $"A TLS server needs its certificate's private key, and {certificate?.Subject ?? "the certificate"} comes without it: give a PFX file, a PEM file holding the key too, or an X509Certificate2 that has its key.",
                    certificate);
            }

            // Built once: every handshake then sends the same chain without building it again.
            serverContext = SslStreamCertificateContext.Create(certificate, null, offline: true);
        }
    }

    /// <summary>The name a client sends (SNI) and checks the server's certificate against; null: the host.</summary>
    public string? ServerName { get; }

    public bool SkipCertificateCheck { get; }

    public IReadOnlyList<string> Thumbprints { get; }

    public X509Certificate2? Certificate { get; }

    /// <summary>The versions allowed; None lets the system choose (TLS 1.2 and 1.3).</summary>
    public SslProtocols Protocols { get; }

    public List<SslApplicationProtocol>? ApplicationProtocols { get; }

    public bool RequireClientCertificate { get; }

    /// <summary>Seconds a server's handshake may take (a client's shares its -Timeout with the connect).</summary>
    public double? HandshakeTimeout { get; }

    public bool TrustsOwnAuthorities => authorities is not null;

    /// <summary>Whether these are a TLS server's settings (with its certificate and key).</summary>
    public bool IsServer => serverContext is not null;

    public SslClientAuthenticationOptions ForClient(string serverName, TlsPeerCheck check) => new()
    {
        TargetHost = serverName,
        EnabledSslProtocols = Protocols,
        ApplicationProtocols = ApplicationProtocols,
        ClientCertificates = Certificate is null ? null : new X509CertificateCollection { Certificate },
        LocalCertificateSelectionCallback = (_, _, _, serverCertificate, _) => check.SelectClientCertificate(Certificate, serverCertificate)!,
        CertificateChainPolicy = ChainPolicy(),
        RemoteCertificateValidationCallback = (_, certificate, chain, errors) => check.Accepts(certificate, chain, errors),
    };

    public SslServerAuthenticationOptions ForServer(TlsPeerCheck check) => new()
    {
        ServerCertificateContext = serverContext,
        ClientCertificateRequired = RequireClientCertificate,
        EnabledSslProtocols = Protocols,
        ApplicationProtocols = ApplicationProtocols,
        CertificateChainPolicy = ChainPolicy(),
        RemoteCertificateValidationCallback = (_, certificate, chain, errors) => check.Accepts(certificate, chain, errors),
    };

    /// <summary>With -CertificateAuthority, chains end at those roots only; no revocation lookups (they hang offline).</summary>
    private X509ChainPolicy? ChainPolicy()
    {
        if (authorities is null)
        {
            return null;
        }

        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.AddRange(authorities);
        return policy;
    }
}
