using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace NetProc.Engine;

/// <summary>
/// A datagram socket (UDP, or a unix datagram socket): client or server, always <c>Open</c>, one chunk per datagram.
/// Every datagram read names its sender as the process's <see cref="NetworkProcess.DatagramAddress"/> once the user or a
/// filter gets it, and sends go there unless told otherwise (Emacs <c>process-datagram-address</c>).
/// </summary>
public sealed class DatagramProcess : NetworkProcess
{
    /// <summary>The most UDP carries: 65,535 bytes less the UDP header and, for IPv4, the IP header.</summary>
    private const int MaxUdpOverIPv4 = 65_507, MaxUdpOverIPv6 = 65_527;

    /// <summary>
    /// The most a unix datagram socket asks for as its send buffer, which Linux doubles: Linux sends no unix datagram
    /// much past 4 MiB whatever the buffer (its largest allocation), and each process reads into a block that large.
    /// </summary>
    private const int MaxUnixSendBuffer = 2 << 20;

    /// <summary>How much less than its send buffer the largest unix datagram a Linux socket sends is.</summary>
    private const int UnixSendBufferReserve = 32;

    /// <summary>The largest unix datagram where the send buffer says nothing of it (not Linux).</summary>
    private const int FallbackUnixDatagram = 64 * 1024;

    private readonly Socket socket;
    private readonly string? socketFile;
    private readonly Notice truncationNotice;
    private long dropped;
    private long truncated;

    private DatagramProcess(
        ProcessTable table, ProcessKind kind, Socket socket, string? host, object? service, EndPoint? remote, string? socketFile)
        : base(table, kind, ProcessSocketType.Datagram, host, service, Endpoints.FamilyOf(socket.LocalEndPoint!))
    {
        this.socket = socket;
        this.socketFile = socketFile;

        // UDP drops what the kernel cannot hold while the reader is busy: give it room for a window's worth.
        socket.ReceiveBufferSize = ReceiveWindow;
        MaxDatagramSize = socket.AddressFamily switch
        {
            AddressFamily.InterNetwork => MaxUdpOverIPv4,
            AddressFamily.InterNetworkV6 => MaxUdpOverIPv6,
            _ => EnlargeUnixSendBuffer(socket),
        };
        truncationNotice = new Notice(DescribeTruncation);
        LocalEndPoint = socket.LocalEndPoint;
        DatagramAddress = remote;
        if (kind == ProcessKind.Server && LocalEndPoint is IPEndPoint ip)
        {
            Service = ip.Port;
        }

        Status = ProcessStatus.Open;
    }

    /// <summary>Where sends go, the datagram address: Emacs's <c>:remote</c> of a datagram process is it (item 128).</summary>
    public override EndPoint? RemoteEndPoint => DatagramAddress;

    /// <summary>A datagram's sender becomes where replies go, when the user or a filter gets the datagram (Emacs item 128).</summary>
    private protected override void NoteSender(Chunk chunk)
    {
        if (chunk.From is not null)
        {
            DatagramAddress = chunk.From;
        }
    }

    /// <summary>Datagrams that arrived while the process already held a full receive window, and were dropped as UDP drops them.</summary>
    public long DroppedDatagrams => Interlocked.Read(ref dropped);

    /// <summary>Datagrams longer than <see cref="MaxDatagramSize"/>, so read only in part, and dropped rather than handed on cut short.</summary>
    public long TruncatedDatagrams => Interlocked.Read(ref truncated);

    /// <summary>
    /// The longest datagram the process reads whole and can send: 65,507 bytes over UDP/IPv4, 65,527 over IPv6; for a
    /// unix socket on Linux, what its send buffer allows, the most any sender's may hold unless forced past
    /// <c>net.core.wmem_max</c>.
    /// </summary>
    public int MaxDatagramSize { get; }

    /// <summary>
    /// A datagram client: open at once, no handshake. It binds an address of its own so replies (and third parties)
    /// can reach it; its datagram address starts as the server's. A unix server must be there already.
    /// </summary>
    internal static DatagramProcess CreateClient(ProcessTable table, string? host, object? service, ProcessFamily? family)
    {
        Endpoints.Validate(host, service, family, ProcessSocketType.Datagram, server: false);
        var remote = Endpoints.ForConnectAsync(
                family == ProcessFamily.Local ? null : host, service, family, ProcessSocketType.Datagram, CancellationToken.None)
            .GetAwaiter().GetResult()[0];
        if (remote is UnixDomainSocketEndPoint unixServer)
        {
            CheckUnixServer(unixServer, $"{service}");
        }

        // A client talking to loopback listens on loopback only; otherwise on every interface, as replies may come from any.
        EndPoint local = remote switch
        {
            UnixDomainSocketEndPoint => Endpoints.UniqueLocalAddress(),
            IPEndPoint ip when IPAddress.IsLoopback(ip.Address) => new IPEndPoint(ip.Address, 0),
            IPEndPoint { AddressFamily: AddressFamily.InterNetworkV6 } => new IPEndPoint(IPAddress.IPv6Any, 0),
            _ => new IPEndPoint(IPAddress.Any, 0),
        };
        var socket = Endpoints.NewSocket(remote, ProcessSocketType.Datagram);
        try
        {
            socket.Bind(local);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw SocketFailure(e, local is IPEndPoint bound ? Endpoints.Describe(bound) : local.ToString()!, local, "bind");
        }

        return new DatagramProcess(table, ProcessKind.Client, socket, family == ProcessFamily.Local ? null : host, service, remote, null);
    }

