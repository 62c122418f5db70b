// Peers and raw .NET baselines for the server-side NetProc benchmarks (accept rate, server scale, datagram rate).
// Compiled with Add-Type by those benchmark scripts (and by the child pwsh processes they start). Runs no script.
#nullable enable
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace NetProcBench
{
    /// <summary>Open-file limit of this process (Linux/macOS): read it, and raise the soft limit up to the hard limit.</summary>
    public static class FileLimit
    {
        private const int RLIMIT_NOFILE_LINUX = 7;
        private const int RLIMIT_NOFILE_MAC = 8;

        [StructLayout(LayoutKind.Sequential)]
        private struct RLimit
        {
            public ulong Current;
            public ulong Max;
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int getrlimit(int resource, out RLimit limit);

        [DllImport("libc", SetLastError = true)]
        private static extern int setrlimit(int resource, ref RLimit limit);

        private static int Resource => RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? RLIMIT_NOFILE_MAC : RLIMIT_NOFILE_LINUX;

        /// <summary>"soft/hard", or "n/a" on Windows.</summary>
        public static string Describe()
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows) || getrlimit(Resource, out var l) != 0)
            {
                return "n/a";
            }

            return l.Current + "/" + l.Max;
        }

        /// <summary>
        /// Makes sure the soft limit is at least <paramref name="needed"/>, raising it (never above the hard limit).
        /// Returns what was done, for the report; throws when the hard limit is too low.
        /// </summary>
        public static string Ensure(ulong needed)
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                return "n/a (Windows)";
            }

            if (getrlimit(Resource, out var l) != 0)
            {
                return "getrlimit failed (errno " + Marshal.GetLastWin32Error() + ")";
            }

            if (l.Current >= needed)
            {
                return "soft limit " + l.Current + " >= " + needed + " needed, unchanged";
            }

            if (l.Max < needed)
            {
                throw new InvalidOperationException("RLIMIT_NOFILE hard limit " + l.Max + " is below the " + needed + " descriptors needed");
            }

            var before = l.Current;
            l.Current = l.Max;
            if (setrlimit(Resource, ref l) != 0)
            {
                throw new InvalidOperationException("setrlimit(RLIMIT_NOFILE, " + l.Max + ") failed, errno " + Marshal.GetLastWin32Error());
            }

            return "soft limit raised from " + before + " to " + l.Max + " with setrlimit";
        }
    }

    /// <summary>
    /// Counts accepts for the accept-rate benchmark: the server (a NetProc -Log, or the raw accept thread) calls
    /// <see cref="Add"/> per accept, which also gives a client its next credit (see <see cref="ConnectStorm"/>).
    /// </summary>
    public sealed class AcceptCounter
    {
        private readonly int target;
        private readonly SemaphoreSlim credits;
        private int count;

        /// <param name="target">The count whose accept is timed.</param>
        /// <param name="inFlight">Connects that may be under way before the server has accepted them (null: unbounded).</param>
        public AcceptCounter(int target, int inFlight)
        {
            this.target = target;
            credits = new SemaphoreSlim(inFlight > 0 ? inFlight : int.MaxValue / 2);
        }

        public int Count => Volatile.Read(ref count);

        /// <summary>Stopwatch timestamp of the accept that reached the target, or 0.</summary>
        public long DoneTimestamp { get; private set; }

        public int Add()
        {
            int n = Interlocked.Increment(ref count);
            if (n == target)
            {
                DoneTimestamp = Stopwatch.GetTimestamp();
            }

            credits.Release();
            return n;
        }

        internal bool TakeCredit(int milliseconds) => credits.Wait(milliseconds);
    }

    /// <summary>
    /// Clients for the accept-rate benchmark: <c>threads</c> threads, each connecting to loopback and closing at once
    /// (an orderly close), until <c>count</c> connects are done. A connect returns as soon as the kernel has queued the
    /// connection, before the server accepts it; so a client first takes a credit from the
    /// <see cref="AcceptCounter"/>, which the server returns per accept: at most its inFlight connections are queued or
    /// being made, and a bounded listen backlog never overflows (an overflow drops the SYN: a 1 s retransmit).
    /// </summary>
    public sealed class ConnectStorm
    {
        private readonly int port;
        private readonly int count;
        private readonly AcceptCounter counter;
        private readonly CountdownEvent done;
        private int next = -1;
        private int completed;
        private int errors;
        private long endTimestamp;

        private ConnectStorm(int port, int count, int threads, AcceptCounter counter)
        {
            this.port = port;
            this.count = count;
            this.counter = counter;
            done = new CountdownEvent(threads);
            StartTimestamp = Stopwatch.GetTimestamp();
            for (int i = 0; i < threads; i++)
            {
                new Thread(Run) { IsBackground = true, Name = "connect-storm" }.Start();
            }
        }

        public static ConnectStorm Start(int port, int count, int threads, AcceptCounter counter) => new(port, count, threads, counter);

        public long StartTimestamp { get; }

        public int Completed => Volatile.Read(ref completed);

        public int Errors => Volatile.Read(ref errors);

        public string? FirstError { get; private set; }

        public bool Finished => done.IsSet;

        /// <summary>Seconds from the start until the last client closed.</summary>
        public double Seconds => (Interlocked.Read(ref endTimestamp) - StartTimestamp) / (double)Stopwatch.Frequency;

        public bool Wait(int milliseconds) => done.Wait(milliseconds);

        private void Run()
        {
            var target = new IPEndPoint(IPAddress.Loopback, port);
            try
            {
                while (Interlocked.Increment(ref next) < count)
                {
                    if (!counter.TakeCredit(60000))
                    {
                        throw new TimeoutException("the server accepted nothing for 60 s");
                    }

                    try
                    {
                        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                        s.Connect(target);
                        Interlocked.Increment(ref completed);
                    }
                    catch (Exception e)
                    {
                        if (Interlocked.Increment(ref errors) == 1)
                        {
                            FirstError = e.Message;
                        }
                    }
                }
            }
            catch (Exception e)
            {
                FirstError ??= e.Message;
                Interlocked.Increment(ref errors);
            }
            finally
            {
                long now = Stopwatch.GetTimestamp();
                long seen;
                while ((seen = Interlocked.Read(ref endTimestamp)) < now && Interlocked.CompareExchange(ref endTimestamp, now, seen) != seen)
                {
                }

                done.Signal();
            }
        }
    }

    /// <summary>Raw .NET baseline for the accept rate: a thread in a blocking Socket.Accept loop, closing each socket at once.</summary>
    public sealed class RawAcceptServer : IDisposable
    {
        private readonly Socket listener;
        private readonly ManualResetEventSlim finished = new(false);
        private int accepted;

        public RawAcceptServer(int backlog)
        {
            listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(backlog);
            Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        }

        public int Port { get; }

        public int Accepted => Volatile.Read(ref accepted);

        public string? Error { get; private set; }

        /// <summary>Accepts (and closes) <paramref name="expect"/> connections on a thread of its own, counting each.</summary>
        public void Start(int expect, AcceptCounter counter)
        {
            finished.Reset();
            accepted = 0;
            new Thread(() => Run(expect, counter)) { IsBackground = true, Name = "raw-accept" }.Start();
        }

        public bool Wait(int milliseconds) => finished.Wait(milliseconds);

        public void Dispose() => listener.Dispose();

        private void Run(int expect, AcceptCounter counter)
        {
            try
            {
                while (accepted < expect)
                {
                    var s = listener.Accept();
                    s.NoDelay = true; // as NetProc does for every accepted TCP socket
                    s.Dispose();
                    Interlocked.Increment(ref accepted);
                    counter.Add();
                }
            }
            catch (Exception e)
            {
                Error = e.Message;
            }
            finally
            {
                finished.Set();
            }
        }
    }

    /// <summary>The line protocol the child processes of the scale benchmark speak over stdin/stdout.</summary>
    internal static class LineCommands
    {
        /// <summary>
        /// Answers each command line with what <paramref name="handle"/> returns (null: an unknown command) until
        /// EXIT or the end of input.
        /// </summary>
        public static void Serve(TextReader input, TextWriter output, Func<string[], string?> handle)
        {
            string? line;
            while ((line = input.ReadLine()) != null)
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 0)
                {
                    continue;
                }

                if (parts[0] == "EXIT")
                {
                    return;
                }

                output.WriteLine(handle(parts) ?? "ERROR unknown command " + parts[0]);
                output.Flush();
            }
        }
    }

    /// <summary>
    /// The clients of the server-scale benchmark, run in a child pwsh so the server's process holds only its own
    /// sockets. A line protocol on stdin/stdout:
    ///   CONNECT port count threads -> CONNECTED ok errors seconds [first error]   (the sockets stay open)
    ///   ECHO                       -> ECHOED served count seconds                  (one line each, read back and compared)
    ///   CLOSE                      -> CLOSED count
    ///   EXIT
    /// </summary>
    public static class ScaleClients
    {
        public static void Run(TextReader input, TextWriter output)
        {
            output.WriteLine("READY nofile " + FileLimit.Describe());
            output.Flush();
            var sockets = new List<Socket>();
            LineCommands.Serve(input, output, parts =>
            {
                switch (parts[0])
                {
                    case "CONNECT":
                        return Connect(sockets, int.Parse(parts[1], CultureInfo.InvariantCulture),
                            int.Parse(parts[2], CultureInfo.InvariantCulture), int.Parse(parts[3], CultureInfo.InvariantCulture));
                    case "ECHO":
                        return Echo(sockets);
                    case "CLOSE":
                        foreach (var s in sockets)
                        {
                            s.Dispose();
                        }

                        int closed = sockets.Count;
                        sockets.Clear();
                        return "CLOSED " + closed;
                    default:
                        return null;
                }
            });
        }

        private static string Connect(List<Socket> sockets, int port, int count, int threads)
        {
            FileLimit.Ensure((ulong)(sockets.Count + count + 256));
            var target = new IPEndPoint(IPAddress.Loopback, port);
            var opened = new Socket?[count];
            int next = -1;
            int errors = 0;
            string? first = null;
            var sw = Stopwatch.StartNew();
            var workers = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                workers[t] = new Thread(() =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < count)
                    {
                        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                        try
                        {
                            s.Connect(target);
                            opened[i] = s;
                        }
                        catch (Exception e)
                        {
                            s.Dispose();
                            if (Interlocked.Increment(ref errors) == 1)
                            {
                                first = e.Message;
                            }
                        }
                    }
                }) { IsBackground = true };
                workers[t].Start();
            }

            foreach (var w in workers)
            {
                w.Join();
            }

            int ok = 0;
            foreach (var s in opened)
            {
                if (s != null)
                {
                    sockets.Add(s);
                    ok++;
                }
            }

            return "CONNECTED " + ok + " " + errors + " " + F(sw.Elapsed.TotalSeconds) + (first is null ? "" : " " + first);
        }

        /// <summary>Every client sends "client N\n"; then each reads its line back (30 s limit each) and compares.</summary>
        private static string Echo(List<Socket> sockets)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < sockets.Count; i++)
            {
                sockets[i].Send(Encoding.ASCII.GetBytes("client " + i + "\n"));
            }

            int served = 0;
            var buf = new byte[256];
            var deadline = Stopwatch.StartNew();
            for (int i = 0; i < sockets.Count; i++)
            {
                var s = sockets[i];
                string expect = "client " + i + "\n";
                int got = 0;
                try
                {
                    s.ReceiveTimeout = (int)Math.Max(1, 30000 - deadline.ElapsedMilliseconds);
                    while (got < expect.Length)
                    {
                        int n = s.Receive(buf, got, buf.Length - got, SocketFlags.None);
                        if (n == 0)
                        {
                            break;
                        }

                        got += n;
                    }
                }
                catch (SocketException)
                {
                    // Timed out or reset: not served.
                }

                if (got == expect.Length && Encoding.ASCII.GetString(buf, 0, got) == expect)
                {
                    served++;
                }
            }

            return "ECHOED " + served + " " + sockets.Count + " " + F(sw.Elapsed.TotalSeconds);
        }

        private static string F(double v) => v.ToString("F4", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Raw .NET baseline for the server-scale benchmark, run in a child pwsh of its own: an accept loop that keeps every
    /// socket, each with an async echo loop that waits with a zero-byte receive (holding no buffer while idle, as
    /// NetProc does). A line protocol on stdin/stdout:
    ///   (start)   -> PORT p
    ///   MEM       -> MEM gcHeapAfterFullCollect workingSet accepted
    ///   WAITFOR n -> ACCEPTED count                 (blocks until n were accepted, 60 s limit)
    ///   EXIT
    /// </summary>
    public static class RawScaleServer
    {
        private static readonly List<Socket> Held = new();
        private static int accepted;

        public static void Run(TextReader input, TextWriter output, int backlog, int expect)
        {
            FileLimit.Ensure((ulong)expect + 256);
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(backlog);
            _ = AcceptLoop(listener);
            output.WriteLine("PORT " + ((IPEndPoint)listener.LocalEndPoint!).Port);
            output.Flush();
            LineCommands.Serve(input, output, parts =>
            {
                switch (parts[0])
                {
                    case "MEM":
                        GC.Collect();
                        GC.WaitForPendingFinalizers();
                        GC.Collect();
                        long gc = GC.GetTotalMemory(true);
                        using (var me = Process.GetCurrentProcess())
                        {
                            return "MEM " + gc + " " + me.WorkingSet64 + " " + Volatile.Read(ref accepted);
                        }

                    case "WAITFOR":
                        int n = int.Parse(parts[1], CultureInfo.InvariantCulture);
                        var sw = Stopwatch.StartNew();
                        while (Volatile.Read(ref accepted) < n && sw.ElapsedMilliseconds < 60000)
                        {
                            Thread.Sleep(1);
                        }

                        return "ACCEPTED " + Volatile.Read(ref accepted);
                    default:
                        return null;
                }
            });
        }

        private static Task AcceptLoop(Socket listener) => RawAccept.EachAsync(listener, s =>
        {
            lock (Held)
            {
                Held.Add(s);
            }

            Interlocked.Increment(ref accepted);
            _ = Echo(s);
        });

        private static async Task Echo(Socket s)
        {
            try
            {
                while (true)
                {
                    await s.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                    int waiting = Math.Max(1, s.Available);
                    var buf = new byte[Math.Min(waiting, 64 * 1024)];
                    int n = await s.ReceiveAsync(buf, SocketFlags.None).ConfigureAwait(false);
                    if (n == 0)
                    {
                        break;
                    }

                    int off = 0;
                    while (off < n)
                    {
                        off += await s.SendAsync(buf.AsMemory(off, n - off), SocketFlags.None).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception)
            {
                // Reset: end quietly.
            }

            lock (Held)
            {
                Held.Remove(s);
            }

            s.Dispose();
        }
    }

    /// <summary>A UDP sender thread: <c>count</c> datagrams of <c>size</c> bytes to loopback, as fast as it can or paced.</summary>
    public sealed class UdpBlaster
    {
        private readonly int port;
        private readonly int count;
        private readonly int size;
        private readonly double rate;
        private readonly ManualResetEventSlim finished = new(false);
        private long sent;

        /// <param name="rate">Datagrams per second; 0 sends as fast as the socket takes them.</param>
        public UdpBlaster(int port, int count, int size, double rate)
        {
            this.port = port;
            this.count = count;
            this.size = size;
            this.rate = rate;
        }

        public long Sent => Interlocked.Read(ref sent);

        public int SendErrors { get; private set; }

        public long StartTimestamp { get; private set; }

        public long EndTimestamp { get; private set; }

        public bool Finished => finished.IsSet;

        public double Seconds => (EndTimestamp - StartTimestamp) / (double)Stopwatch.Frequency;

        public string? Error { get; private set; }

        public void Start() => new Thread(Run) { IsBackground = true, Name = "udp-blaster" }.Start();

        public bool Wait(int milliseconds) => finished.Wait(milliseconds);

        private void Run()
        {
            try
            {
                using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                s.Connect(new IPEndPoint(IPAddress.Loopback, port));
                var payload = new byte[size];
                double ticksPerDatagram = rate > 0 ? Stopwatch.Frequency / rate : 0;
                StartTimestamp = Stopwatch.GetTimestamp();
                for (int i = 0; i < count; i++)
                {
                    if (rate > 0)
                    {
                        long due = StartTimestamp + (long)(i * ticksPerDatagram);
                        long now;
                        while ((now = Stopwatch.GetTimestamp()) < due)
                        {
                            if (due - now > Stopwatch.Frequency / 500)
                            {
                                Thread.Sleep(1);
                            }
                            else
                            {
                                Thread.SpinWait(50);
                            }
                        }
                    }

                    BitConverter.TryWriteBytes(payload.AsSpan(0, 4), i);
                    try
                    {
                        s.Send(payload, SocketFlags.None);
                        Interlocked.Increment(ref sent);
                    }
                    catch (SocketException)
                    {
                        // ENOBUFS or a refused earlier datagram: not sent.
                        SendErrors++;
                    }
                }

                EndTimestamp = Stopwatch.GetTimestamp();
            }
            catch (Exception e)
            {
                Error = e.Message;
                EndTimestamp = Stopwatch.GetTimestamp();
            }
            finally
            {
                finished.Set();
            }
        }
    }

    /// <summary>Raw .NET datagram baseline: a plain Socket.ReceiveFrom loop on the calling thread.</summary>
    public static class RawDatagramReceiver
    {
        /// <summary>
        /// Receives until the sender has finished and nothing came for <paramref name="idleMilliseconds"/>.
        /// Returns { delivered datagrams, Stopwatch timestamp of the last one }.
        /// </summary>
        public static long[] Run(Socket s, UdpBlaster sender, int idleMilliseconds)
        {
            var buf = new byte[64 * 1024];
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            long delivered = 0;
            long last = Stopwatch.GetTimestamp();
            s.ReceiveTimeout = idleMilliseconds;
            while (true)
            {
                try
                {
                    s.ReceiveFrom(buf, ref from);
                    delivered++;
                    last = Stopwatch.GetTimestamp();
                }
                catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
                {
                    if (sender.Finished)
                    {
                        break;
                    }
                }
            }

            return new[] { delivered, last };
        }
    }

    /// <summary>Kernel UDP counters (Linux /proc/net/snmp): datagrams dropped because a socket's receive buffer was full.</summary>
    public static class UdpCounters
    {
        /// <summary>RcvbufErrors for the whole network namespace, or -1 where not available.</summary>
        public static long ReceiveBufferErrors()
        {
            try
            {
                var lines = File.ReadAllLines("/proc/net/snmp");
                for (int i = 0; i + 1 < lines.Length; i++)
                {
                    if (lines[i].StartsWith("Udp: ", StringComparison.Ordinal) && lines[i + 1].StartsWith("Udp: ", StringComparison.Ordinal))
                    {
                        var names = lines[i].Split(' ');
                        var values = lines[i + 1].Split(' ');
                        int k = Array.IndexOf(names, "RcvbufErrors");
                        return k > 0 ? long.Parse(values[k], CultureInfo.InvariantCulture) : -1;
                    }
                }
            }
            catch (Exception)
            {
                // Not Linux.
            }

            return -1;
        }
    }

    /// <summary>The raw baselines' accept loop: every accepted socket (with NoDelay, as NetProc sets it) to a handler.</summary>
    public static class RawAccept
    {
        public static async Task EachAsync(Socket listener, Action<Socket> accepted)
        {
            while (true)
            {
                Socket s;
                try
                {
                    s = await listener.AcceptAsync().ConfigureAwait(false);
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException)
                {
                    await Task.Delay(10).ConfigureAwait(false);
                    continue;
                }

                s.NoDelay = true;
                accepted(s);
            }
        }
    }
}
