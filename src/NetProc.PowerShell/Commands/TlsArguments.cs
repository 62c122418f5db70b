using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Security;
using System.Security.Cryptography.X509Certificates;
using NetProc.Engine;

namespace NetProc.Commands;

/// <summary>
/// TLS parameters as cmdlets get them, made into settings: the one place for the cmdlets that create TLS processes
/// and for Protect-NetworkProcess, which upgrades one.
/// </summary>
internal static class TlsArguments
{
    /// <summary>Sessions already told that -SkipCertificateCheck is unsafe: the warning comes once per session.</summary>
    private static readonly ConditionalWeakTable<ProcessTable, object> WarnedOfSkippedCheck = new();

    /// <summary>
    /// A TLS client's settings; <paramref name="warn"/> hears, once per session (<paramref name="session"/>), that
    /// -SkipCertificateCheck is unsafe. Bad certificates throw NetProcException.
    /// </summary>
    public static TlsSettings ClientSettings(
        ProcessTable session,
        Action<string> warn,
        string? serverName,
        bool skipCertificateCheck,
        object[]? authorities,
        string[]? thumbprints,
        object? certificate,
        SecureString? password,
        TlsProtocolVersion[]? protocols,
        string[]? applicationProtocols)
    {
        var settings = new TlsSettings(
            serverName, skipCertificateCheck, Authorities(authorities), thumbprints, Certificate(certificate, password), protocols, applicationProtocols);
        if (skipCertificateCheck && WarnedOfSkippedCheck.TryAdd(session, true))
        {
            warn("-SkipCertificateCheck: the server's certificate is not checked, so anyone between here and the server can read and change "
                + "the traffic. Use it for tests only; -CertificateAuthority or -ServerCertificateThumbprint trust a self-signed server safely.");
        }

        return settings;
    }

    /// <summary>
    /// A TLS server's settings: its certificate (which needs its key; null throws InvalidCertificate), and what it asks
    /// of its clients.
    /// </summary>
    public static TlsSettings ServerSettings(
        object[]? authorities,
        object? certificate,
        SecureString? password,
        TlsProtocolVersion[]? protocols,
        string[]? applicationProtocols,
        bool requireClientCertificate,
        double? handshakeTimeout) => new(
            authorities: Authorities(authorities),
            certificate: Certificate(certificate, password),
            protocols: protocols,
            applicationProtocols: applicationProtocols,
            server: true,
            requireClientCertificate: requireClientCertificate,
            handshakeTimeout: handshakeTimeout);

    /// <summary>The first of a TLS client's own parameters given to a TLS server, as an IncompatibleParameters error; null when none was.</summary>
    public static NetProcException? ClientOnlyParameter(string? serverName, bool skipCertificateCheck, string[]? thumbprints)
    {
        string? name = serverName is not null ? "TlsServerName"
            : skipCertificateCheck ? "SkipCertificateCheck"
            : thumbprints is not null ? "ServerCertificateThumbprint"
            : null;
        return name is null ? null : new NetProcException(
            NetProcError.IncompatibleParameters, $"-{name} is for TLS clients, which check their server: a TLS server does not check itself. Remove it.", name);
    }

    public static X509Certificate2Collection? Authorities(object[]? given) =>
        given is null ? null : TlsCertificates.LoadAuthorities(given.Select(Unwrap));

    public static X509Certificate2? Certificate(object? given, SecureString? password) =>
        given is null ? null : TlsCertificates.Load(Unwrap(given), password);

    private static object Unwrap(object item) => item is PSObject wrapped ? wrapped.BaseObject : item;
}
