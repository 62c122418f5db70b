using System.Management.Automation;
using NetProc.Engine;

namespace NetProc.Commands;

/// <summary>Emacs <c>delete-process</c>: closes the process (never the peer's program), runs its sentinel with <c>"deleted\n"</c>.</summary>
[Cmdlet(VerbsCommon.Remove, "NetworkProcess", DefaultParameterSetName = ByName, SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemoveNetworkProcessCommand : ProcessSelectionCmdlet
{
    protected override void ProcessRecord()
    {
        foreach (var process in SelectProcesses())
        {
            if (ShouldProcess(process.Name, "Close and remove"))
            {
                Session.Remove(process, WriteWarning);
            }
        }
    }
}
