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

    public static X509Certificate2Collection? Authorities(object[]? given) =>
        given is null ? null : TlsCertificates.LoadAuthorities(given.Select(Unwrap));

    public static X509Certificate2? Certificate(object? given, SecureString? password) =>
        given is null ? null : TlsCertificates.Load(Unwrap(given), password);

    private static object Unwrap(object item) => item is PSObject wrapped ? wrapped.BaseObject : item;
}
