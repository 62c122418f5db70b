using System.Management.Automation;
using NetProc.Engine;

namespace NetProc.Commands;

/// <summary>Emacs <c>stop-process</c>: stops reading; the peer's data waits in the kernel, its close is noticed after resume.</summary>
[Cmdlet(VerbsLifecycle.Suspend, "NetworkProcess", DefaultParameterSetName = ByName, SupportsShouldProcess = true)]
[OutputType(typeof(ProcessObject))]
public sealed class SuspendNetworkProcessCommand : ProcessSelectionCmdlet
{
    /// <summary>Writes each selected process to the pipeline. Without it, the cmdlet writes nothing.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var process in SelectProcesses())
        {
            if (ShouldProcess(process.Name, "Suspend"))
            {
                process.Suspend();
                WriteVerbose($"Suspended {process.Name}: it reads nothing more; what arrives waits in the system.");
            }

            if (PassThru)
            {
                WriteObject(process);
            }
        }
    }
}
