using System.Collections.Concurrent;
using System.Management.Automation;
using NetProc.Engine;

namespace NetProc.Commands;

/// <summary>
/// Waits on the pipeline thread for work done elsewhere (a connect, a TLS handshake), in slices so Ctrl+C is heard,
/// writing each step the work reported to -Verbose as it comes.
/// </summary>
internal static class StepWait
{
    /// <summary>
    /// Waits for <paramref name="work"/>; its NetProcException is rethrown as is, a cancel as a stopped pipeline. With
    /// <paramref name="deliverCallbacks"/> callbacks run meanwhile (work on a listed process, whose peer may be in the
    /// same session); a connect, whose process nobody has seen yet, runs none.
    /// </summary>
    public static void For(NetProcCmdlet cmdlet, Task work, ConcurrentQueue<string> steps, bool deliverCallbacks = false)
    {
        try
        {
            if (deliverCallbacks)
            {
                cmdlet.WaitDelivering(work, eachWake: () => WriteSteps(cmdlet, steps));
                work.Wait();
                return;
            }

            while (!work.Wait(100))
            {
                WriteSteps(cmdlet, steps);
                if (cmdlet.Stopping)
                {
                    throw new PipelineStoppedException();
                }
            }
        }
        catch (AggregateException e) when (e.InnerException is NetProcException inner)
        {
            throw inner;
        }
        catch (AggregateException e) when (e.InnerException is OperationCanceledException)
        {
            throw new PipelineStoppedException();
        }
        finally
        {
            WriteSteps(cmdlet, steps);
        }
    }

    private static void WriteSteps(Cmdlet cmdlet, ConcurrentQueue<string> steps)
    {
        while (steps.TryDequeue(out string? step))
        {
            cmdlet.WriteVerbose(step);
        }
    }
}
