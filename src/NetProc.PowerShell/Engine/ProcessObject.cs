using System.Buffers;
using System.Collections;
using System.Net;
using System.Text;

namespace NetProc.Engine;

/// <summary>
/// A process object, Emacs's word: one network connection, server or serial port in a session's table. What every
/// kind shares lives here: its identity and settings, the inbox that transport threads add to, the receive window
/// that bounds it, suspension, the status machine, and turning the inbox into finished deliveries.
/// Transport threads only add to the inbox; every property a user sees changes on the pipeline thread.
/// </summary>
public abstract class ProcessObject
{
    /// <summary>How many bytes a process may hold read but not yet consumed before its reads pause.</summary>
    public const int ReceiveWindow = 1 << 20;

    /// <summary>
    /// The most one read of a stream takes, so the largest chunk: as large as an array can be and stay off the large
    /// object heap (85,000 bytes), since every chunk given to the user is a fresh array of its size. A process may
    /// go past its window by up to one read.
    /// </summary>
    public const int MaxReadSize = 80 * 1024;

    /// <summary>
    /// What one held chunk costs beyond its bytes (its objects and queue slot), charged to the window so a peer that
    /// trickles single bytes cannot make the window hold a hundred times its size in bookkeeping.
    /// </summary>
    private protected const int ChunkOverhead = 128;

    /// <summary>How long a graceful close waits, by default, for the peer to take what was sent.</summary>
    public const double DefaultLinger = 30;

    /// <summary>UTF-8 without a byte order mark, Emacs's <c>utf-8-unix</c>; shared, as encodings are immutable.</summary>
    private static readonly Encoding DefaultEncoding = new UTF8Encoding(false);

    private readonly object readGate = new();
    private readonly CancellationTokenSource closing = new();
    private int closed;
    private TaskCompletionSource? readPermission;
    private long unconsumed;
    private long windowUse;
    private long bytesReceived;
    private long bytesSent;
    private long chunksReceived;
    private long chunksSent;
    private Encoding? encoding;
    private Decoder? decoder;
    private ProcessBuffer? buffer;

    private protected ProcessObject(ProcessTable table, ProcessType type, ProcessKind kind)
    {
        Table = table;
        Type = type;
        Kind = kind;
        Output = new ProcessBuffer(null);
        encoding = DefaultEncoding;
        Created = DateTime.Now;
    }

    public int Id { get; internal set; }

    public string Name { get; internal set; } = string.Empty;

    public ProcessType Type { get; }

    public ProcessKind Kind { get; }

    public ProcessStatus Status { get; private protected set; }

    public bool Stopped { get; private set; }

    /// <summary>True while the process can still send or receive (Emacs <c>process-live-p</c>).</summary>
    public bool IsLive => Status is ProcessStatus.Connect or ProcessStatus.Open or ProcessStatus.Listen;

    /// <summary>The filter the session bridge calls with each chunk (a ScriptBlock), or null.</summary>
    public object? Filter { get; internal set; }

    /// <summary>The sentinel the session bridge calls with each status message (a ScriptBlock), or null.</summary>
    public object? Sentinel { get; internal set; }

    public object? Log { get; internal set; }

    /// <summary>The named buffer output goes to, or null when the process keeps its output itself.</summary>
    public ProcessBuffer? Buffer => buffer;

    /// <summary>Where output without a filter goes: the named buffer, else the process's own.</summary>
    internal ProcessBuffer Output { get; private set; }

    /// <summary>Text encoding for both directions; null means bytes (<c>Byte</c>).</summary>
    public Encoding? Encoding
    {
        get => encoding;
        internal set
        {
            encoding = value;
            decoder = null;
        }
    }

    public Hashtable Plist { get; internal set; } = new();

    /// <summary>
    /// Whether the session, ending while this process is live, lists it in its warning (Emacs's query-on-exit flag);
    /// <c>-NoQuery</c> clears it.
    /// </summary>
    public bool QueryOnExit { get; internal set; } = true;

    /// <summary>
    /// Seconds a graceful close keeps trying to deliver what was sent before it resets the connection (a stream's
    /// Emacs <c>:linger</c>); 0 resets at once. A server gives its value to the connections it accepts.
    /// </summary>
    public double Linger { get; internal set; } = DefaultLinger;

