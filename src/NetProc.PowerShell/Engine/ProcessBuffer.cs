namespace NetProc.Engine;

/// <summary>
/// Where a process's output waits when it has no filter, until <c>Receive-NetworkProcess</c> reads it.
/// A named buffer may be shared by several processes, as Emacs buffers are; an unnamed one belongs to one process.
/// Used on the pipeline thread only. Its size is bounded by each writer's receive window.
/// </summary>
public sealed class ProcessBuffer
{
    private readonly Queue<Chunk> chunks = new();

    /// <summary>When the newest chunk in the queue arrived: a chunk no older goes at the end.</summary>
    private long newest;

    internal ProcessBuffer(string? name)
    {
        Name = name;
    }

    /// <summary>The buffer's name, or null for a process's own unnamed buffer.</summary>
    public string? Name { get; }

    public int ChunkCount => chunks.Count;

    public long Length { get; private set; }

    /// <summary>The text after the last newline that <c>-Line</c> reading has not given out yet.</summary>
    internal string LinePending { get; set; } = string.Empty;

    /// <summary>
    /// Adds a chunk. A process's own chunks keep their order; in a named buffer that several processes share, processes
    /// are delivered one inbox after another, so a chunk goes before the other processes' chunks that arrived after it.
    /// </summary>
    internal void Append(Chunk chunk)
    {
        Length += chunk.Count;
        if (Name is null || chunk.Arrival >= newest)
        {
            newest = Math.Max(newest, chunk.Arrival);
            chunks.Enqueue(chunk);
            return;
        }

        var held = chunks.ToList();
        int at = held.Count;
        while (at > 0 && !ReferenceEquals(held[at - 1].Source, chunk.Source) && held[at - 1].Arrival > chunk.Arrival)
        {
            at--;
        }

        held.Insert(at, chunk);
        chunks.Clear();
        foreach (var kept in held)
        {
            chunks.Enqueue(kept);
        }
    }

    /// <summary>Moves one process's chunks, in order, to another buffer.</summary>
    internal void MoveChunksOf(NetProcess source, ProcessBuffer target)
    {
        if (ReferenceEquals(this, target) || chunks.Count == 0)
        {
            return;
        }

        var kept = new Queue<Chunk>();
        while (chunks.TryDequeue(out var chunk))
        {
            if (ReferenceEquals(chunk.Source, source))
            {
                Length -= chunk.Count;
                target.Append(chunk);
            }
            else
            {
                kept.Enqueue(chunk);
            }
        }

        foreach (var chunk in kept)
        {
            chunks.Enqueue(chunk);
        }
    }

    /// <summary>Takes the oldest chunk and returns its bytes to the writer's receive window.</summary>
    internal bool TryTake(out Chunk? chunk)
    {
        if (!chunks.TryDequeue(out chunk))
        {
            return false;
        }

        Length -= chunk.Count;
        chunk.Source.Consumed(chunk.Count);
        return true;
    }

    public override string ToString() => Name ?? string.Empty;
}
