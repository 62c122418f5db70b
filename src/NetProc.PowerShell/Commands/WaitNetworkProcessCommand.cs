using System.Management.Automation;
using NetProc.Engine;

namespace NetProc.Commands;

/// <summary>
/// Emacs <c>accept-process-output</c>: runs pending filters and sentinels of every process while it waits, and returns
/// whether the named process (or, naming none, any process) produced output before the timeout. Output delivered
/// since the last wait (between commands, say) counts, so a wait never misses output that came just before it.
/// </summary>
[Cmdlet(VerbsLifecycle.Wait, "NetworkProcess", DefaultParameterSetName = ByName)]
[OutputType(typeof(bool))]
public sealed class WaitNetworkProcessCommand : ProcessSelectionCmdlet
{
    /// <summary>Seconds to wait (fractions allowed; 0 only delivers what is pending). Omitted: no limit.</summary>
    [Parameter]
    [Alias("TimeoutSec")]
    [ValidateRange(0, double.MaxValue)]
    public double? Timeout { get; set; }

    protected override bool SelectsAllByDefault => true;

    protected override void ProcessRecord()
    {
        if (ParameterSetName == ByName && Name is null)
        {
            WriteObject(Session.WaitUntil(() => Session.OutputCount != Session.OutputSeen, Timeout, this));
            Session.OutputSeen = Session.OutputCount;
            return;
        }

        var processes = SelectProcesses();
        bool Produced() => processes.Any(p => p.OutputCount != p.OutputSeen);
        Session.WaitUntil(() => Produced() || processes.All(p => !p.IsLive), Timeout, this);
        WriteObject(Produced());
        foreach (var process in processes)
        {
            process.OutputSeen = process.OutputCount;
        }
    }
}
