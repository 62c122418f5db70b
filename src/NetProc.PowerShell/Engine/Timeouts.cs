namespace NetProc.Engine;

/// <summary>Turns a <c>-Timeout</c> in seconds into a deadline, the one way every timeout of NetProc is measured.</summary>
internal static class Timeouts
{
    /// <summary>The longest a wait sleeps at once, so that Ctrl+C and the deadline are heard in time.</summary>
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The UTC time <paramref name="seconds"/> from now. No timeout, or one too long for a date to hold
    /// (<c>1e12</c>, <c>[double]::MaxValue</c>), is no limit: <see cref="DateTime.MaxValue"/>.
    /// </summary>
    public static DateTime DeadlineAfter(double? seconds)
    {
        var now = DateTime.UtcNow;
        return seconds is double s && s < (DateTime.MaxValue - now).TotalSeconds
            ? now + TimeSpan.FromSeconds(s)
            : DateTime.MaxValue;
    }

    /// <summary>Whether the deadline is a real one, not "no limit".</summary>
    public static bool IsLimited(DateTime deadline) => deadline != DateTime.MaxValue;

    public static bool HasPassed(DateTime deadline) => DateTime.UtcNow >= deadline;

    /// <summary>The time left until the deadline, never negative.</summary>
    public static TimeSpan Left(DateTime deadline)
    {
        var left = deadline - DateTime.UtcNow;
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    /// <summary>
    /// The time left as a timeout for .NET's waits (<see cref="Task.WaitAsync(TimeSpan)"/>), which take at most about
    /// 49 days: infinite when there is no limit or more than that is left.
    /// </summary>
    public static TimeSpan LeftForWait(DateTime deadline)
    {
        var left = Left(deadline);
        return left.TotalMilliseconds < uint.MaxValue - 1 ? left : System.Threading.Timeout.InfiniteTimeSpan;
    }

    /// <summary>The next wait toward the deadline: what is left, at most one <see cref="Slice"/>.</summary>
    public static TimeSpan NextSlice(DateTime deadline)
    {
        var left = Left(deadline);
        return left < Slice ? left : Slice;
    }

    /// <summary>Whether <paramref name="task"/> completes before <paramref name="deadline"/>.</summary>
    public static async Task<bool> Within(Task task, DateTime deadline)
    {
        try
        {
            await task.WaitAsync(LeftForWait(deadline)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Not in time.
        }

        return task.IsCompleted;
    }
}