    /// <summary>
    /// Checks, with a throwaway connect, that a unix datagram socket is bound at <paramref name="server"/>: a client of
    /// a path with no socket could only fail. The client's own socket stays unconnected, so that it hears from anyone
    /// who writes to it, not only from its server.
    /// </summary>
    private static void CheckUnixServer(UnixDomainSocketEndPoint server, string path)
    {
        using var probe = Endpoints.NewSocket(server, ProcessSocketType.Datagram);
        try
        {
            probe.Connect(server);
        }
        catch (SocketException e)
        {
            throw SocketFailure(e, path, server, "connect");
        }
    }

    /// <summary>A datagram server: binds (loopback unless told otherwise) and is open at once; it answers whoever wrote last.</summary>
    internal static DatagramProcess CreateServer(ProcessTable table, string? host, object? service, ProcessFamily? family)
    {
        var (socket, file) = BindServerSocket(host, service, family, ProcessSocketType.Datagram);
        return new DatagramProcess(table, ProcessKind.Server, socket, family == ProcessFamily.Local ? null : host, service, null, file);
    }

    /// <summary>Starts reading. Datagrams are read even while suspended or unread, so none waits in the kernel to be lost there; those beyond the receive window are counted and dropped.</summary>
    internal override void Start() => _ = ReadLoopAsync();

    /// <summary>Chooses where sends go (Emacs <c>set-process-datagram-address</c>); the address must fit the socket's family.</summary>
    internal void SetDatagramAddress(object address) => DatagramAddress = Endpoints.ParseAddress(address, Family);

    /// <summary>Parses a <c>-To</c> address for this socket.</summary>
    internal EndPoint ParseAddress(object address) => Endpoints.ParseAddress(address, Family);

    /// <summary>
    /// Sends one datagram to <paramref name="to"/>, or to the datagram address. An empty payload sends nothing, as in
    /// Emacs; <paramref name="eof"/> means nothing to a datagram socket.
    /// </summary>
    internal Task SendTo(ReadOnlyMemory<byte> data, EndPoint? to)
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
                NetProcError.DatagramTooLarge,
                $"{data.Length} bytes do not fit in one datagram of process {Name}, which carries at most {MaxDatagramSize}: send less at a time.",
                data.Length,
                e);
        }
        catch (SocketException e)
        {
            throw new NetProcException(NetProcError.SendFailed, $"Process {Name} could not send to {target}: {e.Message}", target, e);
        }
    }

    internal override Task SendAsync(ReadOnlyMemory<byte> data, bool eof) => eof ? Task.CompletedTask : SendTo(data, null);

    private protected override void ReleaseTransport(bool abort)
    {
        socket.Dispose();
        RemoveSocketFile(socketFile);
    }

    /// <summary>
    /// Gives a unix datagram socket on Linux the largest send buffer it may have, twice <c>net.core.wmem_max</c> (at most
    /// twice <see cref="MaxUnixSendBuffer"/>), so it sends as large datagrams as others can; returns the longest it sends.
    /// </summary>
    private static int EnlargeUnixSendBuffer(Socket socket)
    {
        int wmemMax;
        try
        {
            wmemMax = int.Parse(File.ReadAllText("/proc/sys/net/core/wmem_max"), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
        {
            return FallbackUnixDatagram;
        }

        socket.SendBufferSize = Math.Clamp(wmemMax, 1, MaxUnixSendBuffer);
        return socket.SendBufferSize - UnixSendBufferReserve;
    }

    private Exception DescribeTruncation() => new NetProcException(
        NetProcError.DatagramTruncated,
        $"Process {Name} dropped a datagram longer than the {MaxDatagramSize} bytes it reads whole, rather than pass on a part "
            + $"of it ({TruncatedDatagrams} so far, counted in TruncatedDatagrams). Its sender must send smaller datagrams.",
        this);

    private async Task ReadLoopAsync()
    {
        // One byte more than the longest datagram, so a read that fills it shows a datagram cut short: ReceiveFromAsync
        // on Linux neither fails nor says so (MSG_TRUNC reaches only ReceiveMessageFrom).
        byte[] block = GC.AllocateUninitializedArray<byte>(MaxDatagramSize + 1);
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
                if (n == block.Length)
                {
                    Interlocked.Increment(ref truncated);
                    if (truncationNotice.TryClaim())
                    {
                        Post(truncationNotice);
                    }

                    continue;
                }

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
