using System.Management.Automation;
using NetProc.Engine;

namespace NetProc.Commands;

/// <summary>Emacs <c>continue-process</c>: reads again; harmless on a process that is not suspended.</summary>
[Cmdlet(VerbsLifecycle.Resume, "NetworkProcess", DefaultParameterSetName = ByName, SupportsShouldProcess = true)]
[OutputType(typeof(ProcessObject))]
public sealed class ResumeNetworkProcessCommand : ProcessSelectionCmdlet
{
    /// <summary>Writes each selected process to the pipeline. Without it, the cmdlet writes nothing.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var process in SelectProcesses())
        {
            if (ShouldProcess(process.Name, "Resume"))
            {
                process.Resume();
                WriteVerbose($"Resumed {process.Name}: it reads again.");
            }

            if (PassThru)
            {
                WriteObject(process);
            }
        }
    }
}
