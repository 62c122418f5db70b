using System.Buffers;
using System.Diagnostics;

namespace NetProc.Engine;

/// <summary>
/// Reads a stream's transport into its process's inbox, one read at a time, only while the process's window is open.
/// A client reads on a thread of its own where its transport allows (<see cref="TransportReading"/>), and the pipeline
/// thread may pull what can be read without waiting while it waits for that process (so a transfer it waits for runs
/// on two busy threads, the peer's and this one, not three); everything else (a
/// server's connections, which may be thousands; serial ports; clients beyond the first <see cref="MaxOwnThreads"/>)
/// reads with awaited reads on the thread pool.
/// </summary>
internal sealed class StreamReceiver
{
    /// <summary>
    /// How many clients read on threads of their own at once, in the whole process: beyond it a client reads with
    /// awaited reads, as a server's connections do, so ten thousand clients need no ten thousand threads.
    /// </summary>
    public const int MaxOwnThreads = 64;

    private const int ReaderStackSize = 256 * 1024;
    private const int PullPatienceMs = 10;

    // A pull in full flow that caught up with its peer waits this long for more before it hands over what it read, and
    // reads on so for at most FlowPullMax in all: see ReadAvailable.
    private const int FlowPatienceMicroseconds = 200;
    private static readonly TimeSpan FlowPullMax = TimeSpan.FromMilliseconds(5);

    private const int NotStarted = 0;
    private const int Running = 1;
    private const int Done = 2;

    private static int ownThreads;

    private readonly ProcessObject process;
    private readonly IStreamTransport transport;
    private readonly bool ownThread;
    private readonly bool canPull;
    private readonly Action<Exception?> broken;

    // One reader at a time, the reader thread or the pipeline thread, and each read is posted before it is let go:
    // so nothing is read twice or out of order.
    private readonly object receiveLock = new();

    // Set while the pipeline thread reads (TryPull); the reader thread stands back until pullEnded, or a while.
    private readonly ManualResetEventSlim pullEnded = new(true);
    private readonly TaskCompletionSource stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool pulling;
    private volatile bool stopRequested;
    private int state;

    // The last read filled its block: more most likely waits (see NewBlock). Read and written under receiveLock, or by
    // the awaited loop alone.
    private bool flowing;

    // 1 from the awaited loop's last look at stopRequested until its read is posted: a stop at a read boundary waits
    // for it, as the lock makes it wait for the reader thread's.
    private int awaitedReadUnderWay;

    /// <param name="ownThread">Read on a thread of its own (the transport is polled or blocking), and let the pipeline thread pull.</param>
    /// <param name="broken">Told when the peer ends the stream (null) or a read fails.</param>
    public StreamReceiver(ProcessObject process, IStreamTransport transport, bool ownThread, Action<Exception?> broken)
    {
        this.process = process;
        this.transport = transport;
        this.broken = broken;

        // Decided here, once: the pipeline thread pulls only beside a reader thread (they share a lock).
        this.ownThread = ownThread && Interlocked.Increment(ref ownThreads) <= MaxOwnThreads;
        if (ownThread && !this.ownThread)
        {
            Interlocked.Decrement(ref ownThreads);
        }

        canPull = this.ownThread && transport.Reading != TransportReading.Awaited;
    }

    /// <summary>Completes when reading has ended: the peer ended or broke the connection, or a close stopped it.</summary>
    public Task Stopped => stopped.Task;

    private enum ReadResult { Drained, Partial, Full, Ended }

    /// <summary>Starts reading, once.</summary>
    public void Start()
    {
        if (Interlocked.CompareExchange(ref state, Running, NotStarted) != NotStarted)
        {
            return;
        }

        if (ownThread)
        {
            new Thread(ReadOnOwnThread, ReaderStackSize) { IsBackground = true, Name = "NetProc client reader" }.Start();
        }
        else
        {
            _ = ReadLoopAsync();
        }
    }

    /// <summary>
    /// The process is closing: the pipeline thread pulls no more, and a reader never started counts as stopped. A
    /// reader that runs goes on, dropping what it reads, until it sees the peer's end or <see cref="Stop"/>.
    /// </summary>
    public void BeginClose()
    {
        pulling = false;
        pullEnded.Set();
        if (Interlocked.CompareExchange(ref state, Done, NotStarted) == NotStarted)
        {
            Ended();
        }
    }

    /// <summary>Stops reading after the read under way; closing the transport wakes a reader that waits.</summary>
    public void Stop() => stopRequested = true;

