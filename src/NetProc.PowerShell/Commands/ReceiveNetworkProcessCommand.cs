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

        foreach (var process in processes)
        {
            if (process.Filter is not null && !process.HasUnread(lines: false))
            {
                WriteWarning($"Process {process.Name} has a filter: its output goes to the filter, not to its buffer.");
            }
        }

        var deadline = Timeouts.DeadlineAfter(Timeout);
        var progress = Stream ? new TransferProgress(this, $"Receiving from {string.Join(", ", processes.Select(p => p.Name))}", "received", null, StreamProgressDelay) : null;
        long received = 0;
        Action<object> write = data => WriteObject(data, enumerateCollection: false);
        do
        {
            if (Wait || Stream || Timeout is not null)
            {
                double? left = Timeouts.IsLimited(deadline) ? Timeouts.Left(deadline).TotalSeconds : null;
                Session.WaitUntil(() => processes.Any(p => HasUnread(p) || !p.IsLive), left, this, processes);
            }
            else
            {
                Session.DeliverPending(WriteWarning);
            }

            foreach (var process in processes)
            {
                process.MarkOutputSeen();
                long before = process.UnreadBytes;
                process.ReadOutput(Form, Detailed, write);
                received += before - process.UnreadBytes;
                if (VerboseWanted)
                {
                    WriteVerbose($"Read {before - process.UnreadBytes:N0} bytes of {process.Name}'s output; {process.Status}.");
                }

                Session.Table.ForgetIfDone(process);
            }

            progress?.Report(received);
        }
        while (Stream && processes.Any(p => p.IsLive || HasUnread(p)) && DateTime.UtcNow < deadline);
        progress?.Complete();
    }

    private OutputForm Form => Line ? OutputForm.Lines : AsByteStream ? OutputForm.Bytes : OutputForm.Text;

    private bool HasUnread(ProcessObject process) => process.HasUnread(Line);
}
