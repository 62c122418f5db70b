using System.Net;
using System.Net.Sockets;

namespace NetProc.Engine;

/// <summary>
/// A datagram socket (UDP, or a unix datagram socket): client or server, always <c>Open</c>, one chunk per datagram.
/// Every datagram read names its sender as the process's <see cref="NetProcess.DatagramAddress"/> once the user or a
/// filter gets it, and sends go there unless told otherwise (Emacs <c>process-datagram-address</c>).
/// </summary>
public sealed class DatagramProcess : NetworkProcess
{
    /// <summary>The largest datagram read whole; UDP carries at most 65,507 bytes.</summary>
    private const int MaxDatagram = 64 * 1024;

    private readonly Socket socket;
    private readonly string? socketFile;
    private long dropped;

    private DatagramProcess(
        ProcessTable table, ProcessKind kind, Socket socket, string? host, object? service, EndPoint? remote, string? socketFile)
        : base(table, kind, ProcessProtocol.Datagram, host, service, Endpoints.FamilyOf(socket.LocalEndPoint!))
    {
        this.socket = socket;
        this.socketFile = socketFile;

        // UDP drops what the kernel cannot hold while the reader is busy: give it room for a window's worth.
        socket.ReceiveBufferSize = ReceiveWindow;
        LocalEndPoint = socket.LocalEndPoint;
        RemoteEndPoint = remote;
        DatagramAddress = remote;
        if (kind == ProcessKind.Server && LocalEndPoint is IPEndPoint ip)
        {
            Service = ip.Port;
        }

        Status = ProcessStatus.Open;
    }

    /// <summary>Datagrams that arrived while the process already held a full receive window, and were dropped as UDP drops them.</summary>
    public long DroppedDatagrams => Interlocked.Read(ref dropped);

    /// <summary>
    /// A datagram client: open at once, no handshake. It binds an address of its own so replies (and third parties)
    /// can reach it; its datagram address starts as the server's.
    /// </summary>
    public static DatagramProcess CreateClient(ProcessTable table, string? host, object? service, ProcessFamily? family)
    {
        Endpoints.Validate(host, service, family, ProcessProtocol.Datagram, server: false);
        var remote = Endpoints.ForConnectAsync(family == ProcessFamily.Local ? null : host, service, family, CancellationToken.None)
            .GetAwaiter().GetResult()[0];
        var socket = Endpoints.NewSocket(remote, ProcessProtocol.Datagram);
        try
        {
            // A client talking to loopback listens on loopback only; otherwise on every interface, as replies may come from any.
            socket.Bind(remote switch
            {
                UnixDomainSocketEndPoint => Endpoints.UniqueLocalAddress(),
                IPEndPoint ip when IPAddress.IsLoopback(ip.Address) => new IPEndPoint(ip.Address, 0),
                IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } => new IPEndPoint(IPAddress.IPv6Any, 0),
                _ => new IPEndPoint(IPAddress.Any, 0),
            });
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw SocketFailure(e, "A local datagram address", "bind");
        }

        return new DatagramProcess(table, ProcessKind.Client, socket, family == ProcessFamily.Local ? null : host, service, remote, null);
    }

    /// <summary>A datagram server: binds (loopback unless told otherwise) and is open at once; it answers whoever wrote last.</summary>
    public static DatagramProcess CreateServer(ProcessTable table, string? host, object? service, ProcessFamily? family)
    {
        var (socket, file) = BindServerSocket(host, service, family, ProcessProtocol.Datagram);
        return new DatagramProcess(table, ProcessKind.Server, socket, family == ProcessFamily.Local ? null : host, service, null, file);
    }

    /// <summary>Starts reading. Datagrams are read even while suspended or unread, so none waits in the kernel to be lost there; those beyond the receive window are counted and dropped.</summary>
    public void BeginReading() => _ = ReadLoopAsync();

    /// <summary>Chooses where sends go (Emacs <c>set-process-datagram-address</c>); the address must fit the socket's family.</summary>
    public void SetDatagramAddress(object address) => DatagramAddress = Endpoints.ParseAddress(address, Family);

    /// <summary>Parses a <c>-To</c> address for this socket.</summary>
    public EndPoint ParseAddress(object address) => Endpoints.ParseAddress(address, Family);

    /// <summary>
    /// Sends one datagram to <paramref name="to"/>, or to the datagram address. An empty payload sends nothing, as in
    /// Emacs; <paramref name="eof"/> means nothing to a datagram socket.
    /// </summary>
    public Task SendTo(ReadOnlyMemory<byte> data, EndPoint? to)
    {
        if (Status != ProcessStatus.Open || TransportClosed)
        {
            return base.SendAsync(data, eof: false);
        }

        var target = to ?? DatagramAddress ?? throw new NetProcException(
            NetProcError.NoDatagramAddress,
            $"Process {Name} has no datagram address yet: nobody has written to it. Use -To, or Set-NetworkProcess -DatagramAddress.",
            this);
        if (data.IsEmpty)
        {
            return Task.CompletedTask;
        }

        try
        {
            int n = socket.SendTo(data.Span, SocketFlags.None, target);
            CountSent(n);
            return Task.CompletedTask;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.MessageSize)
        {
            throw new NetProcException(
                NetProcError.DatagramTooLarge, $"{data.Length} bytes do not fit in one datagram of process {Name}.", data.Length, e);
        }
        catch (SocketException e)
        {
            throw new NetProcException(NetProcError.SendFailed, $"Process {Name} could not send to {target}: {e.Message}", target, e);
        }
    }

    public override Task SendAsync(ReadOnlyMemory<byte> data, bool eof) => eof ? Task.CompletedTask : SendTo(data, null);

    protected override void ReleaseTransport(bool abort)
    {
        socket.Dispose();
        RemoveSocketFile(socketFile);
    }

    private async Task ReadLoopAsync()
    {
        byte[] block = new byte[MaxDatagram];
        EndPoint anySender = socket.LocalEndPoint switch
        {
            UnixDomainSocketEndPoint => Endpoints.UniqueLocalAddress(),
            IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } => new IPEndPoint(IPAddress.IPv6Any, 0),
            _ => new IPEndPoint(IPAddress.Any, 0),
        };
        while (!TransportClosed)
        {
            try
            {
                var result = await socket.ReceiveFromAsync(block, SocketFlags.None, anySender, Closing).ConfigureAwait(false);
                int n = result.ReceivedBytes;
                if (WindowFullFor(n))
                {
                    Interlocked.Increment(ref dropped);
                    continue;
                }

                PostData(block.AsSpan(0, n).ToArray(), n, result.RemoteEndPoint);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
            {
                // An ICMP "port unreachable" for an earlier send: UDP has no connection to break.
            }
            catch (Exception e)
            {
                if (!TransportClosed)
                {
                    Post(new StatusChange(ProcessStatus.Closed, 256, "connection broken by remote peer\n", e));
                }

                return;
            }
        }
    }
}
