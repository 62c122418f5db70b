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
        foreach (var process in SelectProcesses())
        {
            WriteObject(process.Status);
        }
    }
}
