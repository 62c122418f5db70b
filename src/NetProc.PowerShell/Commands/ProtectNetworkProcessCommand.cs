using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Management.Automation;
using NetProc.Engine;

namespace NetProc.Commands;

/// <summary>
/// Emacs <c>gnutls-negotiate</c>: turns an open plain connection into TLS in place, after the protocol's own STARTTLS
/// dialogue, keeping its name, callbacks, buffer and the order of what it read. A client becomes the TLS client, a
/// connection a server accepted the TLS server (-Role says otherwise).
/// </summary>
[Cmdlet(VerbsSecurity.Protect, "NetworkProcess", DefaultParameterSetName = ByName, SupportsShouldProcess = true)]
[OutputType(typeof(StreamProcess))]
public sealed class ProtectNetworkProcessCommand : ProcessSelectionCmdlet, IDynamicParameters
{
    private readonly CancellationTokenSource stopping = new();
    private TlsSettings? clientSettings;
    private TlsSettings? serverSettings;

    /// <summary>The TLS parameters, shared with New-NetworkProcess and Open-NetworkStream.</summary>
    private readonly TlsServerParameters tlsParameters = new();

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

    /// <summary>PowerShell binds the TLS parameters as this cmdlet's own.</summary>
    public object GetDynamicParameters() => tlsParameters;

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
        if (role == TlsRole.Server && tlsParameters.Certificate is null)
        {
            ThrowTerminating(new NetProcException(
                NetProcError.IncompatibleParameters,
                $"{why}, which needs -Certificate: its own certificate, with its private key. (-Role Client makes it the TLS client.)",
                process));
        }

        if (role == TlsRole.Server && tlsParameters.ClientOnlyParameterGiven() is { } misplaced)
        {
            ThrowTerminating(misplaced);
        }

        if (role == TlsRole.Client && tlsParameters.RequireClientCertificate)
        {
            ThrowTerminating(new NetProcException(
                NetProcError.IncompatibleParameters, $"{why}: -RequireClientCertificate is for the TLS server. The client shows its own with -Certificate.", process));
        }

        return TryMakeTls(
            () => role == TlsRole.Server
                ? serverSettings ??= tlsParameters.ServerSettings(Timeout)
                : clientSettings ??= tlsParameters.ClientSettings(Session.Table, WriteWarning),
            out settings);
    }

    protected override void StopProcessing() => stopping.Cancel();
}
