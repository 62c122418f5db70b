using System.Collections.Concurrent;
using System.Management.Automation;
using NetProc.Engine;

namespace NetProc.Commands;

/// <summary>
/// Emacs <c>gnutls-negotiate</c>: turns an open plain client into a TLS client in place, after the protocol's own
/// STARTTLS dialogue, keeping its name, callbacks, buffer and the order of what it read.
/// </summary>
[Cmdlet(VerbsSecurity.Protect, "NetworkProcess", DefaultParameterSetName = ByName, SupportsShouldProcess = true)]
[OutputType(typeof(StreamProcess))]
public sealed class ProtectNetworkProcessCommand : ProcessSelectionCmdlet, IDynamicParameters
{
    private readonly CancellationTokenSource stopping = new();

    /// <summary>The TLS parameters, shared with New-NetworkProcess and Open-NetworkStream.</summary>
    private readonly TlsParameters tlsParameters = new();

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
        var selected = SelectProcesses();
        if (selected.Count == 0)
        {
            return;
        }

        TlsSettings settings;
        try
        {
            settings = tlsParameters.ClientSettings(Session.Table, WriteWarning);
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
