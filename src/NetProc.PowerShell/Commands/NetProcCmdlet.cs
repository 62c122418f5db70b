using System.Management.Automation;
using NetProc.Engine;
using NetProc.Session;

namespace NetProc.Commands;

/// <summary>What every NetProc cmdlet shares: its runspace's session and error reporting.</summary>
public abstract class NetProcCmdlet : PSCmdlet
{
    /// <summary>Only this module's cmdlets derive from it.</summary>
    private protected NetProcCmdlet()
    {
    }

    /// <summary>Sends at least this large show progress while they wait for room in the socket.</summary>
    private const int ProgressThreshold = 1 << 20;

    private ProcessSession? session;
    private bool? verboseWanted;

    private protected ProcessSession Session => session ??= ProcessSession.For(this);

    /// <summary>
    /// Whether -Verbose (or $VerbosePreference) asks for this cmdlet's verbose output; looked up once, so cmdlets called
    /// in tight loops build their verbose texts only when someone reads them.
    /// </summary>
    private protected bool VerboseWanted => verboseWanted ??=
        MyInvocation.BoundParameters.TryGetValue("Verbose", out object? flag)
            ? flag is SwitchParameter { IsPresent: true }
            : GetVariableValue("VerbosePreference") is ActionPreference preference && preference != ActionPreference.SilentlyContinue
                && preference != ActionPreference.Ignore;

    /// <summary>While delivering for this cmdlet, tells -Verbose of accepts and closes (only if it is wanted: it costs).</summary>
    private protected IDisposable VerboseDelivery() => Session.VerboseTo(VerboseWanted ? WriteVerbose : null);

    private protected void WriteError(NetProcException e) => WriteError(ErrorRecords.From(e));

    /// <summary>Makes the TLS settings (null for plain); a certificate that cannot be used is an error record, and false.</summary>
    private protected bool TryMakeTls(Func<TlsSettings?> make, out TlsSettings? settings)
    {
        try
        {
            settings = make();
            return true;
        }
        catch (NetProcException e)
        {
            WriteError(e);
            settings = null;
            return false;
        }
    }

    /// <summary>
    /// Waits until <paramref name="work"/> completes or <paramref name="timeout"/> seconds pass (null: no limit),
    /// callbacks running meanwhile, as in every wait on listed processes (a peer in the same session may have to
    /// answer first); <paramref name="eachWake"/> runs at every wake. False when the time passed first.
    /// </summary>
    internal bool WaitDelivering(Task work, double? timeout = null, Action? eachWake = null)
    {
        using var delivery = VerboseDelivery();
        work.ContinueWith(_ => Session.Table.Activity.Set(), TaskScheduler.Default);
        return Session.WaitUntil(
            () =>
            {
                eachWake?.Invoke();
                return work.IsCompleted;
            },
            timeout,
            this);
    }

    /// <summary>
    /// Waits until a send is written (it waits for room in the send buffer), callbacks running meanwhile and a large
    /// send showing progress: Send-NetworkProcess's wait, and Open-NetworkStream's for its commands. False when
    /// <paramref name="timeout"/> seconds passed first.
    /// </summary>
    internal bool WaitUntilWritten(ProcessObject process, Task sent, int length, long sentBefore, double? timeout = null)
    {
        var progress = length >= ProgressThreshold ? new TransferProgress(this, $"Sending to {process.Name}", "written", length) : null;
        bool written = WaitDelivering(sent, timeout, () => progress?.Report(process.BytesSent - sentBefore));
        progress?.Complete();
        return written;
    }

    /// <summary>Stops the command: for usage errors (parameters that cannot go together, nothing to act on).</summary>
    private protected void ThrowTerminating(NetProcException e) => ThrowTerminatingError(ErrorRecords.From(e));
}
