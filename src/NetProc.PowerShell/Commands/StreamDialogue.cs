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
/// process's buffer up to the end-of-command pattern (text past the pattern waits for the next response), all within
/// one deadline; a peer that closes or goes silent is an error.
/// </summary>
internal sealed class StreamDialogue
{
    private readonly ProcessSession session;
    private readonly PSCmdlet cmdlet;
    private readonly StreamProcess process;
    private readonly double? timeout;
    private readonly DateTime deadline;
    private string unread = string.Empty;

    public StreamDialogue(ProcessSession session, PSCmdlet cmdlet, StreamProcess process, double? timeout)
    {
        this.session = session;
        this.cmdlet = cmdlet;
        this.process = process;
        this.timeout = timeout;
        deadline = Timeouts.DeadlineAfter(timeout);
    }

    /// <summary>Reads up to and including the first match of <paramref name="end"/> (Emacs keeps the CR LF).</summary>
    public string ReadResponse(Regex end, string what)
    {
        while (true)
        {
            var match = end.Match(unread);
            if (match.Success)
            {
                string response = unread[..(match.Index + match.Length)];
                unread = unread[(match.Index + match.Length)..];
                return response;
            }

            if (!process.IsLive && !process.HasUnread(lines: false))
            {
                throw new NetProcException(
                    NetProcError.ConnectFailed, $"{process.HostAndService} closed the connection before its {what} was complete: '{unread.Trim()}'.", process);
            }

            if (!session.WaitUntil(() => process.HasUnread(lines: false) || !process.IsLive, Timeouts.Left(deadline).TotalSeconds, cmdlet, [process])
                && !process.HasUnread(lines: false))
            {
                throw new NetProcException(
                    NetProcError.ConnectTimeout,
                    $"{process.HostAndService} did not send its {what} within {timeout} seconds (nothing matched -EndOfCommand '{end}'): "
                    + $"check the pattern, or give a longer -Timeout. It sent: '{unread.Trim()}'.",
                    process);
            }

            var text = new StringBuilder(unread);
            process.ReadOutput(OutputForm.Text, detailed: false, chunk => text.Append(chunk as string ?? Encoding.UTF8.GetString((byte[])chunk)));
            unread = text.ToString();

            // A peer that talks on and on without ever matching must not make the held text grow without bound.
            if (unread.Length > ProcessObject.ReceiveWindow)
            {
                throw new NetProcException(
                    NetProcError.ConnectFailed,
                    $"{process.HostAndService} sent more than {ProcessObject.ReceiveWindow:N0} characters and none of it matched -EndOfCommand '{end}' for its {what}: "
                    + "check the pattern.",
                    process);
            }
        }
    }

    /// <summary>Sends <paramref name="command"/> as given (with its own line end, as Emacs's callers give it).</summary>
    public void Send(string command) =>
        StepWait.For(cmdlet, process.SendAsync(process.EncodeText(command), eof: false), new ConcurrentQueue<string>());

    /// <summary>Sends <paramref name="command"/> and reads its response.</summary>
    public string Ask(string command, Regex end, string what)
    {
        Send(command);
        return ReadResponse(end, what);
    }

    /// <summary>Starts TLS on the connection, within what is left of the deadline.</summary>
    public void Upgrade(TlsSettings settings, CancellationToken cancel)
    {
        var steps = new ConcurrentQueue<string>();
        StepWait.For(cmdlet, process.UpgradeToTlsAsync(settings, Timeouts.IsLimited(deadline) ? Timeouts.Left(deadline).TotalSeconds : null, cancel, steps.Enqueue), steps);
    }

    /// <summary>The command a -CapabilityCommand or -StartTlsCommand stands for: the text itself, or what its ScriptBlock answers.</summary>
    public static string? CommandFrom(object given, object? argument) => given switch
    {
        ScriptBlock block => ScriptAnswers.Ask(block, argument),
        _ => given.ToString(),
    };
}
