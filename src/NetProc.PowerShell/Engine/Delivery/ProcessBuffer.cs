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

    /// <summary>Whether any output waits here.</summary>
    internal bool HoldsChunks => chunks.Count > 0;

    /// <summary>Whether <c>-Line</c> reading holds text after the last newline.</summary>
    internal bool HoldsPartialLine => linePending.Length > 0;

    public long Length { get; private set; }

    /// <summary>The text after the last newline that <c>-Line</c> reading has not given out yet.</summary>
    private string linePending = string.Empty;

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

    /// <summary>Puts a chunk back ahead of its process's other chunks here: the first of them a reader gets.</summary>
    internal void PutBack(Chunk chunk)
    {
        Length += chunk.Count;
        newest = Math.Max(newest, chunk.Arrival);
        var held = chunks.ToList();
        int at = held.FindIndex(c => ReferenceEquals(c.Source, chunk.Source));
        held.Insert(at < 0 ? held.Count : at, chunk);
        chunks.Clear();
        foreach (var kept in held)
        {
            chunks.Enqueue(kept);
        }
    }

    /// <summary>Moves one process's chunks, in order, to another buffer.</summary>
    internal void MoveChunksOf(ProcessObject source, ProcessBuffer target)
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

    /// <summary>
    /// Reads everything waiting, oldest first, writing each record to <paramref name="write"/>: text (decoded with its
    /// process's decoder), a byte[] (<see cref="OutputForm.Bytes"/>, or a process that reads bytes), whole lines, or
    /// with <paramref name="detailed"/> a <see cref="ReceivedData"/> per chunk. Each chunk goes back to its writer's
    /// window and names the datagram sender where replies go. Once <paramref name="reader"/> is no longer live, the
    /// last line comes without a newline to end it.
    /// </summary>
    internal void Read(ProcessObject reader, OutputForm form, bool detailed, Action<object> write)
    {
        while (TryTake(out var chunk))
        {
            var source = chunk!.Source;
            object data = source.Consume(chunk, asBytes: form == OutputForm.Bytes || (source.Encoding is null && form != OutputForm.Lines));
            if (detailed)
            {
                write(new ReceivedData(source, data, chunk.Count, chunk.From ?? (source as NetworkProcess)?.RemoteEndPoint, chunk.Received));
            }
            else if (form == OutputForm.Lines)
            {
                WriteLines((string)data, write);
            }
            else if (data is not string { Length: 0 })
            {
                write(data);
            }
        }

        if (form == OutputForm.Lines && !reader.IsLive && linePending.Length > 0)
        {
            write(linePending);
            linePending = string.Empty;
        }
    }

    /// <summary>
    /// Writes the whole lines of <paramref name="text"/> after what is held, without their LF or CR LF, and holds the
    /// rest. A peer that never ends its line cannot make the held text grow without bound: past a window's worth, what
    /// is held is given out as it is.
    /// </summary>
    private void WriteLines(string text, Action<object> write)
    {
        string pending = linePending + text;
        int start = 0;
        for (int newline = pending.IndexOf('\n'); newline >= 0; newline = pending.IndexOf('\n', start))
        {
            int end = newline > start && pending[newline - 1] == '\r' ? newline - 1 : newline;
            write(pending[start..end]);
            start = newline + 1;
        }

        string rest = pending[start..];
        if (rest.Length >= ProcessObject.ReceiveWindow)
        {
            write(rest);
            rest = string.Empty;
        }

        linePending = rest;
    }

    /// <summary>Takes the oldest chunk.</summary>
    private bool TryTake(out Chunk? chunk)
    {
        if (!chunks.TryDequeue(out chunk))
        {
            return false;
        }

        Length -= chunk.Count;
        return true;
    }

    public override string ToString() => Name ?? string.Empty;
}