    /// <summary>
    /// Stops reading for good and leaves the transport open, for an upgrade that takes it over (STARTTLS): a read under
    /// way (on the reader thread, the pipeline thread, or an awaited one) ends and is posted first, and none starts
    /// after. A reader waiting for data takes none: it stops when it wakes. (An awaited read starts only once data is
    /// there, so waiting for it is short.)
    /// </summary>
    public void StopAtReadBoundary()
    {
        stopRequested = true;
        Interlocked.MemoryBarrier();
        SpinWait.SpinUntil(() => Volatile.Read(ref awaitedReadUnderWay) == 0);
        Monitor.Enter(receiveLock);
        Monitor.Exit(receiveLock);
    }

    /// <summary>
    /// On the pipeline thread while it waits for this process's output: reads what waits there and then, rather than
    /// waking the reader thread to read it; with nothing there, waits up to <paramref name="lingerMicroseconds"/> for
    /// it. True when it read something (or found the close).
    /// </summary>
    public bool TryPull(int lingerMicroseconds)
    {
        if (!canPull || Volatile.Read(ref state) != Running || !process.WindowOpen)
        {
            return false;
        }

        pullEnded.Reset();
        pulling = true;
        var last = ReadAvailable(out bool got);

        // A reply most often comes within a moment: waiting for it here takes one wake-up, where handing the socket
        // back to the reader thread takes two (the reader's, then this thread's). Not when the reader thread read it
        // just before this pull began (or another process has something): it waits in the inbox already.
        if (last == ReadResult.Drained && lingerMicroseconds > 0 && !process.Table.Activity.IsSet && transport.Poll(lingerMicroseconds))
        {
            last = ReadAvailable(out got);
        }

        if (last != ReadResult.Full)
        {
            // Caught up with the peer: the reader thread watches the transport again while the pipeline thread sleeps.
            pulling = false;
            pullEnded.Set();
        }

        return got;
    }

    /// <summary>
    /// A client's read loop: wait until readable (a socket's <c>poll()</c>, a TLS stream's zero-byte read), then read,
    /// on a socket outside .NET's epoll set, so the kernel wakes this thread directly. On Linux this costs about half the
    /// CPU per byte of awaited reads, whose every arrival also wakes the event-loop thread and then a pool thread.
    /// </summary>
    private void ReadOnOwnThread()
    {
        bool lastReadFull = false;
        try
        {
            while (true)
            {
                process.ReadPermission().Wait();
                if (pulling)
                {
                    // The pipeline thread reads; take over again if it does not come back for more.
                    if (!pullEnded.Wait(PullPatienceMs))
                    {
                        pulling = false;
                    }

                    lastReadFull = false;
                    continue;
                }

                if (!lastReadFull)
                {
                    // Wait for data without taking it: a suspend that comes meanwhile leaves it in the kernel.
                    transport.WaitReadable();
                    process.ReadPermission().Wait();
                }

                if (stopRequested)
                {
                    return;
                }

                lock (receiveLock)
                {
                    if (pulling)
                    {
                        continue;
                    }

                    if (stopRequested)
                    {
                        return;
                    }

                    var read = ReadOnce(pull: false);
                    if (read == ReadResult.Ended)
                    {
                        return;
                    }

                    lastReadFull = read == ReadResult.Full;
                }
            }
        }
        catch (Exception e)
        {
            broken(e);
        }
        finally
        {
            Ended();
        }
    }

    /// <summary>
    /// Reads what waits, up to the window; the result of the last read. A transfer in full flow (a read of this pull,
    /// or the last read before it, filled its block) that catches up with its peer most often has more within
    /// microseconds: waiting a moment for it fills the window in one pull, which saves the user a Receive call (tens of
    /// microseconds of PowerShell each) per pull that would have ended there. Bounded in time, so what was read is
    /// handed over within a few milliseconds; replies that never fill a block are handed over at once.
    /// </summary>
    private ReadResult ReadAvailable(out bool got)
    {
        got = false;
        var last = ReadResult.Drained;
        long began = Stopwatch.GetTimestamp();
        try
        {
            lock (receiveLock)
            {
                bool fullFlow = flowing;
                while (process.WindowOpen)
                {
                    last = ReadOnce(pull: true);
                    got |= last != ReadResult.Drained;
                    if (last == ReadResult.Full)
                    {
                        fullFlow = true;
                        continue;
                    }

                    if (!fullFlow || last == ReadResult.Ended || !MoreComesSoon(began))
                    {
                        break;
                    }
                }
            }
        }
        catch (Exception e)
        {
            broken(e);
            got = true;
            last = ReadResult.Ended;
        }

        return last;
    }

