namespace NetProc.Engine;

/// <summary>
/// Trouble a transport thread must tell the user of that changes no status (a datagram dropped as too long): the bridge
/// warns with its message and keeps it as <c>LastError</c>. It is posted again only once taken, so a flood of the
/// same trouble holds one inbox item, not one per occurrence.
/// </summary>
internal sealed class Notice
{
    private readonly Func<Exception> describe;
    private int posted;

    /// <param name="describe">Says what happened, when the notice is taken (so counts are current).</param>
    public Notice(Func<Exception> describe) => this.describe = describe;

    /// <summary>Claims the right to post it; false while it already waits in the inbox.</summary>
    public bool TryClaim() => Interlocked.Exchange(ref posted, 1) == 0;

    /// <summary>Takes it out of the inbox: what happened, described now, and it may be posted again.</summary>
    public Exception Take()
    {
        // Released before describing: trouble counted after this is either described now or posts the notice anew.
        Interlocked.Exchange(ref posted, 0);
        return describe();
    }
}