    /// <summary>0 while alive or after a local close, 256 after the peer closed, the errno after a failed connect.</summary>
    public object ExitStatus { get; private set; } = 0;

    public Exception? LastError { get; private set; }

    /// <summary>Keeps an error met on the process's behalf (a callback that failed) where a script can see it.</summary>
    internal void RecordError(Exception error) => LastError = error;

    public long BytesReceived => Interlocked.Read(ref bytesReceived);

    public long BytesSent => Interlocked.Read(ref bytesSent);

    /// <summary>Reads that brought bytes (for a datagram process, datagrams received).</summary>
    public long ChunksReceived => Interlocked.Read(ref chunksReceived);

    /// <summary>Writes the kernel took (for a datagram process, datagrams sent); a large send may take several.</summary>
    public long ChunksSent => Interlocked.Read(ref chunksSent);

    /// <summary>The encoding's name as <c>-Encoding</c> takes it (<c>utf-8</c>, <c>us-ascii</c>…), or <c>Byte</c> for bytes.</summary>
    public string EncodingName => encoding?.WebName ?? "Byte";

    /// <summary>The end a user looks for first: a peer's address, a server's <c>on</c> address, a serial port's path.</summary>
    public abstract string Address { get; }

    /// <summary>
    /// The process as Emacs's <c>list-processes</c> describes it: <c>(network connection to HOST:SERVICE)</c>,
    /// <c>(network server on HOST:SERVICE)</c>, <c>(serial port PORT at SPEED b/s)</c>.
    /// </summary>
    public abstract string Contact { get; }

    /// <summary>Which callbacks are set: <c>Filter</c>, <c>Sentinel</c>, <c>Log</c>, comma-separated; empty for none.</summary>
    public string Callbacks => string.Join(
        ", ",
        new[] { (nameof(Filter), Filter), (nameof(Sentinel), Sentinel), (nameof(Log), Log) }.Where(c => c.Item2 is not null).Select(c => c.Item1));

    /// <summary>
    /// What a process holds unconsumed before its reads pause: bytes for streams and datagram sockets (see
    /// <see cref="BufferedBytes"/>), accepted connections for a server.
    /// </summary>
    public virtual long WindowSize => Window;

    /// <summary>Bytes read from the peer that no filter or reader has consumed yet (for a server: accepted connections not yet listed).</summary>
    public long BufferedBytes => Interlocked.Read(ref unconsumed);

    public DateTime Created { get; }

    internal ProcessTable Table { get; }

    internal Inbox Inbox { get; } = new();

    /// <summary>Counts chunks delivered to a filter or buffer.</summary>
    private long outputCount;

    /// <summary>
    /// <see cref="outputCount"/> when a wait or read last looked: output delivered between commands, before the user
    /// waited, still counts as output for the next wait.
    /// </summary>
    private long outputSeen;

    /// <summary>Whether output was delivered (to a filter or the buffer) since a wait or read last looked.</summary>
    internal bool HasNewOutput => outputCount != outputSeen;

    /// <summary>A wait or read has looked: output delivered so far is no longer new.</summary>
    internal void MarkOutputSeen() => outputSeen = outputCount;

    /// <summary>Whether the buffer holds output of this process's not yet read (in whole lines, with <paramref name="lines"/>).</summary>
    internal bool HasUnread(bool lines) =>
        Output.HoldsChunks || (lines && !IsLive && Output.HoldsPartialLine);

    /// <summary>Reads what waits in this process's buffer (a shared buffer: every writer's output), in arrival order.</summary>
    internal void ReadOutput(OutputForm form, bool detailed, Action<object> write) => Output.Read(this, form, detailed, write);

    /// <summary>
    /// Puts bytes a reader took and did not use back as this process's first unread output, counted in its window again
    /// (Open-NetworkStream's dialogue: what the server sent after the last response it read).
    /// </summary>
    internal void PutBack(byte[] bytes)
    {
        Interlocked.Add(ref unconsumed, bytes.Length);
        Interlocked.Add(ref windowUse, bytes.Length + ChunkOverhead);
        outputCount++;
        Output.PutBack(new Chunk(this, bytes, bytes.Length, from: null));
    }

