// Peers for bench/Bench-VsEmacs.ps1 (NetProc side by side with Emacs 28, socat and raw .NET): a sink for per-call
// costs, the raw greet server and its client storm, the CPU time of another process, and an empty cmdlet: the
// least any cmdlet call costs. Runs no script.
#nullable enable
using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Management.Automation;
using System.Threading;

namespace NetProcBench
{
    /// <summary>
    /// Invoke-BenchNothing: a cmdlet that does nothing with the one object it is given. Its cost per call from a script
    /// loop is PowerShell's own for calling any cmdlet, the floor under every NetProc cmdlet.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "BenchNothing")]
    public sealed class InvokeBenchNothingCommand : PSCmdlet
    {
        [Parameter(Position = 0)]
        public object? InputObject { get; set; }
    }

    /// <summary>A server that reads and drops everything each connection sends, one thread per connection.</summary>
    public sealed class DiscardServer : ThreadPerConnectionServer
    {
        public DiscardServer() : base("discard")
        {
        }

        protected override void Serve(Socket s, byte[] buf)
        {
            while (s.Receive(buf) > 0)
            {
            }
        }
    }

    /// <summary>Raw .NET baseline of the greet server: one thread in a blocking accept loop; each client gets "hi\n", then a close.</summary>
    public sealed class RawGreetServer : IDisposable
    {
        private static readonly byte[] Greeting = { (byte)'h', (byte)'i', (byte)'\n' };
        private readonly Socket listener;

        public RawGreetServer(int backlog)
        {
            listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(backlog);
            Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            new Thread(Run) { IsBackground = true, Name = "raw-greet" }.Start();
        }

        public int Port { get; }

        public void Dispose() => listener.Dispose();

        private void Run()
        {
            while (true)
            {
                Socket s;
                try
                {
                    s = listener.Accept();
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException)
                {
                    continue;
                }

                try
                {
                    s.NoDelay = true; // as NetProc does for every accepted TCP socket
                    s.Send(Greeting);
                }
                catch (SocketException)
                {
                    // The client went away: nothing to greet.
                }
                finally
                {
                    s.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// Clients of the greet benchmark: <c>threads</c> threads, each in a loop of connect, read until the server's close
    /// (expecting exactly "hi\n"), close. One connection per thread at a time, so a listen backlog of 5 never
    /// overflows. <see cref="Run"/> times marks from the start and samples the server's CPU at each.
    /// </summary>
    public sealed class GreetStorm
    {
        private readonly int port;
        private readonly CountdownEvent done;
        private volatile bool stop;
        private int completed;
        private int errors;

        private GreetStorm(int port, int threads)
        {
            this.port = port;
            done = new CountdownEvent(threads);
            for (int i = 0; i < threads; i++)
            {
                new Thread(Client) { IsBackground = true, Name = "greet-client" }.Start();
            }
        }

        public int Completed => Volatile.Read(ref completed);

        public int Errors => Volatile.Read(ref errors);

        public string? FirstError { get; private set; }

        /// <summary>
        /// Runs the clients until the last of <paramref name="marks"/> (seconds from the start, ascending); returns per
        /// mark [seconds, completed connections, server CPU seconds], the start as a first row of zeros.
        /// </summary>
        public static GreetStorm Run(int port, int threads, int serverPid, double[] marks, out double[][] samples)
        {
            double cpu0 = ProcessCpu.Seconds(serverPid);
            long start = Stopwatch.GetTimestamp();
            var storm = new GreetStorm(port, threads);
            samples = new double[marks.Length + 1][];
            samples[0] = new double[] { 0, 0, 0 };
            for (int i = 0; i < marks.Length; i++)
            {
                long due = start + (long)(marks[i] * Stopwatch.Frequency);
                while (Stopwatch.GetTimestamp() < due)
                {
                    Thread.Sleep(Math.Max(1, (int)((due - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency) - 1));
                }

                int count = storm.Completed;
                double cpu = ProcessCpu.Seconds(serverPid) - cpu0;
                samples[i + 1] = new double[] { (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency, count, cpu };
            }

            storm.stop = true;
            storm.done.Wait(30000);
            return storm;
        }

        private void Client()
        {
            var target = new IPEndPoint(IPAddress.Loopback, port);
            var buf = new byte[16];
            try
            {
                while (!stop)
                {
                    try
                    {
                        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                        s.ReceiveTimeout = 10000;
                        s.Connect(target);
                        int got = 0;
                        int n;
                        while (got < buf.Length && (n = s.Receive(buf, got, buf.Length - got, SocketFlags.None)) > 0)
                        {
                            got += n;
                        }

                        if (got != 3 || buf[0] != 'h' || buf[1] != 'i' || buf[2] != '\n')
                        {
                            throw new InvalidDataException($"expected \"hi\\n\" then the close, got {got} bytes");
                        }

                        Interlocked.Increment(ref completed);
                    }
                    catch (Exception e)
                    {
                        if (Interlocked.Increment(ref errors) == 1)
                        {
                            FirstError = e.Message;
                        }

                        Thread.Sleep(10);
                    }
                }
            }
            finally
            {
                done.Signal();
            }
        }
    }

    /// <summary>CPU time (user + system, all threads) of any process, from /proc/PID/stat.</summary>
    public static class ProcessCpu
    {
        // USER_HZ: the unit of utime and stime in /proc; 100 on every Linux that .NET runs on.
        private const double TicksPerSecond = 100;

        public static double Seconds(int pid)
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");

            // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
            string[] fields = stat.Substring(stat.LastIndexOf(')') + 2).Split(' ');
            long utime = long.Parse(fields[11], CultureInfo.InvariantCulture);
            long stime = long.Parse(fields[12], CultureInfo.InvariantCulture);
            return (utime + stime) / TicksPerSecond;
        }
    }

    /// <summary>A TCP port on loopback that was free a moment ago (for peers such as socat that cannot report theirs).</summary>
    public static class FreePort
    {
        public static int Find()
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return ((IPEndPoint)s.LocalEndPoint!).Port;
        }
    }
}
