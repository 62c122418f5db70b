using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace NetProc.Engine;

/// <summary>
/// Decides, during one handshake, whether the peer's certificate is accepted, and if not keeps why, so the failure
/// names the reason (expired, untrusted, another name, not the pinned one) instead of "authentication failed".
/// </summary>
internal sealed class TlsPeerCheck
{
    private readonly TlsSettings settings;
    private readonly string peer;
    private readonly string? serverName;

    /// <param name="peer">The peer as the user knows it, for messages: <c>example.com:443</c>, or <c>client 10.0.0.5</c>.</param>
    /// <param name="serverName">The name checked (a client's check of its server); null when checking a client.</param>
    public TlsPeerCheck(TlsSettings settings, string peer, string? serverName)
    {
        this.settings = settings;
        this.peer = peer;
        this.serverName = serverName;
    }

    /// <summary>Why the peer's certificate was refused; null if it was not (or not looked at yet).</summary>
    public NetProcException? Refusal { get; private set; }

    /// <summary>
    /// Whether the server asked this client for a certificate (its CertificateRequest; with OpenSSL underneath, .NET
    /// asks the client's selection callback only then, with the server's certificate at hand).
    /// </summary>
    public bool CertificateAsked { get; private set; }

    /// <summary>The server asked this client for a certificate, and it had none to give.</summary>
    public bool CertificateWithheld => CertificateAsked && settings.Certificate is null;

    /// <summary>A client's certificate selection: always <paramref name="certificate"/>, noting whether the server asked for one.</summary>
    public X509Certificate? SelectClientCertificate(X509Certificate2? certificate, X509Certificate? serverCertificate)
    {
        CertificateAsked |= serverCertificate is not null;
        return certificate;
    }

    private bool CheckingServer => serverName is not null;

    public bool Accepts(System.Security.Cryptography.X509Certificates.X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (CheckingServer && settings.SkipCertificateCheck)
        {
            return true;
        }

        var presented = certificate as X509Certificate2 ?? (certificate is null ? null : new X509Certificate2(certificate));
        if (presented is null)
        {
            if (!CheckingServer && !settings.RequireClientCertificate)
            {
                return true;
            }

            return Refuse(NetProcError.TlsCertificateRejected, CheckingServer
                ? $"{peer} sent no certificate, so who it is cannot be checked."
                : $"The {peer} sent no certificate, and -RequireClientCertificate asks every client for one.");
        }

        if (CheckingServer && settings.Thumbprints.Count > 0)
        {
            return TlsCertificates.MatchesAny(presented, settings.Thumbprints) || Refuse(
                NetProcError.TlsThumbprintMismatch,
                $"The certificate of {peer} ({presented.Subject}, thumbprint {presented.Thumbprint}) is not the one pinned with -ServerCertificateThumbprint: "
                + "another server answered, or its certificate was renewed. If it is genuine, pin the new thumbprint.");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            return RefuseChain(presented, chain);
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return Refuse(
                NetProcError.TlsNameMismatch,
                $"The certificate of {peer} is for {TlsCertificates.NamesOf(presented)}, not for '{serverName}': connect by a name it carries, "
                + "or give -TlsServerName the name the server is known by.");
        }

        return errors == SslPolicyErrors.None || Refuse(NetProcError.TlsCertificateRejected, $"The certificate of {Whose()} was refused: {errors}.");
    }

    private bool RefuseChain(X509Certificate2 presented, X509Chain? chain)
    {
        var status = chain?.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status) ?? X509ChainStatusFlags.NoError;
        string what = $"The certificate of {Whose()} ({presented.Subject}, issued by {presented.Issuer})";
        string trustHint = CheckingServer
            ? "Give -CertificateAuthority the certificate of the CA that issued it, or pin it with -ServerCertificateThumbprint "
              + $"{presented.Thumbprint}, or (for a test only: unsafe) -SkipCertificateCheck."
            : "Give the server -CertificateAuthority the certificate of the CA that issued the clients' certificates.";
        if (status.HasFlag(X509ChainStatusFlags.NotTimeValid))
        {
            var now = DateTime.Now;
            return Refuse(NetProcError.TlsCertificateExpired, presented.NotAfter < now
                ? $"{what} expired on {presented.NotAfter:u}: the server must renew it."
                : $"{what} is not valid before {presented.NotBefore:u}: check this machine's clock, and the server's certificate.");
        }

        if ((status & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
        {
            string store = settings.TrustsOwnAuthorities ? "the CA certificates given with -CertificateAuthority" : "the system's trust store";
            return Refuse(NetProcError.TlsUntrustedCertificate, $"{what} is not trusted: its chain does not end at a root in {store}. {trustHint}");
        }

        string details = chain is null ? "its chain could not be built" : string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct());
        return Refuse(NetProcError.TlsCertificateRejected, $"{what} was refused: {details}.");
    }

    private string Whose() => CheckingServer ? peer : $"the {peer}";

    private bool Refuse(NetProcError error, string message)
    {
        Refusal = new NetProcException(error, message, peer);
        return false;
    }
}
