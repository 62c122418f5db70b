using System.Management.Automation;
using NetProc.Engine;

namespace NetProc.Commands;

/// <summary>
/// Emacs <c>delete-process</c>: closes the process (never the peer's program), runs its sentinel with <c>"deleted\n"</c>.
/// The close is graceful: what Send accepted still reaches the peer, then the FIN, within the process's Linger time;
/// <c>-Abort</c> resets the connection at once instead.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "NetworkProcess", DefaultParameterSetName = ByName, SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemoveNetworkProcessCommand : ProcessSelectionCmdlet
{
    /// <summary>Resets the connection (RST) at once: what was not yet delivered is dropped, unread input too.</summary>
    [Parameter]
    public SwitchParameter Abort { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var process in SelectProcesses())
        {
            if (ShouldProcess(process.Name, Abort ? "Reset and remove" : "Close and remove"))
            {
                Session.Remove(process, WriteWarning, Abort);
            }
        }
    }
}