    /// <summary>
    /// On the pipeline thread: takes this process's output waiting in its buffer, unread, as bytes in arrival order;
    /// with <see cref="TakeInboxInput"/> after it, everything read and not yet handed to anyone.
    /// </summary>
    internal byte[] TakeBufferedOutput()
    {
        var taken = new ProcessBuffer(null);
        Output.MoveChunksOf(this, taken);
        using var bytes = new MemoryStream();
        taken.Read(this, OutputForm.Bytes, detailed: false, chunk => bytes.Write((byte[])chunk));
        return bytes.ToArray();
    }

    /// <summary>Takes the chunks waiting in the inbox, held or not, as bytes in arrival order; any thread, once reading has stopped.</summary>
    internal byte[] TakeInboxInput()
    {
        using var bytes = new MemoryStream();
        foreach (var chunk in Inbox.TakeChunks())
        {
            bytes.Write((byte[])Consume(chunk, asBytes: true));
        }

        return bytes.ToArray();
    }

    /// <summary>Bytes waiting in the buffer this process writes to (a shared buffer: every writer's).</summary>
    internal long UnreadBytes => Output.Length;

    /// <summary>
    /// Moves output to a named buffer, or back to the process's own with null. Unread output moves along, so nothing
    /// the process read is stranded where it is no longer read.
    /// </summary>
    internal void SetBuffer(ProcessBuffer? named)
    {
        var next = named ?? new ProcessBuffer(null);
        Output.MoveChunksOf(this, next);
        buffer = named;
        Output = next;
    }

    /// <summary>Stops reading (Emacs <c>stop-process</c>): what arrives waits in the kernel, what was read waits here.</summary>
    internal void Suspend()
    {
        Stopped = true;
        Inbox.Hold();
    }

    /// <summary>Resumes reading (Emacs <c>continue-process</c>).</summary>
    internal void Resume()
    {
        Stopped = false;
        if (Inbox.Release())
        {
            Table.MarkReady(this);
        }

        WakeReader();
    }

    /// <summary>Cancelled when the process closes locally: every transport operation of the process listens to it.</summary>
    private protected CancellationToken Closing => closing.Token;

    /// <summary>
    /// Closes the transport, once; no sentinel, no table change. Gracefully unless <paramref name="abort"/>: what was
    /// sent still reaches the peer, within <see cref="Linger"/>. Nothing read afterwards is handed out.
    /// </summary>
    internal void CloseTransport(bool abort = false)
    {
        if (Interlocked.Exchange(ref closed, 1) != 0)
        {
            return;
        }

        try
        {
            closing.Cancel();
        }
        catch (AggregateException)
        {
            // A cancellation callback failed; the transport is closed below all the same.
        }

        ReleaseTransport(abort);
        WakeReader();
        Inbox.Clear();
    }

    /// <summary>Closes the transport's sockets or device, with a reset if <paramref name="abort"/> and it has a connection; called once.</summary>
    private protected abstract void ReleaseTransport(bool abort);

    /// <summary>Called from transport threads: hands an item to the pipeline thread; nothing is handed out once closed.</summary>
    internal void Post(object item)
    {
        if (Inbox.Add(item))
        {
            Table.MarkReady(this);
        }

        // A transport thread may post while the pipeline thread closes the process: whichever comes second clears.
        if (TransportClosed)
        {
            Inbox.Clear();
        }
    }

    /// <summary>Called from transport threads with bytes just read.</summary>
    internal void PostData(byte[] data, int count, EndPoint? from, bool pooled = false)
    {
        Interlocked.Add(ref bytesReceived, count);
        Interlocked.Increment(ref chunksReceived);
        PostCounted(new Chunk(this, data, count, from, pooled), count);
    }

    /// <summary>Posts an item that holds <paramref name="count"/> units (bytes, or pending accepts) until consumed.</summary>
    private protected void PostCounted(object item, int count)
    {
        Interlocked.Add(ref unconsumed, count);
        Interlocked.Add(ref windowUse, count + ChunkOverhead);
        Post(item);
    }

    /// <summary>
    /// Whether <paramref name="count"/> more bytes would overflow the window (datagrams beyond it are dropped). An empty
    /// window takes any datagram, so one larger than the window still arrives: a process holds at most its window plus
    /// one datagram.
    /// </summary>
    private protected bool WindowFullFor(int count)
    {
        long use = Interlocked.Read(ref windowUse);
        return use > 0 && use + count + ChunkOverhead > Window;
    }

