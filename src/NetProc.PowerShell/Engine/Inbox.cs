using System.Buffers;
using System.Net;

namespace NetProc.Engine;

/// <summary>Bytes as they arrived in one read (or one datagram), with where and when they came from.</summary>
public sealed class Chunk
{
    // The moment the process started reading time, on both clocks: a chunk keeps only its monotonic arrival and derives
    // its wall-clock time from it, one clock read per chunk.
    private static readonly long ClockOriginTicks = System.Diagnostics.Stopwatch.GetTimestamp();
    private static readonly DateTime ClockOriginUtc = DateTime.UtcNow;

    private byte[] data;
    private bool pooled;

    /// <param name="pooled">
    /// The array is a read block from <see cref="ArrayPool{T}.Shared"/>: taking the bytes copies them out and returns it.
    /// </param>
    internal Chunk(NetProcess source, byte[] data, int count, EndPoint? from, bool pooled = false)
    {
        Source = source;
        this.data = data;
        this.pooled = pooled;
        Count = count;
        From = from;
        Arrival = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    public NetProcess Source { get; }

    public int Count { get; }

    public EndPoint? From { get; }

    /// <summary>When it arrived, in local time (worked out only when asked: the conversion costs a time-zone lookup).</summary>
    public DateTime Received => (ClockOriginUtc + System.Diagnostics.Stopwatch.GetElapsedTime(ClockOriginTicks, Arrival)).ToLocalTime();

    /// <summary>
    /// When it arrived, on the monotonic clock (<see cref="System.Diagnostics.Stopwatch"/>): orders the chunks of several
    /// processes in a buffer they share, unaffected by changes to the system's time.
    /// </summary>
    internal long Arrival { get; }

    /// <summary>The bytes; valid until <see cref="Release"/>.</summary>
    internal ReadOnlySpan<byte> Span => data.AsSpan(0, Count);

    /// <summary>Takes the bytes as an array of their own: the read array itself when it is exactly them, else a copy.</summary>
    public byte[] ToArray()
    {
        if (!pooled && Count == data.Length)
        {
            return data;
        }

        byte[] bytes = GC.AllocateUninitializedArray<byte>(Count);
        Span.CopyTo(bytes);
        Release();
        return bytes;
    }

    /// <summary>Gives a pooled read block back once its bytes were taken.</summary>
    internal void Release()
    {
        if (pooled)
        {
            pooled = false;
            ArrayPool<byte>.Shared.Return(data);
            data = [];
        }
    }
}

/// <summary>A status change found by a socket thread, applied in arrival order on the pipeline thread.</summary>
public sealed class StatusChange
{
    public StatusChange(ProcessStatus status, object exitStatus, string message, Exception? error = null)
    {
        Status = status;
        ExitStatus = exitStatus;
        Message = message;
        Error = error;
    }

    public ProcessStatus Status { get; }

    public object ExitStatus { get; }

    /// <summary>The Emacs sentinel text, e.g. <c>"connection broken by remote peer\n"</c>.</summary>
    public string Message { get; }

    public Exception? Error { get; }
}

/// <summary>
/// Trouble a socket thread must tell the user of that changes no status (a datagram dropped as too long): the bridge
/// warns with its message and keeps it as <c>LastError</c>. It is posted again only once taken, so a flood of the
/// same trouble holds one inbox item, not one per occurrence.
/// </summary>
internal sealed class Notice
{
    private readonly Func<Exception> describe;
    private int posted;

    /// <param name="describe">Says what happened, when the notice is taken (so counts are current).</param>
    public Notice(Func<Exception> describe) => this.describe = describe;

    /// <summary>Claims the right to post it; false while it already waits in the inbox.</summary>
    public bool TryClaim() => Interlocked.Exchange(ref posted, 1) == 0;

    /// <summary>Takes it out of the inbox: what happened, described now, and it may be posted again.</summary>
    public Exception Take()
    {
        // Released before describing: trouble counted after this is either described now or posts the notice anew.
        Interlocked.Exchange(ref posted, 0);
        return describe();
    }
}

/// <summary>
/// What socket threads hand to the pipeline thread: chunks and status changes of one process in arrival order.
/// Socket threads only add; the pipeline thread only takes. A held inbox (suspended process) gives nothing.
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
