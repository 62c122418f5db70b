namespace NetProc.Engine;

/// <summary>
/// A connected byte stream of a process, whatever carries it: the transport, the <see cref="StreamReceiver"/> that
/// reads it into the process's inbox, the <see cref="SendQueue"/> that writes to it in order, and the close, graceful
/// unless asked otherwise. Stream processes of every kind (a socket client or connection, tomorrow a serial port)
/// hold one once connected.
/// </summary>
internal sealed class StreamChannel
{
    private readonly ProcessObject owner;
    private readonly IStreamTransport transport;
    private readonly StreamReceiver receiver;
    private readonly SendQueue sender;
    private readonly string brokenMessage;
    private bool eofQueued;
    private int brokenPosted;

    /// <param name="ownReaderThread">Read on a thread of its own where the transport allows (a client), and let the pipeline thread pull where it can be polled.</param>
    /// <param name="brokenMessage">The sentinel's text when the peer ends or breaks the stream (Emacs's words for it).</param>
    public StreamChannel(ProcessObject owner, IStreamTransport transport, bool ownReaderThread, string brokenMessage)
    {
        this.owner = owner;
        this.transport = transport;
        this.brokenMessage = brokenMessage;
        sender = new SendQueue(transport, () => owner.Name, owner.CountSent, PostBroken);
        receiver = new StreamReceiver(owner, transport, ownReaderThread && transport.Reading != TransportReading.Awaited, PostBroken);
    }

    public IStreamTransport Transport => transport;

    /// <summary>Bytes sent that the peer has not yet taken: still queued here, or sent and not acknowledged (where the transport can tell).</summary>
    public long UndeliveredBytes => Math.Max(0, sender.QueuedBytes) + (owner.TransportClosed ? 0 : transport.Unacknowledged);

    public void Start() => receiver.Start();

    /// <summary>Queues bytes (or, with <paramref name="eof"/>, the end of output) behind everything sent before.</summary>
    public Task SendAsync(ReadOnlyMemory<byte> data, bool eof)
    {
        if (eofQueued)
        {
            throw new NetProcException(
                NetProcError.OutputClosed, $"Process {owner.Name} has already sent end-of-file; it can only receive now.", owner);
        }

        eofQueued |= eof;
        return sender.Enqueue(data, eof);
    }

    public bool TryPull(int lingerMicroseconds) => receiver.TryPull(lingerMicroseconds);

    /// <summary>
    /// Hands the transport over for an upgrade in place (STARTTLS): everything queued is written first (before
    /// <paramref name="deadline"/>), then the receiver stops at a read boundary, so what was read is in the inbox in
    /// order and the rest waits in the transport for its new owner. The channel is done with afterwards.
    /// </summary>
    public async Task<IStreamTransport> DetachAsync(DateTime deadline)
    {
        if (eofQueued)
        {
            throw new NetProcException(
                NetProcError.OutputClosed, $"Process {owner.Name} has sent end-of-file: TLS cannot start on a connection it no longer writes to.", owner);
        }

        if (!await Timeouts.Within(sender.Idle(), deadline).ConfigureAwait(false))
        {
            throw new NetProcException(
                NetProcError.TlsHandshakeTimeout,
                $"Process {owner.Name} could not write what it had sent before -Timeout passed, so TLS did not start: its peer does not read.",
                owner);
        }

        receiver.StopAtReadBoundary();
        return transport;
    }

    /// <summary>
    /// Closes: at once with a reset if <paramref name="abort"/> or the linger time is 0; plainly when the peer has ended
    /// and nothing waits to be written; else gracefully, off the pipeline thread. The task completes once closed.
    /// </summary>
    public Task Close(bool abort)
    {
        receiver.BeginClose();
        if (abort || owner.Linger <= 0)
        {
            Abort(abort
                ? $"Process {owner.Name} was removed with -Abort; the connection was reset."
                : $"Process {owner.Name} closed with no linger time; the connection was reset.");
            return Task.CompletedTask;
        }

        if (receiver.Stopped.IsCompleted && sender.Idle().IsCompleted)
        {
            // The peer ended (or broke) the stream and nothing waits to be written: a plain close is an end of output
            // after whatever the system still holds, and no input can come to turn it into a reset.
            transport.Close();
            return Task.CompletedTask;
        }

        return Task.Run(CloseGracefullyAsync);
    }

    /// <summary>
    /// Reports the peer's end or a failure, once, whichever of reader and writer notices first; not after a local close.
    /// A failure the transport itself named (a TLS server's refusal that came after the handshake) is a failed
    /// connection, as a handshake that fails at once would be: "failed with code TlsClientCertificateRequired".
    /// </summary>
    private void PostBroken(Exception? error)
    {
        if (!owner.TransportClosed && Interlocked.Exchange(ref brokenPosted, 1) == 0)
        {
            error = transport.ReasonForEnd(error) ?? error;
            owner.Post(error is NetProcException { Error: var code }
                ? new StatusChange(ProcessStatus.Failed, code.ToString(), $"failed with code {code}\n", error)
                : new StatusChange(ProcessStatus.Closed, 256, brokenMessage, error));
        }
    }

    /// <summary>
    /// Everything queued is written, then the end of output; the transport closes once the peer has taken it all (or
    /// ended its side), so a peer still sending cannot provoke a reset that would drop what it was still to receive.
    /// Meanwhile the receiver reads and drops what arrives. Past the linger time it gives up and resets.
    /// </summary>
    private async Task CloseGracefullyAsync()
    {
        var deadline = Timeouts.DeadlineAfter(owner.Linger);
        try
        {
            if (!await Timeouts.Within(sender.Idle(), deadline).ConfigureAwait(false) || !await FinishOutputAsync(deadline).ConfigureAwait(false))
            {
                // Told to a Send still waiting, and kept where a script holding the process can see it.
                var gaveUp = new NetProcException(
                    NetProcError.SendFailed,
                    $"Process {owner.Name} closed, and its peer did not take everything sent within its linger time ({owner.Linger} s): the connection was reset.",
                    owner);
                owner.RecordError(gaveUp);
                Abort(gaveUp.Message);
                return;
            }

            receiver.Stop();
            transport.DiscardInput();
            transport.Close();
        }
        catch (Exception)
        {
            // The stream failed while closing (a reset, say): nothing is left to deliver.
            transport.Close();
        }
    }

    /// <summary>Ends the output, then whether the peer took everything before the deadline (or ended its own side).</summary>
    private Task<bool> FinishOutputAsync(DateTime deadline)
    {
        try
        {
            transport.ShutdownWrite();
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or ObjectDisposedException)
        {
            // Already shut down, or the peer is gone: either way that direction is done.
        }

        return transport.PeerTookEverythingAsync(deadline, receiver.Stopped);
    }

    /// <summary>Resets at once, failing what was not yet written with <paramref name="reason"/>.</summary>
    private void Abort(string reason)
    {
        sender.FailAll(new NetProcException(NetProcError.SendFailed, reason, owner));
        receiver.Stop();
        transport.Abort();
    }
}
