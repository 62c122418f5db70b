using System.Collections;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Text;
using NetProc.Engine;
using NetProc.Engine.Serial;
using NetProc.Session;

namespace NetProc.Commands;

/// <summary>How <c>New-NetworkProcess</c>, <c>Open-NetworkStream</c> and <c>New-SerialProcess</c> start clients, servers and ports.</summary>
public abstract class CreateProcessCmdlet : NetProcCmdlet
{
    /// <summary>Only this module's cmdlets derive from it.</summary>
    private protected CreateProcessCmdlet()
    {
    }

    private readonly CancellationTokenSource stopping = new();

    /// <summary>Cancelled by Ctrl+C (StopProcessing): work this cmdlet started elsewhere listens to it.</summary>
    private protected CancellationToken StopToken => stopping.Token;

    /// <summary>
    /// Connects a stream client (or, with <paramref name="noWait"/>, starts connecting) and lists it; a failure, a
    /// connect that takes longer than <paramref name="timeout"/> seconds included, is an error record and leaves the
    /// table as it was. With <paramref name="tls"/>, the TLS handshake is part of the connect. Returns the process
    /// listed (written to the pipeline unless <paramref name="write"/> is false), or null after an error.
    /// </summary>
    private protected StreamProcess? Connect(
        string name,
        string? host,
        object? service,
        ProcessFamily? family,
        ProcessSocketType socketType,
        bool noWait,
        double? timeout,
        bool stopped,
        Action<ProcessObject> configure,
        TlsSettings? tls = null,
        bool write = true)
    {
        StreamProcess process;
        try
        {
            process = StreamProcess.CreateClient(Session.Table, host, service, family, socketType, timeout, tls);
            configure(process);
            if (!noWait)
            {
                WriteVerbose(timeout is double limit ? $"Connecting to {process.HostAndService}, for at most {limit} s." : $"Connecting to {process.HostAndService}.");
                var steps = new ConcurrentQueue<string>();
                StepWait.For(this, process.ConnectAsync(stopping.Token, steps.Enqueue), steps);
                WriteVerbose($"Connected from {process.LocalEndPoint} to {process.RemoteEndPoint}{(process.Tls is null ? string.Empty : " with TLS")}.");
            }
            else
            {
                WriteVerbose($"Connecting to {process.HostAndService} in the background; the sentinel hears \"open\" or \"failed\".");
            }
        }
        catch (NetProcException e)
        {
            WriteError(e);
            return null;
        }

        List(process, name, stopped, write);
        return process;
    }

    /// <summary>
    /// Binds and listens (with <paramref name="tls"/>, a TLS server); a failure (address in use, say) is an error record
    /// and leaves nothing behind.
    /// </summary>
    private protected void Listen(
        string name,
        string? host,
        object? service,
        ProcessFamily? family,
        ProcessSocketType socketType,
        int backlog,
        bool stopped,
        Action<ProcessObject> configure,
        TlsSettings? tls = null) =>
        Open(() => ServerProcess.Listen(Session.Table, host, service, family, backlog, socketType, tls), name, stopped, configure);

    /// <summary>Opens a datagram socket, client or server: open at once, no handshake.</summary>
    private protected void OpenDatagram(
        string name, string? host, object? service, ProcessFamily? family, bool server, bool stopped, Action<ProcessObject> configure) =>
        Open(
            () => server
                ? DatagramProcess.CreateServer(Session.Table, host, service, family)
                : DatagramProcess.CreateClient(Session.Table, host, service, family),
            name,
            stopped,
            configure);

    /// <summary>Opens a serial port (with <paramref name="settings"/>, or as the line is when null): open at once.</summary>
    private protected void OpenSerial(string name, string port, SerialSettings? settings, bool stopped, Action<ProcessObject> configure) =>
        Open(() => SerialProcess.Open(Session.Table, port, settings), name, stopped, configure);

    /// <summary>Applies the options every new process may take.</summary>
    private protected void Configure(
        ProcessObject process, string? buffer, ScriptBlock? filter, ScriptBlock? sentinel, Hashtable? plist, Encoding? encoding, bool noQuery)
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

    /// <summary>Creates a process that is ready at once; a failure is an error record and lists nothing.</summary>
    private void Open(Func<ProcessObject> create, string name, bool stopped, Action<ProcessObject> configure)
    {
        ProcessObject process;
        try
        {
            process = create();
        }
        catch (NetProcException e)
        {
            WriteError(e);
            return;
        }

        configure(process);
        WriteVerbose(process switch
        {
            ServerProcess server => $"Listening on {server.LocalEndPoint} (backlog {server.Backlog}){(server.Security == ProcessSecurity.Tls ? ", TLS" : string.Empty)}.",
            DatagramProcess { Kind: ProcessKind.Server } datagram => $"Datagram socket bound at {datagram.LocalEndPoint}.",
            DatagramProcess datagram => $"Datagram socket bound at {datagram.LocalEndPoint}, sending to {datagram.DatagramAddress}.",
            _ => $"Opened {process.Contact}.",
        });
        List(process, name, stopped);
    }

    /// <summary>Lists and starts a ready process (suspended if asked), and writes it unless told not to.</summary>
    private void List(ProcessObject process, string name, bool stopped, bool write = true)
    {
        Session.Table.Add(process, name, stopped);
        if (write)
        {
            WriteObject(process);
        }
    }
}
