namespace NetProc.Engine;

/// <summary>
/// One finished thing a process hands the bridge, in arrival order: already decoded, already given back to the
/// receive window, its status already applied. The bridge makes each into at most one callback or one warning;
/// output without a filter never becomes a delivery, it waits in the process's buffer for a reader.
/// </summary>
internal abstract record Delivery(ProcessObject Process)
{
    /// <summary>Output for the filter: text in the process's encoding, or a byte[] for a process that reads bytes.</summary>
    public sealed record Output(ProcessObject Process, object Data) : Delivery(Process);

    /// <summary>A status change already applied, for the sentinel: Emacs's message (<c>"open\n"</c>, <c>"deleted\n"</c>…).</summary>
    public sealed record StatusNote(ProcessObject Process, string Message) : Delivery(Process);

    /// <summary>
    /// A connection the server accepted, now listed: the server's log hears <paramref name="LogMessage"/>
    /// (<c>"accept from HOST\n"</c>), then the connection's sentinel <paramref name="SentinelMessage"/>.
    /// </summary>
    public sealed record Accepted(ProcessObject Process, ProcessObject Connection, string LogMessage, string SentinelMessage)
        : Delivery(Process);

    /// <summary>An <c>accept()</c> that failed, for the server's log (<c>"accept failed with code N\n"</c>); kept as LastError.</summary>
    public sealed record AcceptFailed(ProcessObject Process, string LogMessage) : Delivery(Process);

    /// <summary>Trouble that changes no status (a datagram dropped as too long), for a warning; kept as LastError.</summary>
    public sealed record Warning(ProcessObject Process, string Message) : Delivery(Process);
}
