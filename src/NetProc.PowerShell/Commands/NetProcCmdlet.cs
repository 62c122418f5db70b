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

    /// <summary>Stops the command: for usage errors (parameters that cannot go together, nothing to act on).</summary>
    private protected void ThrowTerminating(NetProcException e) => ThrowTerminatingError(ErrorRecords.From(e));
}
