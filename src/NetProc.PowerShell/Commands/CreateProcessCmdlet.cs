using System.Collections;
using System.Management.Automation;
using System.Text;
using NetProc.Engine;
using NetProc.Session;

namespace NetProc.Commands;

/// <summary>How <c>New-NetworkProcess</c> and <c>Open-NetworkStream</c> start clients and servers.</summary>
public abstract class CreateProcessCmdlet : NetProcCmdlet
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
        Action<NetProcess> configure)
    {
        StreamProcess process;
        try
        {
            process = StreamProcess.CreateClient(Session.Table, host, service, family);
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

    /// <summary>Binds and listens; a failure (address in use, say) is an error record and leaves nothing behind.</summary>
    protected void Listen(
        string name, string? host, object? service, ProcessFamily? family, int backlog, bool stopped, Action<NetProcess> configure)
    {
        ServerProcess server;
        try
        {
            server = ServerProcess.Listen(Session.Table, host, service, family, backlog);
        }
        catch (NetProcException e)
        {
            WriteError(e);
            return;
        }

        configure(server);
        Session.Table.Register(server, name);
        if (stopped)
        {
            server.Suspend();
        }

        server.BeginAccepting();
        WriteObject(server);
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
