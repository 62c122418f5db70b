using System.Collections.Concurrent;
using System.Management.Automation;
using System.Security;
using NetProc.Engine;

namespace NetProc.Commands;

/// <summary>
/// Emacs <c>gnutls-negotiate</c>: turns an open plain client into a TLS client in place, after the protocol's own
/// STARTTLS dialogue, keeping its name, callbacks, buffer and the order of what it read.
/// </summary>
[Cmdlet(VerbsSecurity.Protect, "NetworkProcess", DefaultParameterSetName = ByName, SupportsShouldProcess = true)]
[OutputType(typeof(StreamProcess))]
public sealed class ProtectNetworkProcessCommand : ProcessSelectionCmdlet
{
    private readonly CancellationTokenSource stopping = new();

    /// <summary>As for New-NetworkProcess -Tls: the name sent (SNI) and checked against the certificate; omitted, the process's host.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TlsServerName { get; set; }

    /// <summary>As for New-NetworkProcess -Tls: accepts any server certificate. Unsafe, for tests only; the session warns once.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>As for New-NetworkProcess -Tls: CA certificates (objects, or PEM or DER files) trusted instead of the system's store.</summary>
    [Parameter]
    [Alias("CACertificate")]
    [ValidateNotNullOrEmpty]
    public object[]? CertificateAuthority { get; set; }

    /// <summary>As for New-NetworkProcess -Tls: accept only a server certificate with one of these thumbprints (SHA-1 or SHA-256, hex).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ServerCertificateThumbprint { get; set; }

    /// <summary>As for New-NetworkProcess -Tls: the client certificate to show a server that asks for one (X509Certificate2, PFX or PEM file).</summary>
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

    /// <summary>As for New-NetworkProcess -Tls: the ALPN protocol names offered, in order of preference.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ApplicationProtocol { get; set; }

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
        var selected = SelectProcesses();
        if (selected.Count == 0)
        {
            return;
        }

        TlsSettings settings;
        try
        {
            settings = TlsArguments.ClientSettings(
                Session.Table, WriteWarning, TlsServerName, SkipCertificateCheck, CertificateAuthority, ServerCertificateThumbprint, Certificate,
                CertificatePassword, SslProtocol, ApplicationProtocol);
        }
        catch (NetProcException e)
        {
            WriteError(e);
            return;
        }

        foreach (var process in selected)
        {
            if (process is not StreamProcess stream)
            {
                WriteError(new NetProcException(
                    NetProcError.ProcessNotRunning, $"Process {process.Name} is not a stream connection: only a TCP or unix-socket client can start TLS.", process));
                continue;
            }

            if (!ShouldProcess(stream.Name, "Start TLS"))
            {
                continue;
            }

            try
            {
                var steps = new ConcurrentQueue<string>();
                StepWait.For(this, stream.UpgradeToTlsAsync(settings, Timeout, stopping.Token, steps.Enqueue), steps);
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

    protected override void StopProcessing() => stopping.Cancel();
}