    /// <summary>How much unconsumed input makes reading pause: bytes for streams, pending accepts for servers.</summary>
    private protected virtual long Window => ReceiveWindow;

    /// <summary>
    /// Sends bytes, or with <paramref name="eof"/> a half-close, behind everything sent before. Only open
    /// connections send; everything else is not running, and the error says why.
    /// </summary>
    internal virtual Task SendAsync(ReadOnlyMemory<byte> data, bool eof) =>
        throw new NetProcException(NetProcError.ProcessNotRunning, WhyNotRunning(), this);

    /// <summary>What keeps a process that is not open from sending, and what to do instead.</summary>
    private string WhyNotRunning() => Status switch
    {
        ProcessStatus.Failed =>
            $"Process {Name} never opened: its connect failed (code {ExitStatus}). Remove it, and create it again once its peer can be reached.",
        ProcessStatus.Closed when ExitStatus is 256 =>
            $"Process {Name} was closed by its peer: it can send nothing more. Read what it received, then remove it.",
        ProcessStatus.Closed =>
            $"Process {Name} was removed: it can send nothing more. Create a new process to send again.",
        _ => $"Process {Name} is not running (status {Status}).",
    };

    internal void CountSent(int count)
    {
        Interlocked.Add(ref bytesSent, count);
        Interlocked.Increment(ref chunksSent);
    }

    /// <summary>Completes when the process may read again: not stopped and its window not full.</summary>
    internal Task ReadPermission()
    {
        lock (readGate)
        {
            if (MayRead)
            {
                return Task.CompletedTask;
            }

            readPermission ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return readPermission.Task;
        }
    }

    /// <summary>True once the process was closed on this side: from then on nothing it reads is handed out.</summary>
    internal bool TransportClosed => Volatile.Read(ref closed) != 0;

    /// <summary>
    /// Called on the pipeline thread while it waits for this process's output: reads what waits in the kernel there and
    /// then, rather than waking a reader thread to read it; with nothing there, waits up to
    /// <paramref name="lingerMicroseconds"/> for it. True when it read something (or found the close).
    /// </summary>
    internal virtual bool TryPull(int lingerMicroseconds) => false;

    /// <summary>Bytes sent that the peer has not yet taken (see <see cref="StreamChannel"/>); 0 for what cannot tell.</summary>
    internal virtual long UndeliveredBytes => 0;

    /// <summary>Whether reading may go on: not stopped, not closed, and the window not full.</summary>
    internal bool WindowOpen => !TransportClosed && !Stopped && Interlocked.Read(ref windowUse) < Window;

    private bool MayRead => TransportClosed || WindowOpen;

    /// <summary>Returns consumed bytes to the receive window.</summary>
    /// <remarks>
    /// A paused reader wakes only once half the window is free, so it reads a batch rather than one chunk per chunk
    /// consumed: one thread switch per batch instead of two per chunk.
    /// </remarks>
    private protected void Consumed(int count)
    {
        Interlocked.Add(ref unconsumed, -count);
        if (Interlocked.Add(ref windowUse, -(count + ChunkOverhead)) <= Window / 2)
        {
            WakeReader();
        }
    }

    private protected void WakeReader()
    {
        TaskCompletionSource? waiting;
        lock (readGate)
        {
            if (readPermission is null || !MayRead)
            {
                return;
            }

            waiting = readPermission;
            readPermission = null;
        }

        waiting.TrySetResult();
    }

    /// <summary>
    /// The one rule for output leaving the engine, to a filter or a reader: a datagram's sender becomes where replies
    /// go, the bytes become text (or an array of their own), and they go back to the receive window.
    /// </summary>
    internal object Consume(Chunk chunk, bool asBytes)
    {
        NoteSender(chunk);
        object data = asBytes ? chunk.ToArray() : Decode(chunk);
        Consumed(chunk.Count);
        return data;
    }

    /// <summary>Output that reaches the user tells the process who sent it: a datagram process answers its sender.</summary>
    private protected virtual void NoteSender(Chunk chunk)
    {
    }

