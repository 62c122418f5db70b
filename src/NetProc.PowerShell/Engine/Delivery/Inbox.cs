namespace NetProc.Engine;

/// <summary>
/// What transport threads hand to the pipeline thread: chunks and status changes of one process in arrival order.
/// Transport threads only add; the pipeline thread only takes. A held inbox (suspended process) gives nothing.
/// </summary>
internal sealed class Inbox
{
    private readonly Queue<object> items = new();
    private bool held;
    private bool scheduled;

    /// <summary>Adds an item; true when the process must be put on its table's ready list.</summary>
    public bool Add(object item)
    {
        lock (items)
        {
            items.Enqueue(item);
            return Schedule();
        }
    }

    /// <summary>Takes the oldest item unless the inbox is empty or held.</summary>
    public bool TryTake(out object? item)
    {
        lock (items)
        {
            if (held || items.Count == 0)
            {
                scheduled = false;
                item = null;
                return false;
            }

            item = items.Dequeue();
            return true;
        }
    }

    /// <summary>Takes every chunk, held or not, leaving the other items in their order.</summary>
    public List<Chunk> TakeChunks()
    {
        lock (items)
        {
            var chunks = items.OfType<Chunk>().ToList();
            var rest = items.Where(item => item is not Chunk).ToList();
            items.Clear();
            foreach (object item in rest)
            {
                items.Enqueue(item);
            }

            return chunks;
        }
    }

    public void Hold()
    {
        lock (items)
        {
            held = true;
        }
    }

    /// <summary>Releases a hold; true when items wait and the process must be put on the ready list.</summary>
    public bool Release()
    {
        lock (items)
        {
            held = false;
            return items.Count > 0 && Schedule();
        }
    }

    /// <summary>Forgets what is left (the process was closed locally; Emacs discards it too), closing what holds a socket and returning pooled read blocks.</summary>
    public void Clear()
    {
        object[] dropped;
        lock (items)
        {
            if (items.Count == 0)
            {
                return;
            }

            dropped = items.ToArray();
            items.Clear();
        }

        foreach (object item in dropped)
        {
            switch (item)
            {
                case Chunk chunk:
                    chunk.Release();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }

    private bool Schedule()
    {
        if (held || scheduled)
        {
            return false;
        }

        scheduled = true;
        return true;
    }
}
