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
    // Nothing signals an acknowledgement: a delivery wait looks this often.
    private static readonly TimeSpan DeliveryRecheck = TimeSpan.FromMilliseconds(2);

    /// <summary>Seconds to wait (fractions allowed; 0 only delivers what is pending). Omitted, or too large to represent: no limit.</summary>
    [Parameter]
    [Alias("TimeoutSec")]
    [ValidateRange(0, double.MaxValue)]
    public double? Timeout { get; set; }

    /// <summary>
    /// Waits instead until the peer has taken everything sent so far: acknowledged by its TCP (for a unix socket: read
    /// by the peer). Send returns once the data is in the operating system's send buffer; this waits for the rest of
    /// the way. $true when everything was taken before the timeout (also when nothing was sent), $false otherwise or
    /// when the connection closed first. Linux only tells what its kernel holds; elsewhere only NetProc's own queue counts.
    /// </summary>
    [Parameter]
    public SwitchParameter Delivered { get; set; }

    private protected override bool SelectsAllByDefault => true;

    protected override void ProcessRecord()
    {
        using var delivery = VerboseDelivery();
        string limit = Timeout is double seconds ? $"at most {seconds} s" : "without limit";
        if (Delivered)
        {
            var waited = SelectProcesses();
            if (VerboseWanted)
            {
                WriteVerbose($"Waiting {limit} until the peers of {Names(waited)} have taken everything sent.");
            }
            WriteObject(WaitForDelivery(waited));
            return;
        }

        if (ParameterSetName == ByName && Name is null)
        {
            if (VerboseWanted)
            {
                WriteVerbose($"Waiting {limit} for output from any process, running callbacks meanwhile.");
            }
            WriteObject(WaitForAnyOutput());
            return;
        }

        var selected = SelectProcesses();
        if (VerboseWanted)
        {
            WriteVerbose($"Waiting {limit} for output from {Names(selected)}, running callbacks meanwhile.");
        }
        Session.WaitUntil(() => AnyNewOutput(selected) || NoneLive(selected), Timeout, this, selected);
        WriteObject(AnyNewOutput(selected));
        foreach (var process in selected)
        {
            process.MarkOutputSeen();
        }
    }

    // Loops rather than LINQ: this cmdlet runs in tight script loops, once per message.
    private static bool AnyNewOutput(IReadOnlyList<ProcessObject> processes)
    {
        foreach (var process in processes)
        {
            if (process.HasNewOutput)
            {
                return true;
            }
        }

        return false;
    }

    private static bool NoneLive(IReadOnlyList<ProcessObject> processes)
    {
        foreach (var process in processes)
        {
            if (process.IsLive)
            {
                return false;
            }
        }

        return true;
    }

    private static string Names(IReadOnlyList<ProcessObject> processes) =>
        processes.Count == 0 ? "no process" : string.Join(", ", processes.Select(p => p.Name));

    private bool WaitForDelivery(IReadOnlyList<ProcessObject> selected)
    {
        bool AllTaken() => selected.All(p => p.UndeliveredBytes == 0);
        Session.WaitUntil(() => AllTaken() || selected.Any(p => !p.IsLive), Timeout, this, recheck: DeliveryRecheck);
        return AllTaken() && selected.All(p => p.IsLive);
    }

    /// <summary>
    /// Output from any process: unseen output already there, or any chunk delivered while waiting. The table is
    /// looked at once before and once after, not at every wake, so a server with thousands of connections waits cheaply.
    /// </summary>
    private bool WaitForAnyOutput()
    {
        bool unseen = Session.Table.Processes.Any(p => p.HasNewOutput);
        long delivered = Session.Table.DeliveredChunks;
        bool produced = Session.WaitUntil(() => unseen || Session.Table.DeliveredChunks != delivered, Timeout, this);
        foreach (var process in Session.Table.Processes)
        {
            process.MarkOutputSeen();
        }

        return produced;
    }
}