    /// <summary>Decodes a chunk with this process's stateful decoder: a sequence split across reads is completed, not mangled.</summary>
    private string Decode(Chunk chunk)
    {
        var dec = decoder ??= (encoding ?? DefaultEncoding).GetDecoder();
        var span = chunk.Span;
        char[] rented = ArrayPool<char>.Shared.Rent((encoding ?? DefaultEncoding).GetMaxCharCount(span.Length));
        try
        {
            int n = dec.GetChars(span, rented, flush: false);
            chunk.Release();
            return n == 0 ? string.Empty : new string(rented, 0, n);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    /// <summary>Encodes text for sending; a process that reads bytes still sends text as UTF-8.</summary>
    internal byte[] EncodeText(string text) => (encoding ?? DefaultEncoding).GetBytes(text);

    /// <summary>
    /// On the pipeline thread: takes the next finished delivery from the inbox, in arrival order. Output without a
    /// filter goes into the buffer on the way and is no delivery. Once the process is closed on this side (removed,
    /// even by one of its own callbacks) nothing more is handed out: the sentinel's last message is its last call.
    /// </summary>
    internal bool TryTakeDelivery(out Delivery? delivery)
    {
        while (!TransportClosed && Inbox.TryTake(out var item))
        {
            delivery = Finish(item!);
            if (delivery is not null)
            {
                return true;
            }
        }

        delivery = null;
        return false;
    }

    /// <summary>Turns one inbox item into its delivery, or null when it needs none (output for the buffer).</summary>
    private protected virtual Delivery? Finish(object item)
    {
        switch (item)
        {
            case Chunk chunk:
                return DeliverOutput(chunk);
            case StatusChange change:
                return Apply(change);
            case Notice notice:
                LastError = notice.Take();
                return new Delivery.Warning(this, LastError.Message);
            default:
                throw new InvalidOperationException($"Process {Name} cannot deliver a {item.GetType().Name}.");
        }
    }

    /// <summary>
    /// A chunk goes to the buffer, or (with a filter) is decoded, given back to the window and names the datagram
    /// sender where replies go; an incomplete multi-byte character waits for the next chunk.
    /// </summary>
    private Delivery? DeliverOutput(Chunk chunk)
    {
        outputCount++;
        Table.DeliveredChunks++;
        if (Filter is null)
        {
            Output.Append(chunk);
            return null;
        }

        object data = Consume(chunk, asBytes: encoding is null);
        return data is string { Length: 0 } ? null : new Delivery.Output(this, data);
    }

    /// <summary>
    /// The status machine: a change found by a transport thread takes effect here, in arrival order. Closed is final:
    /// a change that raced a local close (a connect finishing, a reset) changes nothing. A close by the peer also
    /// closes this side (gracefully). Returns the sentinel's message.
    /// </summary>
    private Delivery.StatusNote? Apply(StatusChange change)
    {
        if (Status == ProcessStatus.Closed)
        {
            return null;
        }

        Status = change.Status;
        ExitStatus = change.ExitStatus;
        if (change.Error is not null)
        {
            LastError = change.Error;
        }

        if (change.Status is ProcessStatus.Closed or ProcessStatus.Failed)
        {
            // Nothing more comes either way (a TLS refusal after an open has left a socket to close).
            CloseTransport();
        }

        return new Delivery.StatusNote(this, change.Message);
    }

    /// <summary>
    /// Closes the process at the user's request (Emacs <c>delete-process</c>) and takes it off the list; gracefully
    /// unless <paramref name="abort"/>. Returns the sentinel's <c>"deleted\n"</c>, or null when it had closed already.
    /// </summary>
    internal Delivery.StatusNote? Delete(bool abort)
    {
        Table.Unregister(this);
        if (Status == ProcessStatus.Closed)
        {
            return null;
        }

        CloseTransport(abort);
        Status = ProcessStatus.Closed;
        ExitStatus = 0;
        return new Delivery.StatusNote(this, DeletedMessage);
    }

    /// <summary>What the sentinel hears when the user removes the process.</summary>
    private protected virtual string DeletedMessage => "deleted\n";

    /// <summary>Closes without a sentinel: the session or the module is going away.</summary>
    internal void CloseQuietly()
    {
        CloseTransport();
        Status = ProcessStatus.Closed;
    }

    /// <summary>Starts the transport's work once the process is listed: reading, accepting, or a background connect.</summary>
    internal abstract void Start();

    public override string ToString() => Name;
}
