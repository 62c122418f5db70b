using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace NetProc.Engine;

/// <summary>What a TLS handshake settled: the version, cipher suite, application protocol, and who the peer proved to be.</summary>
public sealed class TlsInfo
{
    internal TlsInfo(SslStream negotiated, string? serverName)
    {
        Protocol = negotiated.SslProtocol;
        CipherSuite = negotiated.NegotiatedCipherSuite;
        string alpn = negotiated.NegotiatedApplicationProtocol.ToString();
        ApplicationProtocol = alpn.Length == 0 ? null : alpn;
        RemoteCertificate = negotiated.RemoteCertificate is { } remote ? remote as X509Certificate2 ?? new X509Certificate2(remote) : null;
        ServerName = serverName;
    }

    /// <summary>The TLS version in use: <c>Tls12</c> or <c>Tls13</c>.</summary>
    public SslProtocols Protocol { get; }

    public TlsCipherSuite CipherSuite { get; }

    /// <summary>The ALPN protocol both sides chose (<c>h2</c>, <c>http/1.1</c>…), or null when none was.</summary>
    public string? ApplicationProtocol { get; }

    /// <summary>The peer's certificate: the server's for a client, the client's (if it sent one) for a connection.</summary>
    public X509Certificate2? RemoteCertificate { get; }

    /// <summary>The name the client sent (SNI) and checked the server's certificate against; null on a server's connections.</summary>
    public string? ServerName { get; }

    public override string ToString() =>
        ApplicationProtocol is null ? $"{Protocol} {CipherSuite}" : $"{Protocol} {CipherSuite} {ApplicationProtocol}";
}
