using System.Collections.Concurrent;
using System.Management.Automation;
using System.Text;
using System.Text.RegularExpressions;
using NetProc.Engine;
using NetProc.Session;

namespace NetProc.Commands;

/// <summary>
/// Emacs <c>open-network-stream</c>'s dialogue on a fresh connection, on the pipeline thread: reads the greeting,
/// asks for capabilities, sends the STARTTLS command and upgrades in place, asks again. Responses are read off the
/// process's buffer up to the end-of-command pattern, all within one deadline; a peer that closes or goes silent is an
/// error. The process's bytes are taken as they came and only their text is matched, so what the server sent past the
/// last response goes back, byte for byte, as the process's first unread output.
/// </summary>
internal sealed class StreamDialogue
{
    private readonly ProcessSession session;
    private readonly NetProcCmdlet cmdlet;
    private readonly StreamProcess process;
    private readonly double? timeout;
    private readonly DateTime deadline;
    private readonly Decoder decoder;
    private readonly char[] decoded;

    // What was read past the last response: its bytes, their text (less a character not yet complete), and for each
    // character of the text the offset in the bytes just past its last byte, so a response's end in the text is an
    // end in the bytes.
    private readonly List<byte> held = new();
    private readonly StringBuilder text = new();
    private readonly List<int> charEnds = new();

    // Every byte the dialogue has taken from the process: what it read in the clear is all the process read then.
    private long bytesTaken;

    public StreamDialogue(ProcessSession session, NetProcCmdlet cmdlet, StreamProcess process, double? timeout)
    {
        this.session = session;
        this.cmdlet = cmdlet;
        this.process = process;
        this.timeout = timeout;
        deadline = Timeouts.DeadlineAfter(timeout);
        var encoding = process.Encoding ?? Encoding.UTF8;
        decoder = encoding.GetDecoder();
        decoded = new char[encoding.GetMaxCharCount(8)];
    }

    private double? SecondsLeft => Timeouts.IsLimited(deadline) ? Timeouts.Left(deadline).TotalSeconds : null;

