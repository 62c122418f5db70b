using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using NetProc.Engine;

namespace NetProc.Session;

/// <summary>
/// One runspace's processes and the only place that turns engine events into ScriptBlock calls.
/// Transport threads reach it through <see cref="ProcessTable.Ready"/>, which only raises a PowerShell engine event;
/// the event's action, the waiting cmdlets and removal then deliver on the pipeline thread.
/// </summary>
internal sealed class ProcessSession
{
    internal const string PumpSourceIdentifier = "NetProc.Deliver";

    private const int PullLingerMicroseconds = 1000;

    private static readonly ConditionalWeakTable<Runspace, ProcessSession> Sessions = new();

    private readonly Runspace runspace;
    private readonly PSEventManager events;
    private readonly PSHost host;
    private readonly PSEventSubscriber subscriber;
    private readonly PSObject deliverFromEvent;

    // Processes whose deliveries are being handed out: a nested wait inside one of their callbacks leaves them alone.
    private readonly HashSet<ProcessObject> delivering = new();
    private Action<string>? verbose;
    private int eventQueued;
    private int waiting;
    private int callbacksDueWhileWaiting;

    private ProcessSession(Runspace runspace, PSEventManager events, PSHost host)
    {
        this.runspace = runspace;
        this.events = events;
        this.host = host;
        deliverFromEvent = PSObject.AsPSObject(new Func<IReadOnlyList<string>>(DeliverFromEvent));
        Table.Ready += OnReady;
        subscriber = events.SubscribeEvent(
            source: null,
            eventName: null,
            sourceIdentifier: PumpSourceIdentifier,
            data: null,
            // Write-Warning from the action goes through the streams of whatever runs at the moment, so a script's
            // $WarningPreference and redirections (3>&1, 3>$null) apply to callback warnings too.
            // The action calls back through the event's MessageData (see RaiseDeliveryEvent), so it names no type:
            // nothing of the bridge is public to scripts.
            action: ScriptBlock.Create("foreach ($warning in $Event.MessageData.Invoke()) { Write-Warning $warning }"),
            supportEvent: true,
            forwardEvent: false);
        runspace.StateChanged += OnRunspaceStateChanged;
    }

    public ProcessTable Table { get; } = new();

    /// <summary>
    /// Until disposed, delivery tells <paramref name="sink"/> (a waiting cmdlet's WriteVerbose) whom servers accept and
    /// how processes close; nested waits restore the outer sink when they end.
    /// </summary>
    public IDisposable VerboseTo(Action<string>? sink)
    {
        // The common case, no verbose output asked for here or outside: nothing to restore, nothing allocated.
        if (sink is null && verbose is null)
        {
            return VerboseScope.None;
        }

        var outer = verbose;
        verbose = sink;
        return new VerboseScope(this, outer);
    }

    /// <summary>The session of the calling runspace, created on first use.</summary>
    public static ProcessSession For(PSCmdlet cmdlet)
    {
        var current = Runspace.DefaultRunspace
            ?? throw new InvalidOperationException("NetProc cmdlets must run on a PowerShell pipeline thread.");
        lock (Sessions)
        {
            if (!Sessions.TryGetValue(current, out var session))
            {
                session = new ProcessSession(current, cmdlet.Events, cmdlet.Host);
                Sessions.Add(current, session);
            }

            return session;
        }
    }

    /// <summary>The calling runspace's session if it has one; used where creating one would be pointless.</summary>
    public static ProcessSession? Current
    {
        get
        {
            var current = Runspace.DefaultRunspace;
            lock (Sessions)
            {
                return current is not null && Sessions.TryGetValue(current, out var session) ? session : null;
            }
        }
    }

    /// <summary>
    /// The engine event's action: delivers everything pending at the prompt or between commands, and returns the
    /// callbacks' warnings for the action to write.
    /// </summary>
    private IReadOnlyList<string> DeliverFromEvent()
    {
        Interlocked.Exchange(ref eventQueued, 0);
        var warnings = new List<string>();
        DeliverPending(warnings.Add);
        return warnings;
    }

    /// <summary>Runs every pending filter and sentinel call, and moves unfiltered output into buffers.</summary>
    public void DeliverPending(Action<string> warn)
    {
        while (Table.TryTakeReady(out var process))
        {
            Deliver(process!, warn);
        }
    }

