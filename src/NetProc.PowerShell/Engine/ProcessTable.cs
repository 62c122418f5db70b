using System.Collections.Concurrent;

namespace NetProc.Engine;

/// <summary>
/// One session's processes: unique Emacs-style names, small Ids, named buffers, and the list of
/// processes whose inbox has something for the pipeline thread.
/// </summary>
public sealed class ProcessTable
{
    private readonly object gate = new();
    private readonly SortedDictionary<int, NetProcess> byId = new();
    private readonly Dictionary<string, NetProcess> byName = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, WeakReference<ProcessBuffer>> buffers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<NetProcess> ready = new();
    private int nextId = 1;
    private int acceptCount;
    private int sweepAt = 64;

    /// <summary>Set whenever a process gets something to deliver; blocking waits sleep on it.</summary>
    public ManualResetEventSlim Activity { get; } = new(false);

    /// <summary>Raised on socket threads when a process gets something to deliver. Handlers must not run script.</summary>
    public event Action<NetProcess>? Ready;

    public IReadOnlyList<NetProcess> Processes
    {
        get
        {
            lock (gate)
            {
                return byId.Values.ToArray();
            }
        }
    }

    /// <summary>Gives the process a unique name (<c>web</c>, <c>web&lt;1&gt;</c>, … lowest free) and the next Id.</summary>
    public void Register(NetProcess process, string requestedName)
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

    /// <summary>Takes the process off the list; true when it was listed.</summary>
    public bool Unregister(NetProcess process)
    {
        lock (gate)
        {
            if (!byId.Remove(process.Id))
            {
                return false;
            }

            byName.Remove(process.Name);
        }

        return true;
    }

    public NetProcess? FindByName(string name)
    {
        lock (gate)
        {
            return byName.GetValueOrDefault(name);
        }
    }

    public NetProcess? FindById(int id)
    {
        lock (gate)
        {
            return byId.GetValueOrDefault(id);
        }
    }

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
    internal void MarkReady(NetProcess process)
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

    public bool TryTakeReady(out NetProcess? process) => ready.TryDequeue(out process);

    /// <summary>Whether some process has something for the pipeline thread.</summary>
    public bool HasReady => !ready.IsEmpty;

    /// <summary>Closes every process and empties the table; used when the runspace or the module goes away.</summary>
    public void CloseAll()
    {
        NetProcess[] all;
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
                process.CloseTransport();
                process.Status = ProcessStatus.Closed;
            }
            catch (Exception)
            {
                // Closing must reach every process even if one socket refuses.
            }
        }
    }
}
