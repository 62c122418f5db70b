using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Management.Automation;
using System.Security;
using NetProc.Engine;

namespace NetProc.Commands;

/// <summary>
/// Emacs <c>gnutls-negotiate</c>: turns an open plain connection into TLS in place, after the protocol's own STARTTLS
/// dialogue, keeping its name, callbacks, buffer and the order of what it read. A client becomes the TLS client, a
/// connection a server accepted the TLS server (-Role says otherwise).
/// </summary>
[Cmdlet(VerbsSecurity.Protect, "NetworkProcess", DefaultParameterSetName = ByName, SupportsShouldProcess = true)]
[OutputType(typeof(StreamProcess))]
public sealed class ProtectNetworkProcessCommand : ProcessSelectionCmdlet
{
    private readonly CancellationTokenSource stopping = new();
    private TlsSettings? clientSettings;
    private TlsSettings? serverSettings;

    /// <summary>As for New-NetworkProcess -Tls: the name sent (SNI) and checked against the certificate; omitted, the process's host.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TlsServerName { get; set; }

    /// <summary>As for New-NetworkProcess -Tls: accepts any server certificate. Unsafe, for tests only; the session warns once.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>
    /// CA certificates (objects, or PEM or DER files) trusted instead of the system's store: the TLS client checks its
    /// server's certificate against them, the TLS server (with -RequireClientCertificate) its client's.
    /// </summary>
    [Parameter]
    [Alias("CACertificate")]
    [ValidateNotNullOrEmpty]
    public object[]? CertificateAuthority { get; set; }

    /// <summary>As for New-NetworkProcess -Tls: accept only a server certificate with one of these thumbprints (SHA-1 or SHA-256, hex).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ServerCertificateThumbprint { get; set; }

    /// <summary>
    /// This side's certificate (X509Certificate2, or a PFX or PEM file): the TLS server's own, with its private key
    /// (needed on a server's connection), or the client certificate the TLS client shows a server that asks for one.
    /// </summary>
    [Parameter]
    [Session.UnwrapArgument]
    [ValidateNotNull]
    public object? Certificate { get; set; }

    /// <summary>The password of the -Certificate file, as a SecureString.</summary>
    [Parameter]
    public SecureString? CertificatePassword { get; set; }

    /// <summary>As for New-NetworkProcess -Tls: the TLS versions allowed, Tls12, Tls13 or both (the default).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public TlsProtocolVersion[]? SslProtocol { get; set; }

    /// <summary>As for New-NetworkProcess -Tls: the ALPN protocol names offered (the TLS server: accepted), in order of preference.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ApplicationProtocol { get; set; }

    /// <summary>
    /// As for New-NetworkProcess -Server: the TLS server asks its client for a certificate and accepts only one it
    /// trusts (the system's store, or -CertificateAuthority); the handshake fails otherwise.
    /// </summary>
    [Parameter]
    public SwitchParameter RequireClientCertificate { get; set; }

    /// <summary>
    /// The side this end takes in the handshake: Server (it needs -Certificate) or Client. Omitted: a connection a
    /// server accepted is the TLS server, a client the TLS client, as STARTTLS protocols have it.
    /// </summary>
    [Parameter]
    public TlsRole? Role { get; set; }

    /// <summary>
    /// Seconds the upgrade may take: writing what was sent before, then the handshake (fractions allowed). Then it
    /// fails with TlsHandshakeTimeout and the connection is closed. Omitted: no limit; Ctrl+C ends it at any time.
    /// </summary>
    [Parameter]
    [Alias("TimeoutSec")]
    [ValidateRange(0, double.MaxValue)]
    public double? Timeout { get; set; }

    /// <summary>Writes each upgraded process to the pipeline. Without it, the cmdlet writes nothing.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var process in SelectProcesses())
        {
            if (process is not StreamProcess stream)
            {
                WriteError(new NetProcException(
                    NetProcError.ProcessNotRunning,
                    process is ServerProcess
                        ? $"Process {process.Name} is a server: it only accepts connections and speaks no TLS itself. Protect one of its connections "
                          + $"(named '{process.Name} <…>') after its STARTTLS dialogue, or make a TLS server with New-NetworkProcess -Server -Certificate."
                        : $"Process {process.Name} is not a stream connection: only a TCP or unix-socket connection can start TLS.",
                    process));
                continue;
            }

            var role = Role ?? (stream.Kind == ProcessKind.Connection ? TlsRole.Server : TlsRole.Client);
            if (!TrySettings(stream, role, out var settings))
            {
                return;
            }

            if (!ShouldProcess(stream.Name, $"Start TLS as the TLS {role.ToString().ToLowerInvariant()}"))
            {
                continue;
            }

            try
            {
                var steps = new ConcurrentQueue<string>();
                StepWait.For(this, stream.UpgradeToTlsAsync(settings, Timeout, stopping.Token, steps.Enqueue), steps, deliverCallbacks: true);
                WriteVerbose($"{stream.Name} speaks TLS now: {stream.Tls}.");
            }
            catch (NetProcException e)
            {
                WriteError(e);
                continue;
            }

            if (PassThru)
            {
                WriteObject(stream);
            }
        }
    }

    /// <summary>
    /// The settings for <paramref name="role"/>, made once per role; parameters that do not fit the role stop the
    /// command, a certificate that cannot be used is an error record (and false).
    /// </summary>
    private bool TrySettings(StreamProcess process, TlsRole role, [NotNullWhen(true)] out TlsSettings? settings)
    {
        string why = Role is null
            ? $"Process {process.Name} is {(role == TlsRole.Server ? "a connection a server accepted" : "a client")}, so it starts TLS as the TLS {role.ToString().ToLowerInvariant()}"
            : $"With -Role {role}, process {process.Name} starts TLS as the TLS {role.ToString().ToLowerInvariant()}";
        if (role == TlsRole.Server && Certificate is null)
        {
            ThrowTerminating(new NetProcException(
                NetProcError.IncompatibleParameters,
                $"{why}, which needs -Certificate: its own certificate, with its private key. (-Role Client makes it the TLS client.)",
                process));
        }

        if (role == TlsRole.Server && TlsArguments.ClientOnlyParameter(TlsServerName, SkipCertificateCheck, ServerCertificateThumbprint) is { } misplaced)
        {
            ThrowTerminating(misplaced);
        }

        if (role == TlsRole.Client && RequireClientCertificate)
        {
            ThrowTerminating(new NetProcException(
                NetProcError.IncompatibleParameters, $"{why}: -RequireClientCertificate is for the TLS server. The client shows its own with -Certificate.", process));
        }

        try
        {
            settings = role == TlsRole.Server
                ? serverSettings ??= TlsArguments.ServerSettings(
                    CertificateAuthority, Certificate, CertificatePassword, SslProtocol, ApplicationProtocol, RequireClientCertificate, Timeout)
                : clientSettings ??= TlsArguments.ClientSettings(
                    Session.Table, WriteWarning, TlsServerName, SkipCertificateCheck, CertificateAuthority, ServerCertificateThumbprint, Certificate,
                    CertificatePassword, SslProtocol, ApplicationProtocol);
            return true;
        }
        catch (NetProcException e)
        {
            WriteError(e);
            settings = null;
            return false;
        }
    }

    protected override void StopProcessing() => stopping.Cancel();
}