    /// <summary>Whether more arrives within a moment, while the pull that began at <paramref name="pullBegan"/> has time left.</summary>
    private bool MoreComesSoon(long pullBegan) =>
        Stopwatch.GetElapsedTime(pullBegan) < FlowPullMax && transport.Poll(FlowPatienceMicroseconds);

    /// <summary>One read, posted; on the reader thread or the pipeline thread, under <see cref="receiveLock"/>. It blocks only on a blocking transport, on the reader thread.</summary>
    private ReadResult ReadOnce(bool pull)
    {
        byte[] block = NewBlock(out bool pooled);
        int n;
        try
        {
            var room = block.AsSpan(0, ProcessObject.MaxReadSize);
            n = pull ? transport.PullNow(room) : transport.ReadNow(room);
        }
        catch
        {
            Drop(block, pooled);
            throw;
        }

        if (n < 0)
        {
            Drop(block, pooled);
            flowing = false;
            return ReadResult.Drained;
        }

        return !PostRead(block, n, pooled) ? ReadResult.Ended : flowing ? ReadResult.Full : ReadResult.Partial;
    }

    /// <summary>The awaited read loop: thread-pool reads, so thousands of connections need no thread each.</summary>
    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                await process.ReadPermission().ConfigureAwait(false);

                // After a full read more most likely waits: read at once. Otherwise wait for data without a block (it
                // completes at once if data is there): an idle connection holds no block, and a suspend that comes
                // while waiting leaves the data in the kernel, where flow control pushes back.
                if (!flowing)
                {
                    await transport.WaitReadableAsync().ConfigureAwait(false);
                    await process.ReadPermission().ConfigureAwait(false);
                }

                Interlocked.Exchange(ref awaitedReadUnderWay, 1);
                if (stopRequested)
                {
                    return;
                }

                byte[] block = NewBlock(out bool pooled);
                int n;
                try
                {
                    n = await transport.ReadAsync(block.AsMemory(0, ProcessObject.MaxReadSize)).ConfigureAwait(false);
                }
                catch
                {
                    Drop(block, pooled);
                    throw;
                }

                bool more = PostRead(block, n, pooled);
                Volatile.Write(ref awaitedReadUnderWay, 0);
                if (!more)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (!stopRequested)
        {
            broken(e);
        }
        catch (Exception)
        {
            // Stopped for an upgrade (its transport is the new one's) or a close: what its pending wait met is not its to tell.
        }
        finally
        {
            Volatile.Write(ref awaitedReadUnderWay, 0);
            Ended();
        }
    }

    /// <summary>
    /// A block for the next read, of at least <see cref="ProcessObject.MaxReadSize"/> bytes. While reads fill their
    /// blocks (a transfer in full flow) it is an array of its own, which the user then takes as it is: copying 80 KiB
    /// that another core just wrote cost the reader of the buffer more than everything else it does per chunk. Otherwise
    /// it is a pooled block, so an idle or trickling connection holds none and a small read is copied out of memory warm
    /// in the cache.
    /// </summary>
    private byte[] NewBlock(out bool pooled)
    {
        pooled = !flowing;
        return pooled ? ArrayPool<byte>.Shared.Rent(ProcessObject.MaxReadSize) : GC.AllocateUninitializedArray<byte>(ProcessObject.MaxReadSize);
    }

    private static void Drop(byte[] block, bool pooled)
    {
        if (pooled)
        {
            ArrayPool<byte>.Shared.Return(block);
        }
    }

    /// <summary>
    /// Posts the bytes one read put in its block (<see cref="NewBlock"/>); false when the read found the peer's end. A
    /// block at least half full travels as the chunk, a pooled one going back to the pool when its bytes are taken; a
    /// smaller read is copied out at once, so the blocks under a process's chunks never hold more than twice its window.
    /// </summary>
    private bool PostRead(byte[] block, int n, bool pooled)
    {
        flowing = n == ProcessObject.MaxReadSize;
        if (process.TransportClosed)
        {
            // Closing: what still arrives is dropped.
            Drop(block, pooled);
            return n != 0;
        }

        if (n >= block.Length / 2)
        {
            process.PostData(block, n, null, pooled);
            return true;
        }

        byte[] bytes = block.AsSpan(0, n).ToArray();
        Drop(block, pooled);
        if (n == 0)
        {
            broken(null);
            return false;
        }

        process.PostData(bytes, n, null);
        return true;
    }

    /// <summary>Reading is over (or never began); a reader thread's place goes back to the count.</summary>
    private void Ended()
    {
        if (ownThread)
        {
            Interlocked.Decrement(ref ownThreads);
        }

        Volatile.Write(ref state, Done);
        stopped.TrySetResult();
    }
}
