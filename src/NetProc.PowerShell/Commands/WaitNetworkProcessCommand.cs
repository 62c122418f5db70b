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
        bool anyProcess = ParameterSetName == ByName && Name is null;
        var selected = anyProcess ? null : SelectProcesses();
        IReadOnlyList<NetProcess> Watched() => selected ?? Session.Table.Processes;
        bool Produced() => Watched().Any(p => p.OutputCount != p.OutputSeen);
        Session.WaitUntil(() => Produced() || (selected is not null && selected.All(p => !p.IsLive)), Timeout, this);
        var watched = Watched();
        WriteObject(watched.Any(p => p.OutputCount != p.OutputSeen));
        foreach (var process in watched)
        {
            process.OutputSeen = process.OutputCount;
        }
    }
}
