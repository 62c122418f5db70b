using System.Management.Automation;
using NetProc.Engine;

namespace NetProc.Commands;

/// <summary>
/// Emacs <c>accept-process-output</c>: runs pending filters and sentinels of every process while it waits, and returns
/// whether the named process (or, naming none, any process) produced output before the timeout.
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
        bool anyProcess = ParameterSetName == ByName && Name is null;
        if (anyProcess)
        {
            long start = Session.OutputCount;
            WriteObject(Session.WaitUntil(() => Session.OutputCount != start, Timeout, this));
            return;
        }

        var processes = SelectProcesses();
        var before = processes.ToDictionary(p => p, p => p.OutputCount);
        bool Produced() => processes.Any(p => p.OutputCount != before[p]);
        Session.WaitUntil(() => Produced() || processes.All(p => !p.IsLive), Timeout, this);
        WriteObject(Produced());
    }
}
