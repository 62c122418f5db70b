using System.Management.Automation;
using NetProc.Engine;

namespace NetProc.Commands;

/// <summary>
/// The TLS parameters of the cmdlets that can make a TLS server (<c>New-NetworkProcess -Server</c>, and
/// <c>Protect-NetworkProcess</c> on a server's connection): the shared ones, and what a server asks of its clients.
/// </summary>
public sealed class TlsServerParameters : TlsParameters
{
    /// <summary>Only this module's cmdlets make them.</summary>
    internal TlsServerParameters()
    {
    }

    /// <summary>
    /// A TLS server asks its clients for a certificate and accepts only one it trusts (the system's store, or
    /// -CertificateAuthority); a client without one fails its handshake, which a server's log hears.
    /// </summary>
    [Parameter]
    public SwitchParameter RequireClientCertificate { get; set; }

    internal override bool Any => base.Any || RequireClientCertificate;

    /// <summary>
    /// A TLS server's settings: -Certificate with its key, and what it asks of clients. The caller refuses
    /// <see cref="TlsParameters.ClientOnlyParameterGiven"/> first. Bad certificates throw NetProcException.
    /// </summary>
    internal TlsSettings ServerSettings(double? handshakeTimeout) => new(
        authorities: Authorities(),
        certificate: LoadCertificate(),
        protocols: SslProtocol,
        applicationProtocols: ApplicationProtocol,
        server: true,
        requireClientCertificate: RequireClientCertificate,
        handshakeTimeout: handshakeTimeout);
}
