using System.Management.Automation;
using NetProc.Engine;

namespace NetProc.Commands;

/// <summary>Emacs <c>process-list</c> / <c>get-process</c>: the session's processes, all or selected.</summary>
[Cmdlet(VerbsCommon.Get, "NetworkProcess", DefaultParameterSetName = ByName)]
[OutputType(typeof(ProcessObject))]
public sealed class GetNetworkProcessCommand : ProcessSelectionCmdlet
{
    private protected override bool SelectsAllByDefault => true;

    protected override void ProcessRecord()
    {
        // Looking at processes is a moment the session waits: what arrived shows, as it would at the prompt.
        using (VerboseDelivery())
        {
            Session.DeliverPending(WriteWarning);
        }

        foreach (var process in SelectProcesses())
        {
            WriteObject(process);
        }
    }
}
