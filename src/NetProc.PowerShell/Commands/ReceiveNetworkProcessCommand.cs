using System.Management.Automation;
using NetProc.Engine;

namespace NetProc.Commands;

/// <summary>
/// Reads and empties a process's buffer: text chunks by default, <c>byte[]</c> chunks with <c>-AsByteStream</c>,
/// whole lines with <c>-Line</c>. <c>-Wait</c> first waits for output, the close, or <c>-Timeout</c>; <c>-Stream</c>
/// keeps writing output as it comes until the processes close.
/// </summary>
[Cmdlet(VerbsCommunications.Receive, "NetworkProcess", DefaultParameterSetName = ByName)]
[OutputType(typeof(string), typeof(byte[]), typeof(ReceivedData))]
public sealed class ReceiveNetworkProcessCommand : ProcessSelectionCmdlet
{
    private const string ByBuffer = "Buffer";

    /// <summary>A -Stream read shows progress once it has run this long.</summary>
    private static readonly TimeSpan StreamProgressDelay = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Reads a named buffer (<c>-Buffer</c> of <c>New-NetworkProcess</c> or <c>Set-NetworkProcess</c>) instead of
    /// processes: what every process that shares it wrote, in arrival order. <c>-Wait</c> and <c>-Stream</c> wait for
    /// any of them.
    /// </summary>
    [Parameter(ParameterSetName = ByBuffer, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string? Buffer { get; set; }

    /// <summary>
    /// Waits first until a selected process has output or has closed (Emacs <c>accept-process-output</c>, then
    /// reading the buffer), up to -Timeout; filters and sentinels run meanwhile. Without it, only what is there now
    /// is read.
    /// </summary>
    [Parameter]
    public SwitchParameter Wait { get; set; }

    /// <summary>
    /// Keeps writing output as it arrives, down the pipeline, until every selected process has closed and its output
    /// was read (like <c>Get-Content -Wait</c>, but it ends with the connection), <c>-Timeout</c> passes, or Ctrl+C.
    /// </summary>
    [Parameter]
    public SwitchParameter Stream { get; set; }

    /// <summary>Seconds to wait (fractions allowed), in all with <c>-Stream</c>; implies <c>-Wait</c>. Too large to represent: no limit.</summary>
    [Parameter]
    [Alias("TimeoutSec")]
    [ValidateRange(0, double.MaxValue)]
    public double? Timeout { get; set; }

    /// <summary>Gives the raw bytes of each chunk as one byte[] instead of text, whatever the process's encoding.</summary>
    [Parameter]
    public SwitchParameter AsByteStream { get; set; }

    /// <summary>
    /// Whole lines, without their LF or CR LF; the last line of a closed process comes without one. A line longer
    /// than the receive window (1 Mi characters) is given out in pieces of that size, so memory stays bounded.
    /// </summary>
    [Parameter]
    public SwitchParameter Line { get; set; }

    /// <summary>One object per chunk (per datagram) with Data, Length, RemoteEndPoint (the sender) and Received.</summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    protected override void BeginProcessing()
    {
        if (Line && (AsByteStream || Detailed))
        {
            ThrowTerminating(new NetProcException(
                NetProcError.IncompatibleParameters, "-Line gives whole lines of text; it cannot be combined with -AsByteStream or -Detailed."));
        }
    }

    protected override void ProcessRecord()
    {
        using var delivery = VerboseDelivery();
        var processes = ParameterSetName == ByBuffer ? Session.Table.WritersOf(Buffer!) : SelectProcesses();
        if (processes.Count == 0 && ParameterSetName == ByBuffer)
        {
            WriteError(new NetProcException(
                NetProcError.BufferNotFound,
                $"No process writes to a buffer named '{Buffer}': name one with -Buffer on New-NetworkProcess or Set-NetworkProcess.",
                Buffer));
        }

        if (processes.Count == 0)
        {
            return;
        }

        foreach (var filtered in processes.Where(p => p.Filter is not null && p.Output.ChunkCount == 0))
        {
            WriteWarning($"Process {filtered.Name} has a filter: its output goes to the filter, not to its buffer.");
        }

        var deadline = Timeouts.DeadlineAfter(Timeout);
        var progress = Stream ? new TransferProgress(this, $"Receiving from {string.Join(", ", processes.Select(p => p.Name))}", "received", null, StreamProgressDelay) : null;
        long received = 0;
        do
        {
            if (Wait || Stream || Timeout is not null)
            {
                double? left = Timeouts.IsLimited(deadline) ? Timeouts.Left(deadline).TotalSeconds : null;
                Session.WaitUntil(() => processes.Any(p => HasUnread(p) || !p.IsLive), left, this, processes);
            }
            else
            {
                Session.DeliverPending(WriteWarning, processes);
            }

            foreach (var process in processes)
            {
                process.OutputSeen = process.OutputCount;
                long before = process.Output.Length;
                Drain(process);
                received += before - process.Output.Length;
                if (VerboseWanted)
                {
                    WriteVerbose($"Read {before - process.Output.Length:N0} bytes of {process.Name}'s output; {process.Status}.");
                }

                Session.ForgetIfDone(process);
            }

            progress?.Report(received);
        }
        while (Stream && processes.Any(p => p.IsLive || HasUnread(p)) && DateTime.UtcNow < deadline);
        progress?.Complete();
    }

    private bool HasUnread(NetProcess process) =>
        Line ? process.Output.ChunkCount > 0 || (!process.IsLive && process.Output.LinePending.Length > 0) : process.Output.ChunkCount > 0;

    private void Drain(NetProcess process)
    {
        var buffer = process.Output;
        while (buffer.TryTake(out var chunk))
        {
            var source = chunk!.Source;
            source.NoteSender(chunk);
            object data = AsByteStream || source.Encoding is null ? chunk.ToArray() : source.Decode(chunk);
            if (Detailed)
            {
                WriteObject(new ReceivedData(source, data, chunk.Count, chunk.From ?? source.RemoteEndPoint, chunk.Received));
            }
            else if (Line)
            {
                WriteLines(buffer, (string)data);
            }
            else if (data is not string { Length: 0 })
            {
                WriteObject(data, enumerateCollection: false);
            }
        }

        // The last line of a closed process has no newline to end it.
        if (Line && !process.IsLive && buffer.LinePending.Length > 0)
        {
            WriteObject(buffer.LinePending);
            buffer.LinePending = string.Empty;
        }
    }

    private void WriteLines(ProcessBuffer buffer, string text)
    {
        string pending = buffer.LinePending + text;
        int start = 0;
        for (int newline = pending.IndexOf('\n'); newline >= 0; newline = pending.IndexOf('\n', start))
        {
            int end = newline > start && pending[newline - 1] == '\r' ? newline - 1 : newline;
            WriteObject(pending[start..end]);
            start = newline + 1;
        }

        // A peer that never ends its line must not make the held text grow without bound: past a window's worth,
        // what is held is given out as it is.
        string rest = pending[start..];
        if (rest.Length >= NetProcess.ReceiveWindow)
        {
            WriteObject(rest);
            rest = string.Empty;
        }

        buffer.LinePending = rest;
    }
}