    /// <summary>Reads up to and including the first match of <paramref name="end"/> (Emacs keeps the CR LF).</summary>
    public string ReadResponse(Regex end, string what)
    {
        while (true)
        {
            var match = end.Match(text.ToString());
            if (match.Success)
            {
                return Cut(match.Index + match.Length);
            }

            if (!process.IsLive && !process.HasUnread(lines: false))
            {
                // A TLS server that refused this client after the handshake says why; any other end is the peer's close.
                throw process is { Status: ProcessStatus.Failed, LastError: NetProcException refused } ? refused : new NetProcException(
                    NetProcError.ConnectFailed, $"{process.HostAndService} closed the connection before its {what} was complete: '{text.ToString().Trim()}'.", process);
            }

            if (!session.WaitUntil(() => process.HasUnread(lines: false) || !process.IsLive, Timeouts.Left(deadline).TotalSeconds, cmdlet, [process])
                && !process.HasUnread(lines: false))
            {
                throw new NetProcException(
                    NetProcError.ConnectTimeout,
                    $"{process.HostAndService} did not send its {what} within {timeout} seconds (nothing matched -EndOfCommand '{end}'): "
                    + $"check the pattern, or give a longer -Timeout. It sent: '{text.ToString().Trim()}'.",
                    process);
            }

            process.ReadOutput(OutputForm.Bytes, detailed: false, chunk => Take((byte[])chunk));

            // A peer that talks on and on without ever matching must not make the held text grow without bound.
            if (held.Count > ProcessObject.ReceiveWindow)
            {
                throw new NetProcException(
                    NetProcError.ConnectFailed,
                    $"{process.HostAndService} sent more than {ProcessObject.ReceiveWindow:N0} bytes and none of it matched -EndOfCommand '{end}' for its {what}: "
                    + "check the pattern.",
                    process);
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="command"/> as given (with its own line end, as Emacs's callers give it), waiting as
    /// Send-NetworkProcess does, callbacks running meanwhile, within what is left of the deadline.
    /// </summary>
    public void Send(string command, string what)
    {
        byte[] bytes = process.EncodeText(command);
        long sentBefore = process.BytesSent;
        var sent = process.SendAsync(bytes, eof: false);
        if (!sent.IsCompleted && !cmdlet.WaitUntilWritten(process, sent, bytes.Length, sentBefore, SecondsLeft))
        {
            throw new NetProcException(
                NetProcError.ConnectTimeout,
                $"{process.HostAndService} did not take the command for its {what} within {timeout} seconds: it does not read. Give a longer -Timeout.",
                process);
        }

        if (sent.Exception?.InnerException is NetProcException failed)
        {
            throw failed;
        }
    }

    /// <summary>Sends <paramref name="command"/> and reads its response.</summary>
    public string Ask(string command, Regex end, string what)
    {
        Send(command, what);
        return ReadResponse(end, what);
    }

    /// <summary>
    /// Starts TLS on the connection, within what is left of the deadline, callbacks running meanwhile. Plain text the
    /// server sent after its go-ahead (with it, or before the handshake began) is refused: anyone on the way could
    /// have put it there, and read after the upgrade it would pass for text that came through TLS.
    /// </summary>
    public void Upgrade(TlsSettings settings, CancellationToken cancel)
    {
        if (held.Count > 0)
        {
            throw PlaintextAfterGoAhead($"'{text.ToString().Trim()}'");
        }

        var steps = new ConcurrentQueue<string>();
        var upgrade = process.UpgradeToTlsAsync(settings, SecondsLeft, cancel, steps.Enqueue);
        StepWait.For(cmdlet, upgrade, steps, deliverCallbacks: true);
        if (upgrade.Result > bytesTaken)
        {
            throw PlaintextAfterGoAhead($"{upgrade.Result - bytesTaken:N0} bytes");
        }
    }

    /// <summary>The dialogue is over: what was read past the last response becomes the process's first unread output.</summary>
    public void LeaveRestUnread()
    {
        if (held.Count > 0)
        {
            process.PutBack([.. held]);
        }

        held.Clear();
        text.Clear();
        charEnds.Clear();
    }

    /// <summary>The command a -CapabilityCommand or -StartTlsCommand stands for: the text itself, or what its ScriptBlock answers.</summary>
    public static string? CommandFrom(object given, object? argument) => given switch
    {
        ScriptBlock block => ScriptAnswers.Ask(block, argument),
        _ => given.ToString(),
    };

    /// <summary>Adds bytes read to what is held, and their text (a byte at a time, so each character's last byte is known).</summary>
    private void Take(byte[] bytes)
    {
        bytesTaken += bytes.Length;
        for (int i = 0; i < bytes.Length; i++)
        {
            held.Add(bytes[i]);
            int n = decoder.GetChars(bytes.AsSpan(i, 1), decoded, flush: false);
            for (int c = 0; c < n; c++)
            {
                text.Append(decoded[c]);
                charEnds.Add(held.Count);
            }
        }
    }

    /// <summary>Takes the first <paramref name="chars"/> characters of the held text, and their bytes, as a response.</summary>
    private string Cut(int chars)
    {
        int bytes = chars == 0 ? 0 : charEnds[chars - 1];
        string response = text.ToString(0, chars);
        held.RemoveRange(0, bytes);
        text.Remove(0, chars);
        charEnds.RemoveRange(0, chars);
        for (int i = 0; i < charEnds.Count; i++)
        {
            charEnds[i] -= bytes;
        }

        return response;
    }

    private NetProcException PlaintextAfterGoAhead(string what) => new(
        NetProcError.TlsUnexpectedPlaintext,
        $"{process.HostAndService} agreed to start TLS, then sent more plain text before the handshake ({what}). Anyone between here and the server "
        + "could have put it there, and read now it would pass for text that came through TLS: the connection was closed.",
        process);
}
