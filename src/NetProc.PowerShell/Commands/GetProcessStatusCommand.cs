using System.Management.Automation;
using NetProc.Engine;

namespace NetProc.Commands;

/// <summary>Emacs <c>process-status</c>.</summary>
[Cmdlet(VerbsCommon.Get, "ProcessStatus", DefaultParameterSetName = ByName)]
[OutputType(typeof(ProcessStatus))]
public sealed class GetProcessStatusCommand : ProcessSelectionCmdlet
{
    protected override void ProcessRecord()
    {
        // Looking at processes is a moment the session waits: what arrived shows, as it would at the prompt.
        Session.DeliverPending(WriteWarning);
        foreach (var process in SelectProcesses())
        {
            WriteObject(process.Status);
        }
    }
}
