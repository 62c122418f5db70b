using System.Collections;
using System.Management.Automation;
using System.Text;
using NetProc.Engine;
using NetProc.Session;

namespace NetProc.Commands;

/// <summary>The client start shared by <c>New-NetworkProcess</c> and <c>Open-NetworkStream</c>.</summary>
public abstract class ConnectCmdlet : NetProcCmdlet
{
    private readonly CancellationTokenSource stopping = new();

    /// <summary>
    /// Connects (or, with <paramref name="noWait"/>, starts connecting) and lists the process; a failure is an error
    /// record and leaves the table as it was.
    /// </summary>
    protected void Connect(
        string name,
        string? host,
        object? service,
        ProcessFamily? family,
        bool noWait,
        bool stopped,
        Action<NetworkProcess> configure)
    {
        NetworkProcess process;
        try
        {
            process = NetworkProcess.CreateClient(Session.Table, host, service, family);
            configure(process);
            if (!noWait)
            {
                WaitForConnect(process.ConnectAsync(stopping.Token));
                process.Status = ProcessStatus.Open;
            }
            else
            {
                process.Status = ProcessStatus.Connect;
            }
        }
        catch (NetProcException e)
        {
            WriteError(e);
            return;
        }

        Session.Table.Register(process, name);
        if (stopped)
        {
            process.Suspend();
        }

        if (noWait)
        {
            process.ConnectInBackground();
        }
        else
        {
            process.BeginReading();
        }

        WriteObject(process);
    }

    /// <summary>Applies the options every new process may take.</summary>
    protected void Configure(
        NetProcess process, string? buffer, ScriptBlock? filter, ScriptBlock? sentinel, Hashtable? plist, Encoding? encoding, bool noQuery)
    {
        if (buffer is not null)
        {
            process.SetBuffer(Session.Table.AttachBuffer(buffer));
        }

        process.Filter = filter;
        process.Sentinel = sentinel;
        process.Plist = plist is null ? new Hashtable() : (Hashtable)plist.Clone();
        if (encoding is not null)
        {
            process.Encoding = EncodingArgumentAttribute.ForEngine(encoding);
        }

        process.QueryOnExit = !noQuery;
    }

    protected override void StopProcessing() => stopping.Cancel();

    private void WaitForConnect(Task connect)
    {
        try
        {
            while (!connect.Wait(100))
            {
                if (Stopping)
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
    }
}
