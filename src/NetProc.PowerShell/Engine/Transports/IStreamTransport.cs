using System.Net;

namespace NetProc.Engine;

/// <summary>
/// How a stream process moves bytes: what differs between a TCP or unix socket, and tomorrow a TLS stream or a serial
/// port. Everything else a stream process does (the inbox, the receive window, suspension, decoding, the ordered
/// write queue, the status machine, the graceful close's order) is written once, in <see cref="StreamProcess"/>,
/// <see cref="StreamReceiver"/> and <see cref="SendQueue"/>.
/// </summary>
/// <remarks>
/// Who may read when: one reader at a time, as <see cref="Reading"/> allows: a polled transport may be read without
/// blocking by any thread (the client's reader thread, or the pipeline thread pulling what waits); a blocking one by a
/// client's reader thread of its own, and by the pipeline thread pulling only what it can read without waiting
/// (<see cref="PullNow"/>); every transport with awaited reads. Reads happen only while the process's window is open, between two reads the reader holds
/// nothing: that is where suspension pauses it, and where a STARTTLS upgrade can replace the transport (pause the
/// reader, let the writes drain, hand the connected socket to the new transport, resume) without losing or
/// reordering a byte. Transport methods may throw on failure; the caller reports it as the connection breaking.
/// </remarks>
internal interface IStreamTransport
{
    EndPoint? LocalEndPoint { get; }

    EndPoint? RemoteEndPoint { get; }

    /// <summary>Which reads work besides the awaited ones.</summary>
    TransportReading Reading { get; }

    /// <summary>Polled or blocking: waits up to <paramref name="microseconds"/> until bytes (or the end) arrived.</summary>
    bool Poll(int microseconds);

    /// <summary>Polled or blocking: waits, without limit and without taking anything, until a read would find data or the end.</summary>
    void WaitReadable();

    /// <summary>
    /// Polled or blocking: reads what waits: the count, 0 at the peer's end. Polled, it never blocks and gives -1 when
    /// nothing waits; blocking, it may wait for the rest of what <see cref="WaitReadable"/> saw begin.
    /// </summary>
    int ReadNow(Span<byte> block);

    /// <summary>
    /// Polled or blocking, for the pipeline thread pulling: reads what can be read without waiting: the count, 0 at the
    /// peer's end, -1 when nothing can (a blocking transport also while its reader thread waits inside it).
    /// </summary>
    int PullNow(Span<byte> block);

    /// <summary>
    /// Completes when a read would find data or the end, without taking anything, so an idle connection holds no read
    /// block and a suspend that comes meanwhile leaves the data with the peer; a transport that cannot tell completes at once.
    /// </summary>
    ValueTask WaitReadableAsync();

    /// <summary>Reads into <paramref name="block"/>: the count, 0 at the peer's end.</summary>
    ValueTask<int> ReadAsync(Memory<byte> block);

    /// <summary>Writes some of <paramref name="data"/> (at least one byte), returning exactly how much was written.</summary>
    ValueTask<int> WriteSomeAsync(ReadOnlyMemory<byte> data);

    /// <summary>Ends this side's output (a FIN), after everything written.</summary>
    void ShutdownWrite();

    /// <summary>Bytes written that the peer has not yet acknowledged, where the transport can tell; else 0.</summary>
    long Unacknowledged { get; }

    /// <summary>
    /// After <see cref="ShutdownWrite"/>: completes with true once the peer has taken everything (or ended its own side,
    /// <paramref name="peerEnded"/>), false if <paramref name="deadline"/> passes first.
    /// </summary>
    Task<bool> PeerTookEverythingAsync(DateTime deadline, Task peerEnded);

    /// <summary>
    /// What the end of the stream (<paramref name="failure"/> null) or a failure to read or write means, where the
    /// transport knows more than the error says (a TLS server's refusal after the handshake); null otherwise.
    /// </summary>
    NetProcException? ReasonForEnd(Exception? failure);

    /// <summary>Reads and drops what waits, so a close that follows is not turned into a reset by unread input.</summary>
    void DiscardInput();

    /// <summary>Closes: gracefully, behind whatever the system still holds to send; wakes a reader still waiting.</summary>
    void Close();

    /// <summary>Closes at once with a reset (TCP's RST), dropping what was not delivered.</summary>
    void Abort();
}
