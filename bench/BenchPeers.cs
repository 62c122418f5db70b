// Peers and raw .NET baselines for the NetProc benchmarks. Compiled with Add-Type by bench/BenchCommon.ps1.
// Nothing here runs PowerShell script except ScriptBlockLoop, which is called on the pipeline thread.
#nullable enable
using System;
using System.Reflection;
using System.Diagnostics;
using System.IO;
using System.Management.Automation;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace NetProcBench
{
    /// <summary>The byte at stream offset o is (byte)(o % 251): a pattern that shows a lost, doubled or reordered byte.</summary>
    public static class Pattern
    {
        public const int Period = 251;

        /// <summary>A send buffer: a slice starting at (offset % 251) of length up to <paramref name="size"/> continues the pattern.</summary>
        public static byte[] NewSource(int size)
        {
            var buf = new byte[size + Period];
            for (int i = 0; i < buf.Length; i++)
            {
                buf[i] = (byte)(i % Period);
            }

            return buf;
        }

        /// <summary>True when data[0..count) continues the pattern at stream offset <paramref name="offset"/>.</summary>
        public static bool Check(byte[] data, int count, long offset)
        {
            int phase = (int)(offset % Period);
            for (int i = 0; i < count; i++)
            {
                if (data[i] != (byte)phase)
                {
                    return false;
                }

                if (++phase == Period)
                {
                    phase = 0;
                }
            }

            return true;
        }
    }

    /// <summary>
    /// The bulk sender, run in its own pwsh process so the receiver's CPU is its own. Each connection first sends an
    /// 8-byte little-endian length; the sender writes that many bytes in 64 KiB writes, half-closes and waits for the
    /// receiver to close. A length of zero ends the loop.
    /// </summary>
    public static class BulkSender
    {
        public static void Serve(TextWriter log)
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(16);
            log.WriteLine("PORT " + ((IPEndPoint)listener.LocalEndPoint!).Port);
            log.Flush();
            var block = new byte[64 * 1024];
            new Random(1).NextBytes(block);
            var header = new byte[8];
            while (true)
            {
                using var s = listener.Accept();
                s.NoDelay = true;
                s.ReceiveTimeout = 120000;
                int got = 0;
                while (got < 8)
                {
                    int n = s.Receive(header, got, 8 - got, SocketFlags.None);
                    if (n == 0)
                    {
                        break;
                    }

                    got += n;
                }

                long size = got == 8 ? BitConverter.ToInt64(header, 0) : 0;
                if (size == 0)
                {
                    return;
                }

                var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                long left = size;
                try
                {
                    while (left > 0)
                    {
                        int n = s.Send(block, 0, (int)Math.Min(block.Length, left), SocketFlags.None);
                        left -= n;
                    }

                    s.Shutdown(SocketShutdown.Send);
                    // Wait for the receiver to close so the close is orderly (no reset that could discard data).
                    while (s.Receive(header) > 0)
                    {
                    }
                }
                catch (SocketException e)
                {
                    log.WriteLine("SENDER-ERROR " + e.SocketErrorCode + " after " + (size - left) + " bytes");
                }

                var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
                log.WriteLine("SENT " + (size - left) + " CPU " + cpu.TotalSeconds.ToString("F3", System.Globalization.CultureInfo.InvariantCulture));
                log.Flush();
            }
        }
    }

    /// <summary>Raw .NET receiver: connect, ask the bulk sender for N bytes, then a plain synchronous Receive loop.</summary>
    public static class RawReceiver
    {
        public static Socket Connect(int port, long size)
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            s.Connect(new IPEndPoint(IPAddress.Loopback, port));
            s.Send(BitConverter.GetBytes(size));
            return s;
        }

        /// <summary>
        /// Reads until the peer closes; returns the byte count. With <paramref name="checkPattern"/> it checks every byte
        /// against <see cref="Pattern"/> and returns -1 at the first wrong one.
        /// </summary>
        public static long ReceiveAll(Socket s, int bufferSize, bool checkPattern = false)
        {
            var buf = new byte[bufferSize];
            long total = 0;
            int n;
            while ((n = s.Receive(buf, 0, buf.Length, SocketFlags.None)) > 0)
            {
                if (checkPattern && !Pattern.Check(buf, n, total))
                {
                    return -1;
                }

                total += n;
            }

            return total;
        }

        /// <summary>
        /// The same with awaited ReceiveAsync into one buffer: the pattern .NET servers use so that thousands of
        /// connections need no thread each (and the one NetProc's server connections use).
        /// </summary>
        public static long ReceiveAllAsync(Socket s, int bufferSize)
        {
            return Loop().GetAwaiter().GetResult();

            async System.Threading.Tasks.Task<long> Loop()
            {
                var buf = new byte[bufferSize];
                long total = 0;
                int n;
                while ((n = await s.ReceiveAsync(buf.AsMemory(), SocketFlags.None).ConfigureAwait(false)) > 0)
                {
                    total += n;
                }

                return total;
            }
        }
    }

    /// <summary>A loopback server with a listener thread and one thread per connection, each served by <see cref="Serve"/>.</summary>
    public abstract class ThreadPerConnectionServer : IDisposable
    {
        private readonly Socket listener;
        private readonly string name;

        protected ThreadPerConnectionServer(string name)
        {
            this.name = name;
            listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(16);
            Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            new Thread(AcceptLoop) { IsBackground = true, Name = name + "-accept" }.Start();
        }

        public int Port { get; }

        public void Dispose() => listener.Dispose();

        /// <summary>Serves one connection on its thread, until the peer ends it.</summary>
        protected abstract void Serve(Socket s, byte[] buf);

        private void AcceptLoop()
        {
            try
            {
                while (true)
                {
                    var s = listener.Accept();
                    s.NoDelay = true;
                    new Thread(() => ServeThenClose(s)) { IsBackground = true, Name = name }.Start();
                }
            }
            catch (Exception)
            {
                // Listener closed.
            }
        }

        private void ServeThenClose(Socket s)
        {
            try
            {
                Serve(s, new byte[64 * 1024]);
            }
            catch (Exception)
            {
                // Peer reset: end quietly.
            }
            finally
            {
                s.Dispose();
            }
        }
    }

    /// <summary>An echo server, a thread per connection, writing back what it reads.</summary>
    public sealed class EchoServer : ThreadPerConnectionServer
    {
        public EchoServer() : base("echo")
        {
        }

        protected override void Serve(Socket s, byte[] buf)
        {
            int n;
            while ((n = s.Receive(buf)) > 0)
            {
                int off = 0;
                while (off < n)
                {
                    off += s.Send(buf, off, n - off, SocketFlags.None);
                }
            }
        }
    }

    /// <summary>Raw .NET echo client in C#: the same round trips as the NetProc client, with no PowerShell in the loop.</summary>
    public static class EchoClient
    {
        public static Socket Connect(int port)
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            s.Connect(new IPEndPoint(IPAddress.Loopback, port));
            return s;
        }

        /// <summary>Returns elapsed seconds for <paramref name="count"/> round trips of <paramref name="size"/> bytes.</summary>
        public static double RoundTrips(Socket s, int count, int size)
        {
            var msg = new byte[size];
            var buf = new byte[size];
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < count; i++)
            {
                s.Send(msg);
                int got = 0;
                while (got < size)
                {
                    int n = s.Receive(buf, got, size - got, SocketFlags.None);
                    if (n == 0)
                    {
                        throw new IOException("echo server closed");
                    }

                    got += n;
                }
            }

            return sw.Elapsed.TotalSeconds;
        }
    }

    /// <summary>
    /// A sender thread that accepts one connection and writes the byte pattern (non-blocking writes, so it can be told
    /// to stop while the receiver is not reading). Tracks how much the kernel accepted and when it last made progress.
    /// </summary>
    public sealed class PatternSender : IDisposable
    {
        private readonly Socket listener;
        private readonly long total;
        private readonly ManualResetEventSlim finished = new(false);
        private long sent;
        private long lastProgress = Stopwatch.GetTimestamp();
        private volatile bool stop;

        public PatternSender(long total)
        {
            this.total = total;
            listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            new Thread(Run) { IsBackground = true, Name = "pattern-sender" }.Start();
        }

        public int Port { get; }

        /// <summary>Bytes the kernel has accepted from the sender.</summary>
        public long Sent => Interlocked.Read(ref sent);

        /// <summary>Seconds since the last write made progress.</summary>
        public double StalledSeconds =>
            (Stopwatch.GetTimestamp() - Interlocked.Read(ref lastProgress)) / (double)Stopwatch.Frequency;

        public bool Finished => finished.IsSet;

        public string? Error { get; private set; }

        /// <summary>Stops writing; the sender then half-closes, so the receiver sees the end after the bytes already sent.</summary>
        public void Stop() => stop = true;

        public bool WaitFinished(int milliseconds) => finished.Wait(milliseconds);

        public void Dispose() => listener.Dispose();

        private void Run()
        {
            Socket? s = null;
            try
            {
                s = listener.Accept();
                s.NoDelay = true;
                s.Blocking = false;
                var source = Pattern.NewSource(64 * 1024);
                while (!stop && sent < total)
                {
                    int start = (int)(sent % Pattern.Period);
                    int len = (int)Math.Min(64 * 1024, total - sent);
                    int n;
                    try
                    {
                        n = s.Send(source, start, len, SocketFlags.None);
                    }
                    catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock)
                    {
                        s.Poll(20000, SelectMode.SelectWrite);
                        continue;
                    }

                    Interlocked.Add(ref sent, n);
                    Interlocked.Exchange(ref lastProgress, Stopwatch.GetTimestamp());
                }

                s.Blocking = true;
                s.Shutdown(SocketShutdown.Send);
                s.ReceiveTimeout = 120000;
                var sink = new byte[16];
                while (s.Receive(sink) > 0)
                {
                }
            }
            catch (Exception e)
            {
                Error = e.Message;
            }
            finally
            {
                s?.Dispose();
                finished.Set();
            }
        }
    }

    /// <summary>
    /// A sender thread for the filter-dispatch benchmark: many small writes, paced so the receiver reads most of them
    /// one by one (TCP merges whatever waits in the kernel, so the chunk count is what the receiver really got).
    /// </summary>
    public sealed class SmallWriter : IDisposable
    {
        private readonly Socket listener;
        private readonly int count;
        private readonly int size;
        private readonly double gapMicroseconds;
        private readonly ManualResetEventSlim written = new(false);
        private readonly ManualResetEventSlim release = new(false);

        public SmallWriter(int count, int size, double gapMicroseconds)
        {
            this.count = count;
            this.size = size;
            this.gapMicroseconds = gapMicroseconds;
            listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            new Thread(Run) { IsBackground = true, Name = "small-writer" }.Start();
        }

        public int Port { get; }

        public long Total => (long)count * size;

        public string? Error { get; private set; }

        /// <summary>Blocks the calling (pipeline) thread until every write is done and the receiver has read them all.</summary>
        /// <remarks>
        /// Polls <paramref name="process"/>.BytesReceived by reflection (no compile-time reference to the module), then
        /// suspends the process with its Suspend() (internal; by reflection) so no event action delivers the inbox before the timed wait.
        /// </remarks>
        public bool WaitAllReadThenSuspend(object process, int timeoutMilliseconds)
        {
            var sw = Stopwatch.StartNew();
            if (!written.Wait(timeoutMilliseconds))
            {
                return false;
            }

            var bytesReceived = process.GetType().GetProperty("BytesReceived")!;
            while ((long)bytesReceived.GetValue(process)! < Total)
            {
                if (sw.ElapsedMilliseconds > timeoutMilliseconds)
                {
                    return false;
                }

                Thread.Sleep(5);
            }

            // Suspend is internal (scripts use Suspend-NetworkProcess): called here, on this thread, so no event action
            // can run between the last byte and the suspension.
            process.GetType().GetMethod("Suspend", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, Type.EmptyTypes)!
                .Invoke(process, null);
            return true;
        }

        /// <summary>Lets the writer close its connection.</summary>
        public void Close() => release.Set();

        public void Dispose()
        {
            release.Set();
            listener.Dispose();
        }

        private void Run()
        {
            try
            {
                using var s = listener.Accept();
                s.NoDelay = true;
                var msg = new byte[size];
                long gapTicks = (long)(gapMicroseconds * Stopwatch.Frequency / 1e6);
                for (int i = 0; i < count; i++)
                {
                    s.Send(msg);
                    long until = Stopwatch.GetTimestamp() + gapTicks;
                    while (Stopwatch.GetTimestamp() < until)
                    {
                        Thread.SpinWait(20);
                    }
                }

                written.Set();
                release.Wait();
                s.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e)
            {
                Error = e.Message;
                written.Set();
            }
        }
    }

    /// <summary>Baseline for filter dispatch: the same ScriptBlock called from C# in a loop, on the pipeline thread.</summary>
    public static class ScriptBlockLoop
    {
        /// <summary>Returns elapsed seconds for <paramref name="count"/> calls of sb.InvokeReturnAsIs(process, data).</summary>
        public static double Invoke(ScriptBlock sb, object process, object data, int count)
        {
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < count; i++)
            {
                sb.InvokeReturnAsIs(process, data);
            }

            return sw.Elapsed.TotalSeconds;
        }
    }

    /// <summary>CPU time of this process.</summary>
    public static class Cpu
    {
        public static double Seconds()
        {
            using var p = Process.GetCurrentProcess();
            return p.TotalProcessorTime.TotalSeconds;
        }
    }
}
