using System.Net.Sockets;

namespace NetProc.Engine;

/// <summary>
/// Writes a stream's sends in order, behind one another, through its transport, and counts every byte the transport
/// took, so that after a failure the count (and the message) says how much was written. Used by the thread that
/// sends and by a transport thread finishing a write; never blocks either.
/// </summary>
internal sealed class SendQueue
{
    private readonly object gate = new();
    private readonly Queue<PendingWrite> queue = new();
    private readonly IStreamTransport transport;
    private readonly Func<string> processName;
    private readonly Action<int> written;
    private readonly Action<Exception> broken;
    private TaskCompletionSource? idle;
    private Exception? failure;
    private bool draining;
    private long queuedBytes;

    /// <param name="written">Told of every byte count the transport took.</param>
    /// <param name="broken">Told once when a write fails: the connection is broken.</param>
    public SendQueue(IStreamTransport transport, Func<string> processName, Action<int> written, Action<Exception> broken)
    {
        this.transport = transport;
        this.processName = processName;
        this.written = written;
        this.broken = broken;
    }

    /// <summary>Bytes accepted by <see cref="Enqueue"/> and not yet taken by the kernel.</summary>
    public long QueuedBytes => Interlocked.Read(ref queuedBytes);

    /// <summary>
    /// Queues bytes (or, with <paramref name="eof"/>, a half-close after them) behind everything queued before. The
    /// task completes when the kernel has taken them; on loopback that is usually before this returns.
    /// </summary>
    public Task Enqueue(ReadOnlyMemory<byte> data, bool eof)
    {
        lock (gate)
        {
            if (failure is not null)
            {
                return Task.FromException(failure);
            }

            if (draining)
            {
                var queued = new PendingWrite(data, eof);
                queue.Enqueue(queued);
                Interlocked.Add(ref queuedBytes, data.Length);
                return queued.Done.Task;
            }

            draining = true;
        }

        return WriteInline(data, eof);
    }

    /// <summary>
    /// Nothing is queued: writes on the caller's thread for as long as the transport takes bytes at once (the common
    /// case, with no object made and no thread woken); what it cannot take at once is queued and drained as usual.
    /// </summary>
    private Task WriteInline(ReadOnlyMemory<byte> data, bool eof)
    {
        int done = 0;
        try
        {
            while (done < data.Length)
            {
                var some = transport.WriteSomeAsync(data[done..]);
                if (!some.IsCompletedSuccessfully)
                {
                    var rest = new PendingWrite(data, eof) { Written = done };
                    Interlocked.Add(ref queuedBytes, data.Length - done);
                    lock (gate)
                    {
                        queue.Enqueue(rest);
                    }

                    _ = DrainAsync(some);
                    return rest.Done.Task;
                }

                int n = some.Result;
                done += n;
                written(n);
            }

            if (eof)
            {
                transport.ShutdownWrite();
            }
        }
        catch (Exception e)
        {
            FailAll(e);
            broken(e);
            EndDraining();
            return Task.FromException(Describe(new PendingWrite(data, eof) { Written = done }, e));
        }

        EndDraining();
        return Task.CompletedTask;
    }

    private void EndDraining()
    {
        lock (gate)
        {
            draining = false;
            idle?.TrySetResult();
            idle = null;
        }
    }

    /// <summary>Completes when nothing waits to be written (or writing failed).</summary>
    public Task Idle()
    {
        lock (gate)
        {
            if (!draining)
            {
                return Task.CompletedTask;
            }

            idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return idle.Task;
        }
    }

    /// <summary>Fails every write not yet taken by the kernel, and every later one, with <paramref name="reason"/>.</summary>
    public void FailAll(Exception reason)
    {
        PendingWrite[] dropped;
        lock (gate)
        {
            failure ??= reason;
            dropped = queue.ToArray();
            queue.Clear();
        }

        foreach (var write in dropped)
        {
            Interlocked.Add(ref queuedBytes, -(write.Data.Length - write.Written));
            write.Done.TrySetException(Describe(write, reason));
        }
    }

    /// <summary>Writes the queue's writes in order; <paramref name="inFlight"/> is a write of the head already under way.</summary>
    private async Task DrainAsync(ValueTask<int>? inFlight = null)
    {
        while (true)
        {
            PendingWrite? write;
            lock (gate)
            {
                if (failure is not null || !queue.TryPeek(out write))
                {
                    draining = false;
                    idle?.TrySetResult();
                    idle = null;
                    return;
                }
            }

            try
            {
                await WriteAsync(write, inFlight).ConfigureAwait(false);
                inFlight = null;
                lock (gate)
                {
                    if (queue.TryPeek(out var head) && ReferenceEquals(head, write))
                    {
                        queue.Dequeue();
                    }
                }

                write.Done.TrySetResult();
            }
            catch (Exception e)
            {
                FailAll(e);
                broken(e);
            }
        }
    }

    private async Task WriteAsync(PendingWrite write, ValueTask<int>? inFlight)
    {
        while (write.Written < write.Data.Length)
        {
            int n = await (inFlight ?? transport.WriteSomeAsync(write.Data[write.Written..])).ConfigureAwait(false);
            inFlight = null;
            write.Written += n;
            Interlocked.Add(ref queuedBytes, -n);
            written(n);
        }

        if (write.Eof)
        {
            transport.ShutdownWrite();
        }
    }

    /// <summary>The error a failed write reports: what happened, and how much of it was written.</summary>
    private NetProcException Describe(PendingWrite write, Exception reason)
    {
        if (reason is NetProcException closed)
        {
            return write.Written == 0
                ? closed
                : new NetProcException(
                    closed.Error, $"{closed.Message} {write.Written:N0} of its {write.Data.Length:N0} bytes had been written.", closed.Target, closed);
        }

        string what = reason is SocketException s
            ? s.SocketErrorCode switch
            {
                SocketError.ConnectionReset => "the peer reset the connection",
                SocketError.Shutdown or SocketError.ConnectionAborted => "the connection is gone (the peer closed or reset it)",
                _ => s.Message,
            }
            : reason.Message;
        return new NetProcException(
            NetProcError.SendFailed,
            $"Process {processName()} could not send everything: {what} after {write.Written:N0} of {write.Data.Length:N0} bytes were written; the rest was not sent.",
            processName(),
            reason);
    }

    private sealed class PendingWrite
    {
        public PendingWrite(ReadOnlyMemory<byte> data, bool eof)
        {
            Data = data;
            Eof = eof;
        }

        public ReadOnlyMemory<byte> Data { get; }

        public bool Eof { get; }

        /// <summary>Bytes the kernel has taken; only the draining thread changes it.</summary>
        public int Written { get; set; }

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