    /// <summary>
    /// Hands one process's deliveries out in arrival order. A nested wait inside one of its callbacks leaves it alone,
    /// so a later chunk never overtakes an earlier one.
    /// </summary>
    public void Deliver(ProcessObject process, Action<string> warn)
    {
        if (!delivering.Add(process))
        {
            return;
        }

        try
        {
            while (process.TryTakeDelivery(out var delivery))
            {
                Run(delivery!, warn);
            }
        }
        finally
        {
            delivering.Remove(process);
        }
    }

    /// <summary>
    /// Waits on the pipeline thread until <paramref name="done"/> holds or the timeout passes, delivering callbacks
    /// meanwhile. Null timeout waits without limit. Ctrl+C ends the wait at once. Before it sleeps it reads, on this
    /// thread, what waits in the kernel for the process the caller waits for, if it waits for one
    /// (<paramref name="waitedFor"/>), and lingers a millisecond for more (other processes' callbacks wait that long
    /// at most). Waiting for several, it leaves reading to their threads: a recv() each per wake would not scale.
    /// <paramref name="recheck"/> bounds each sleep (100 ms by default), for conditions nothing signals.
    /// </summary>
    public bool WaitUntil(
        Func<bool> done, double? timeoutSeconds, PSCmdlet cmdlet, IReadOnlyList<ProcessObject>? waitedFor = null, TimeSpan? recheck = null)
    {
        var pull = waitedFor is { Count: 1 } ? waitedFor[0] : null;
        Interlocked.Increment(ref waiting);
        try
        {
            return WaitDelivering(done, timeoutSeconds, cmdlet, pull, recheck);
        }
        finally
        {
            Interlocked.Decrement(ref waiting);

            // Callbacks that became due after this wait's last delivery must not wait for the next wait.
            if (Interlocked.Exchange(ref callbacksDueWhileWaiting, 0) != 0 && Table.HasReady)
            {
                RaiseDeliveryEvent();
            }
        }
    }

