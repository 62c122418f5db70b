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
        using var delivery = VerboseDelivery();
        foreach (var process in SelectProcesses())
        {
            if (ShouldProcess(process.Name, Abort ? "Reset and remove" : "Close and remove"))
            {
                WriteVerbose(Describe(process));
                Session.Remove(process, WriteWarning, Abort);
            }
        }
    }

    /// <summary>How the close goes, for -Verbose.</summary>
    private string Describe(ProcessObject process) => process switch
    {
        { Status: ProcessStatus.Closed } => $"Removing {process.Name} from the list: it is already closed.",
        { Kind: ProcessKind.Server } => $"Closing the listener {process.Name}; its connections stay open.",
        DatagramProcess => $"Closing the datagram socket {process.Name}.",
        _ when Abort || process.Linger <= 0 => $"Resetting {process.Name}: what it has not yet delivered is dropped.",
        _ => $"Closing {process.Name} gracefully: what was sent reaches the peer, then the FIN, within {process.Linger} s (else a reset).",
    };
}
