using System.Management.Automation;
using System.Net;
using NetProc.Engine;
using NetProc.Session;

namespace NetProc.Commands;

/// <summary>
/// Emacs <c>process-send-string</c> and <c>process-send-eof</c>: sends text (in the process's encoding) or bytes,
/// in order, waiting until written; callbacks run while a full socket buffer makes it wait.
/// </summary>
[Cmdlet(VerbsCommunications.Send, "NetworkProcess", DefaultParameterSetName = ByName)]
[OutputType(typeof(void))]
public sealed class SendNetworkProcessCommand : ProcessSelectionCmdlet
{
    // Made when first needed: most calls send one string, and this cmdlet runs in tight loops.
    private List<byte>? pendingBytes;
    private Dictionary<DatagramProcess, EndPoint>? destinations;
    private IReadOnlyList<ProcessObject>? targets;

    /// <summary>A string, a <c>byte[]</c>, or anything else (sent as its string form). Piped bytes are sent together.</summary>
    [Parameter(Position = 1, ValueFromPipeline = true)]
    [AllowNull]
    [UnwrapArgument]
    public object? Data { get; set; }

    /// <summary>After the data, half-closes the connection: nothing more is sent, input keeps arriving.</summary>
    [Parameter]
    public SwitchParameter Eof { get; set; }

    /// <summary>For a datagram process: where to send (<c>host:port</c>, <c>[::1]:port</c>, a socket path, an EndPoint) instead of its datagram address.</summary>
    [Parameter]
    [ValidateNotNull]
    [UnwrapArgument]
    public object? To { get; set; }

    protected override void ProcessRecord()
    {
        targets ??= SelectProcesses();
        if (!MyInvocation.BoundParameters.ContainsKey(nameof(Data)))
        {
            return;
        }

        switch (Data)
        {
            case null:
                WriteError(new NetProcException(NetProcError.InvalidData, "There is no data to send: the value is null.", null));
                return;
            case byte single:
                (pendingBytes ??= new List<byte>()).Add(single);
                return;
        }

        FlushPendingBytes();
        foreach (var process in targets)
        {
            byte[] bytes = Data switch
            {
                byte[] raw => raw,
                string text => process.EncodeText(text),
                _ => process.EncodeText(LanguagePrimitives.ConvertTo<string>(Data)),
            };
            Send(process, bytes, eof: false);
        }
    }

    protected override void EndProcessing()
    {
        targets ??= SelectProcesses();
        FlushPendingBytes();
        if (Eof)
        {
            foreach (var process in targets)
            {
                Send(process, Array.Empty<byte>(), eof: true);
            }
        }
        else if (!MyInvocation.BoundParameters.ContainsKey(nameof(Data)) && !MyInvocation.ExpectingInput)
        {
            WriteError(new NetProcException(NetProcError.InvalidData, "Give -Data to send, pipe it in, or use -Eof.", null));
        }
    }

    private void FlushPendingBytes()
    {
        if (pendingBytes is not { Count: > 0 })
        {
            return;
        }

        byte[] bytes = pendingBytes.ToArray();
        pendingBytes.Clear();
        foreach (var process in targets!)
        {
            Send(process, bytes, eof: false);
        }
    }

    /// <summary>The <c>-To</c> address for a datagram process, resolved once for all the records piped in.</summary>
    private EndPoint DestinationFor(DatagramProcess datagram)
    {
        destinations ??= new Dictionary<DatagramProcess, EndPoint>();
        if (!destinations.TryGetValue(datagram, out var destination))
        {
            destination = datagram.ParseAddress(To!);
            destinations.Add(datagram, destination);
        }

        return destination;
    }

    /// <summary>Emacs waits for a connection in progress, then sends or fails; callbacks run meanwhile.</summary>
    private void WaitForConnect(ProcessObject process)
    {
        using var delivery = VerboseDelivery();
        Session.WaitUntil(() => process.Status != ProcessStatus.Connect, null, this);
    }

    private void Send(ProcessObject process, byte[] bytes, bool eof)
    {
        if (process.Status == ProcessStatus.Connect)
        {
            WaitForConnect(process);
        }

        if (eof && process is DatagramProcess)
        {
            WriteWarning($"Process {process.Name} is a datagram socket: it has no end-of-file, so -Eof does nothing.");
            return;
        }

        if (VerboseWanted)
        {
            WriteVerbose(eof
                ? $"Half-closing {process.Name}: nothing more is sent, input keeps coming."
                : $"Sending {bytes.Length:N0} bytes to {process.Name} ({To ?? process.Address}).");
        }

        long sentBefore = process.BytesSent;
        try
        {
            var sent = To is null
                ? process.SendAsync(bytes, eof)
                : process is DatagramProcess datagram
                    ? datagram.SendTo(bytes, DestinationFor(datagram))
                    : throw new NetProcException(NetProcError.InvalidEndpoint, $"-To is for datagram processes; {process.Name} is connected to its peer.", To);
            if (!sent.IsCompleted)
            {
                // A separate call, so the common send that needs no wait allocates none of it.
                WaitUntilWritten(process, sent, bytes.Length, sentBefore);
            }

            if (sent.Exception?.InnerException is NetProcException failed)
            {
                WriteError(failed);
            }
            else if (!eof && VerboseWanted)
            {
                WriteVerbose($"Wrote {bytes.Length:N0} bytes to {process.Name}: in the system's send buffer (Wait-NetworkProcess -Delivered waits for the peer).");
            }
        }
        catch (NetProcException e)
        {
            WriteError(e);
        }
    }
}
