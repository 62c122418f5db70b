using System.Buffers;
using System.Net;

namespace NetProc.Engine;

/// <summary>Bytes as they arrived in one read (or one datagram), with where and when they came from.</summary>
internal sealed class Chunk
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
    internal Chunk(ProcessObject source, byte[] data, int count, EndPoint? from, bool pooled = false)
    {
        Source = source;
        this.data = data;
        this.pooled = pooled;
        Count = count;
        From = from;
        Arrival = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    public ProcessObject Source { get; }

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
