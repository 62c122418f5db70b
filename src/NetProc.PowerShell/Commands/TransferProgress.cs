using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;

namespace NetProc.Commands;

/// <summary>
/// Write-Progress for a long transfer: bytes done (of the total, when there is one) and the rate, at most a few times a
/// second, from <paramref name="delay"/> on. <c>$ProgressPreference = 'SilentlyContinue'</c> silences it, as for any cmdlet.
/// </summary>
internal sealed class TransferProgress
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);
    private static int nextActivityId;

    private readonly Cmdlet cmdlet;
    private readonly ProgressRecord record;
    private readonly long? total;
    private readonly string verb;
    private readonly TimeSpan delay;
    private readonly Stopwatch elapsed = Stopwatch.StartNew();
    private TimeSpan? lastShown;

    /// <param name="verb">What happens to the bytes: "written", "received".</param>
    /// <param name="total">The bytes the transfer will take, or null when unknown.</param>
    /// <param name="delay">Shows nothing for this long: a short transfer needs no progress bar.</param>
    public TransferProgress(Cmdlet cmdlet, string activity, string verb, long? total, TimeSpan delay = default)
    {
        this.cmdlet = cmdlet;
        this.verb = verb;
        this.total = total;
        this.delay = delay;
        record = new ProgressRecord(Interlocked.Increment(ref nextActivityId), activity, "Starting");
    }

    /// <summary>Shows <paramref name="done"/> bytes, unless it showed something a moment ago.</summary>
    public void Report(long done)
    {
        var now = elapsed.Elapsed;
        if (now < delay || (lastShown is { } shown && now - shown < Interval))
        {
            return;
        }

        lastShown = now;
        double megabytesPerSecond = done / Math.Max(now.TotalSeconds, 1e-3) / 1e6;
        if (total is long all)
        {
            done = Math.Clamp(done, 0, all);
            record.StatusDescription = string.Format(
                CultureInfo.CurrentCulture, "{0:N0} of {1:N0} bytes {2}, {3:N1} MB/s", done, all, verb, megabytesPerSecond);
            record.PercentComplete = (int)(done * 100 / Math.Max(all, 1));
            record.SecondsRemaining = megabytesPerSecond > 0 ? (int)((all - done) / (megabytesPerSecond * 1e6)) : -1;
        }
        else
        {
            record.StatusDescription = string.Format(CultureInfo.CurrentCulture, "{0:N0} bytes {1}, {2:N1} MB/s", done, verb, megabytesPerSecond);
        }

        cmdlet.WriteProgress(record);
    }

    public void Complete()
    {
        if (lastShown is null)
        {
            return;
        }

        record.RecordType = ProgressRecordType.Completed;
        cmdlet.WriteProgress(record);
    }
}
