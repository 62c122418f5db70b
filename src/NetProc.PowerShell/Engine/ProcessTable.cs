using System.Collections.Concurrent;

namespace NetProc.Engine;

/// <summary>
/// One session's processes: unique Emacs-style names, small Ids, named buffers, and the list of
/// processes whose inbox has something for the pipeline thread.
/// </summary>
internal sealed class ProcessTable
{
    private readonly object gate = new();
    private readonly SortedDictionary<int, ProcessObject> byId = new();
    private readonly Dictionary<string, ProcessObject> byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, WeakReference<ProcessBuffer>> buffers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<ProcessObject> ready = new();
    private readonly LinkedList<ForgottenProcess> forgotten = new();
    private int nextId = 1;
    private int acceptCount;
    private int sweepAt = 64;

    /// <summary>Set whenever a process gets something to deliver; blocking waits sleep on it.</summary>
    public ManualResetEventSlim Activity { get; } = new(false);

    /// <summary>Raised on socket threads when a process gets something to deliver. Handlers must not run script.</summary>
    public event Action<ProcessObject>? Ready;

    public IReadOnlyList<ProcessObject> Processes
    {
        get
        {
            lock (gate)
            {
                return byId.Values.ToArray();
            }
        }
    }

    /// <summary>Chunks delivered to filters or buffers, from any process of the table (pipeline thread only).</summary>
    public long DeliveredChunks { get; set; }

    /// <summary>
    /// Lists a new process and starts it, in the one order that loses nothing: named and listed first, suspended if
    /// asked (so nothing it reads is handed out), then its transport's work begins (reading, accepting, connecting).
    /// </summary>
    public void Add(ProcessObject process, string requestedName, bool suspended)
    {
        Register(process, requestedName);
        if (suspended)
        {
            process.Suspend();
        }

        process.Start();
    }

    /// <summary>A closed process leaves the list once nothing it read is left unread (Emacs's delete-exited-processes).</summary>
    public void ForgetIfDone(ProcessObject process)
    {
        if (process.Status == ProcessStatus.Closed && process.BufferedBytes == 0)
        {
            Unregister(process);
        }
    }

    /// <summary>Gives the process a unique name (<c>web</c>, <c>web&lt;1&gt;</c>, … lowest free) and the next Id.</summary>
    public void Register(ProcessObject process, string requestedName)
    {
        lock (gate)
        {
            string name = requestedName;
            for (int n = 1; byName.ContainsKey(name); n++)
            {
                name = $"{requestedName}<{n}>";
            }

            process.Name = name;
            process.Id = nextId++;
            byId.Add(process.Id, process);
            byName.Add(name, process);
        }
    }

    /// <summary>How many processes that left the list the table remembers, to explain a name that finds nothing.</summary>
    public const int ForgottenRemembered = 16;

    /// <summary>Takes the process off the list, remembering it among the recently forgotten; true when it was listed.</summary>
    public bool Unregister(ProcessObject process)
    {
        lock (gate)
        {
            if (!byId.Remove(process.Id))
            {
                return false;
            }

            byName.Remove(process.Name);
            Remember(new ForgottenProcess(process.Name, process.Id, DateTime.UtcNow, HowForgotten(process)));
        }

        return true;
    }

    /// <summary>The most recent process of that name (or Id) that left the list, if the table still remembers it.</summary>
    public ForgottenProcess? FindForgotten(string? name, int? id = null)
    {
        lock (gate)
        {
            return forgotten.FirstOrDefault(f => id is not null ? f.Id == id : string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>Unregistering a process still open is its removal; one already closed leaves once its output was read.</summary>
    private static string HowForgotten(ProcessObject process) => process.Status switch
    {
        not ProcessStatus.Closed => "was removed",
        _ when process.ExitStatus is 256 && process.Type == ProcessType.Serial => "lost its device",
        _ when process.ExitStatus is 256 => "was closed by its peer",
        _ => "closed",
    };

    private void Remember(ForgottenProcess gone)
    {
        for (var node = forgotten.First; node is not null; node = node.Next)
        {
            if (string.Equals(node.Value.Name, gone.Name, StringComparison.OrdinalIgnoreCase))
            {
                forgotten.Remove(node);
                break;
            }
        }

        forgotten.AddFirst(gone);
        if (forgotten.Count > ForgottenRemembered)
        {
            forgotten.RemoveLast();
        }
    }

    public ProcessObject? FindByName(string name)
    {
        lock (gate)
        {
            return byName.GetValueOrDefault(name);
        }
    }

    public ProcessObject? FindById(int id)
    {
        lock (gate)
        {
            return byId.GetValueOrDefault(id);
        }
    }

    /// <summary>The listed processes whose output goes to the named buffer, in Id order.</summary>
    public IReadOnlyList<ProcessObject> WritersOf(string bufferName) =>
        Processes.Where(p => string.Equals(p.Buffer?.Name, bufferName, StringComparison.OrdinalIgnoreCase)).ToArray();

    /// <summary>
    /// The named buffer, created when no process holds one of that name. The table holds buffers weakly:
    /// a buffer no process can reach any more cannot be read, so it may go.
    /// </summary>
    public ProcessBuffer AttachBuffer(string name)
    {
        lock (gate)
        {
            if (buffers.TryGetValue(name, out var weak) && weak.TryGetTarget(out var existing))
            {
                return existing;
            }

            // Forget collected buffers now and then: each time the table has doubled since the last look.
            if (buffers.Count >= sweepAt)
            {
                foreach (var dead in buffers.Where(b => !b.Value.TryGetTarget(out _)).Select(b => b.Key).ToArray())
                {
                    buffers.Remove(dead);
                }

                sweepAt = Math.Max(64, buffers.Count * 2);
            }

            var buffer = new ProcessBuffer(name);
            buffers[name] = new WeakReference<ProcessBuffer>(buffer);
            return buffer;
        }
    }

    /// <summary>Counts accepts across all servers of the session; unix-socket connections are named by it.</summary>
    internal int NextAcceptNumber() => Interlocked.Increment(ref acceptCount);

    /// <summary>Called from socket threads: the process has something for the pipeline thread.</summary>
    internal void MarkReady(ProcessObject process)
    {
        ready.Enqueue(process);
        Activity.Set();
        try
        {
            Ready?.Invoke(process);
        }
        catch (Exception)
        {
            // A closing runspace may refuse the wake-up; the item waits in the inbox for the next wait.
        }
    }

    public bool TryTakeReady(out ProcessObject? process) => ready.TryDequeue(out process);

    /// <summary>Whether some process has something for the pipeline thread.</summary>
    public bool HasReady => !ready.IsEmpty;

    /// <summary>Closes every process and empties the table; used when the runspace or the module goes away.</summary>
    public void CloseAll()
    {
        ProcessObject[] all;
        lock (gate)
        {
            all = byId.Values.ToArray();
            byId.Clear();
            byName.Clear();
            buffers.Clear();
        }

        foreach (var process in all)
        {
            try
            {
                process.CloseQuietly();
            }
            catch (Exception)
            {
                // Closing must reach every process even if one socket refuses.
            }
        }
    }
}

/// <summary>A process that left its table: its name, Id, when (UTC), and how (<c>was removed</c>, <c>was closed by its peer</c>…).</summary>
internal sealed record ForgottenProcess(string Name, int Id, DateTime At, string How);