    private bool WaitDelivering(Func<bool> done, double? timeoutSeconds, PSCmdlet cmdlet, ProcessObject? pull, TimeSpan? recheck)
    {
        var deadline = Timeouts.DeadlineAfter(timeoutSeconds);
        while (true)
        {
            Table.Activity.Reset();
            DeliverPending(cmdlet.WriteWarning);
            if (done())
            {
                return true;
            }

            if (cmdlet.Stopping)
            {
                throw new PipelineStoppedException();
            }

            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                // Out of time (a -Timeout 0 look included): what the reader thread has not yet read comes next time.
                return false;
            }

            bool linger = remaining > TimeSpan.FromMilliseconds(1) && !Table.Activity.IsSet;
            if (pull is not null && pull.TryPull(linger ? PullLingerMicroseconds : 0))
            {
                continue;
            }

            var slice = Timeouts.NextSlice(deadline);
            Table.Activity.Wait(recheck is { } often && often < slice ? often : slice);
        }
    }

    /// <summary>
    /// Closes a process at the user's request (Emacs <c>delete-process</c>): what it already read reaches its filter or
    /// buffer first, then it closes, leaves the list and its sentinel hears <c>"deleted\n"</c> before this returns.
    /// </summary>
    public void Remove(ProcessObject process, Action<string> warn, bool abort = false)
    {
        if (!process.Stopped)
        {
            Deliver(process, warn);
        }

        if (process.Delete(abort) is { } deleted)
        {
            Run(deleted, warn);
        }
    }

    /// <summary>Closes everything; the module is being removed.</summary>
    internal void Shutdown()
    {
        lock (Sessions)
        {
            Sessions.Remove(runspace);
        }

        runspace.StateChanged -= OnRunspaceStateChanged;
        Table.Ready -= OnReady;
        try
        {
            events.UnsubscribeEvent(subscriber);
        }
        catch (Exception)
        {
            // The runspace is going away with its subscriptions.
        }

        Table.CloseAll();
    }

    /// <summary>Makes one delivery into its callback (at most one filter, sentinel or log call) or warning.</summary>
    private void Run(Delivery delivery, Action<string> warn)
    {
        var process = delivery.Process;
        switch (delivery)
        {
            case Delivery.Output output when process.Filter is ScriptBlock filter:
                Invoke(filter, process, "filter", warn, process, output.Data);
                break;
            case Delivery.StatusNote note:
                if (process.Status == ProcessStatus.Closed && verbose is not null)
                {
                    verbose($"{process.Name}: {note.Message.TrimEnd()} (exit status {process.ExitStatus}); closing gracefully.");
                }

                // The sentinel still finds a process closed by its peer listed, so it may remove it by name.
                CallSentinel(process, note.Message, warn);
                Table.ForgetIfDone(process);
                break;
            case Delivery.Accepted accepted:
                verbose?.Invoke($"{process.Name} accepted {accepted.Connection.Name} from {accepted.Connection.Address}.");
                CallLog(process, accepted.Connection, accepted.LogMessage, warn);
                CallSentinel(accepted.Connection, accepted.SentinelMessage, warn);
                break;
            case Delivery.AcceptFailed failed:
                CallLog(process, null, failed.LogMessage, warn);
                break;
            case Delivery.Warning warning:
                warn(warning.Message);
                break;
        }
    }

    private static void CallLog(ProcessObject server, ProcessObject? connection, string message, Action<string> warn)
    {
        if (server.Log is ScriptBlock log)
        {
            Invoke(log, server, "log", warn, server, connection, message);
        }
    }

    private static void CallSentinel(ProcessObject process, string message, Action<string> warn)
    {
        if (process.Sentinel is ScriptBlock sentinel)
        {
            Invoke(sentinel, process, "sentinel", warn, process, message);
        }
    }

    /// <summary>Calls a user callback; its failure becomes a warning and <c>LastError</c>, never a stop.</summary>
    private static void Invoke(ScriptBlock callback, ProcessObject process, string role, Action<string> warn, params object?[] arguments)
    {
        try
        {
            callback.InvokeReturnAsIs(arguments);
        }
        catch (PipelineStoppedException)
        {
            throw;
        }
        catch (FlowControlException)
        {
            // break, continue or exit end the callback, as they end an event action: never the script that waited.
        }
        catch (Exception e)
        {
            process.RecordError(e);
            warn($"error in process {role}: {e.Message}");
        }
    }

    /// <summary>
    /// On a transport thread: a process has something to deliver. Only callbacks need the engine event; a waiting cmdlet
    /// delivers by itself, and output for the buffer waits for the next read, wait or listing.
    /// </summary>
    private void OnReady(ProcessObject process)
    {
        if (process.Filter is null && process.Sentinel is null && process.Log is null)
        {
            return;
        }

        // Flag first, then look: either this thread sees no wait and raises, or the ending wait sees the flag.
        Interlocked.Exchange(ref callbacksDueWhileWaiting, 1);
        if (Volatile.Read(ref waiting) == 0)
        {
            RaiseDeliveryEvent();
        }
    }

    private void RaiseDeliveryEvent()
    {
        if (Interlocked.Exchange(ref eventQueued, 1) == 0)
        {
            events.GenerateEvent(PumpSourceIdentifier, null, null, deliverFromEvent);
        }
    }

    private void OnRunspaceStateChanged(object? sender, RunspaceStateEventArgs e)
    {
        if (e.RunspaceStateInfo.State is RunspaceState.Closing or RunspaceState.Closed or RunspaceState.Broken)
        {
            runspace.StateChanged -= OnRunspaceStateChanged;
            Table.Ready -= OnReady;
            WarnOfLiveProcesses();
            Table.CloseAll();
        }
    }

    /// <summary>
    /// The session ends with processes still live: as Emacs asks before exiting when a process has its query flag set,
    /// the host is told which ones are closed now (those made with <c>-NoQuery</c> are left out).
    /// </summary>
    private void WarnOfLiveProcesses()
    {
        var live = Table.Processes.Where(p => p.IsLive && p.QueryOnExit).ToArray();
        if (live.Length == 0)
        {
            return;
        }

        try
        {
            host.UI.WriteWarningLine(
                $"The session ends: closing {live.Length} live network process{(live.Length == 1 ? string.Empty : "es")}."
                + string.Concat(live.Select(p => $"\n  {p.Name} {p.Contact}"))
                + "\nA process made with -NoQuery (or set with -QueryOnExit $false) closes without being listed here.");
        }
        catch (Exception)
        {
            // A host that is itself going away may refuse output; closing goes on.
        }
    }

    private sealed class VerboseScope : IDisposable
    {
        private readonly ProcessSession? session;
        private readonly Action<string>? outer;

        public VerboseScope(ProcessSession? session, Action<string>? outer)
        {
            this.session = session;
            this.outer = outer;
        }

        /// <summary>A scope that changes nothing.</summary>
        public static VerboseScope None { get; } = new(null, null);

        public void Dispose()
        {
            if (session is not null)
            {
                session.verbose = outer;
            }
        }
    }
}
