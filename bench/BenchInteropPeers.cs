// Raw .NET baselines for the interop benchmark (bench/Bench-Interop.ps1): an HTTP responder, a RESP (Redis protocol)
// responder and a file server, each an async accept loop on the thread pool, answering exactly what the NetProc
// servers in bench/Interop-NetProcServer.ps1 answer. Compiled with Add-Type by that benchmark. Runs no script.
#nullable enable
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace NetProcBench
{
    /// <summary>
    /// A loopback server that serves every accepted connection with <see cref="ServeAsync"/> until it returns or fails,
    /// then closes it. Counts what was answered and the connections that ended in an error (a reset, say).
    /// </summary>
    public abstract class RawInteropServer : IDisposable
    {
        private readonly Socket listener;
        private long answered;
        private int failedConnections;

        protected RawInteropServer(int backlog)
        {
            listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(backlog);
            Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
            _ = AcceptLoop();
        }

        public int Port { get; }

        /// <summary>Requests (HTTP) or commands (RESP) answered.</summary>
        public long Answered => Interlocked.Read(ref answered);

        public int FailedConnections => Volatile.Read(ref failedConnections);

        public string? FirstError { get; private set; }

        public void Dispose() => listener.Dispose();

        protected void CountAnswered(int n) => Interlocked.Add(ref answered, n);

        protected abstract Task ServeAsync(Socket socket);

        /// <summary>An orderly close: FIN after everything sent, then wait (5 s at most) for the peer's own close.</summary>
        protected static async Task CloseGracefullyAsync(Socket socket)
        {
            socket.Shutdown(SocketShutdown.Send);
            var sink = new byte[4096];
            using var limit = new CancellationTokenSource(5000);
            try
            {
                while (await socket.ReceiveAsync(sink, SocketFlags.None, limit.Token).ConfigureAwait(false) > 0)
                {
                }
            }
            catch (OperationCanceledException)
            {
                // The peer kept its side open; close anyway.
            }
        }

        protected static async Task SendAllAsync(Socket socket, ReadOnlyMemory<byte> data)
        {
            while (data.Length > 0)
            {
                int n = await socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
                data = data.Slice(n);
            }
        }

        /// <summary>Index of "\r\n\r\n" in buf[0..count), or -1.</summary>
        protected static int FindHeaderEnd(byte[] buf, int count)
        {
            for (int i = 0; i + 3 < count; i++)
            {
                if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
                {
                    return i;
                }
            }

            return -1;
        }

        private Task AcceptLoop() => RawAccept.EachAsync(listener, s => _ = Run(s));

        private async Task Run(Socket socket)
        {
            try
            {
                await ServeAsync(socket).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                if (Interlocked.Increment(ref failedConnections) == 1)
                {
                    FirstError = e.Message;
                }
            }
            finally
            {
                socket.Dispose();
            }
        }
    }

    /// <summary>
    /// HTTP/1.0 and 1.1 responder: a fixed text body with Content-Length to every request; keeps the connection for
    /// HTTP/1.1 (unless "Connection: close") and for HTTP/1.0 with "Connection: keep-alive", else closes it orderly.
    /// </summary>
    public sealed class RawHttpServer : RawInteropServer
    {
        private readonly string body;

        public RawHttpServer(int backlog, string body)
            : base(backlog)
        {
            this.body = body;
        }

        /// <summary>The response the NetProc server sends too, byte for byte.</summary>
        private static string Response(string version, bool keepAlive, string body) =>
            version + " 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + Encoding.UTF8.GetByteCount(body) + "\r\n" +
            (keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n") + "\r\n" + body;

        private static bool KeepAlive(string head)
        {
            string firstLine = head.Split("\r\n")[0];
            bool http11 = firstLine.EndsWith("HTTP/1.1", StringComparison.Ordinal);
            foreach (var line in head.Split("\r\n"))
            {
                if (line.StartsWith("Connection:", StringComparison.OrdinalIgnoreCase))
                {
                    string value = line.Substring("Connection:".Length).Trim();
                    return http11 ? !value.Equals("close", StringComparison.OrdinalIgnoreCase)
                        : value.Equals("keep-alive", StringComparison.OrdinalIgnoreCase);
                }
            }

            return http11;
        }

        protected override async Task ServeAsync(Socket socket)
        {
            var buf = new byte[16 * 1024];
            int count = 0;
            while (true)
            {
                int end = FindHeaderEnd(buf, count);
                if (end < 0)
                {
                    if (count == buf.Length)
                    {
                        throw new InvalidOperationException("request head larger than 16 KiB");
                    }

                    int n = await socket.ReceiveAsync(buf.AsMemory(count), SocketFlags.None).ConfigureAwait(false);
                    if (n == 0)
                    {
                        return;
                    }

                    count += n;
                    continue;
                }

                string head = Encoding.ASCII.GetString(buf, 0, end);
                Buffer.BlockCopy(buf, end + 4, buf, 0, count - end - 4);
                count -= end + 4;
                string version = head.Split("\r\n")[0].EndsWith("HTTP/1.1", StringComparison.Ordinal) ? "HTTP/1.1" : "HTTP/1.0";
                bool keepAlive = KeepAlive(head);
                await SendAllAsync(socket, Encoding.UTF8.GetBytes(Response(version, keepAlive, body))).ConfigureAwait(false);
                CountAnswered(1);
                if (!keepAlive)
                {
                    await CloseGracefullyAsync(socket).ConfigureAwait(false);
                    return;
                }
            }
        }
    }

    /// <summary>
    /// RESP responder: PING, SET key value, GET key (one store for all connections), CONFIG GET name (an empty value,
    /// so redis-benchmark's start-up query succeeds); anything else is an error reply. Takes RESP arrays and inline
    /// commands, pipelined or not; answers everything one read brought in one send.
    /// </summary>
    public sealed class RawRespServer : RawInteropServer
    {
        private readonly ConcurrentDictionary<string, byte[]> store = new();

        public RawRespServer(int backlog)
            : base(backlog)
        {
        }

        protected override async Task ServeAsync(Socket socket)
        {
            var buf = new byte[64 * 1024];
            int count = 0;
            var reply = new List<byte>(4096);
            while (true)
            {
                if (count == buf.Length)
                {
                    Array.Resize(ref buf, buf.Length * 2);
                }

                int n = await socket.ReceiveAsync(buf.AsMemory(count), SocketFlags.None).ConfigureAwait(false);
                if (n == 0)
                {
                    return;
                }

                count += n;
                int pos = 0;
                int answered = 0;
                while (TryParse(buf, count, ref pos, out var args))
                {
                    Answer(args, reply);
                    answered++;
                }

                Buffer.BlockCopy(buf, pos, buf, 0, count - pos);
                count -= pos;
                if (reply.Count > 0)
                {
                    await SendAllAsync(socket, reply.ToArray()).ConfigureAwait(false);
                    reply.Clear();
                    CountAnswered(answered);
                }
            }
        }

        private void Answer(List<byte[]> args, List<byte> reply)
        {
            string command = args.Count > 0 ? Encoding.ASCII.GetString(args[0]).ToUpperInvariant() : "";
            switch (command)
            {
                case "PING":
                    Add(reply, "+PONG\r\n");
                    break;
                case "SET" when args.Count >= 3:
                    store[Encoding.Latin1.GetString(args[1])] = args[2];
                    Add(reply, "+OK\r\n");
                    break;
                case "GET" when args.Count >= 2:
                    if (store.TryGetValue(Encoding.Latin1.GetString(args[1]), out var value))
                    {
                        Add(reply, "$" + value.Length + "\r\n");
                        reply.AddRange(value);
                        Add(reply, "\r\n");
                    }
                    else
                    {
                        Add(reply, "$-1\r\n");
                    }

                    break;
                case "CONFIG" when args.Count >= 3:
                    string name = Encoding.Latin1.GetString(args[2]);
                    Add(reply, "*2\r\n$" + name.Length + "\r\n" + name + "\r\n$0\r\n\r\n");
                    break;
                default:
                    Add(reply, "-ERR unknown command '" + command + "'\r\n");
                    break;
            }
        }

        private static void Add(List<byte> reply, string text) => reply.AddRange(Encoding.Latin1.GetBytes(text));

        /// <summary>One complete command from buf[pos..count), advancing pos past it; false when it is not all there yet.</summary>
        private static bool TryParse(byte[] buf, int count, ref int pos, out List<byte[]> args)
        {
            args = new List<byte[]>();
            int p = pos;
            int eol = IndexOfCrLf(buf, p, count);
            if (eol < 0)
            {
                return false;
            }

            if (buf[p] != '*')
            {
                foreach (var word in Encoding.Latin1.GetString(buf, p, eol - p).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    args.Add(Encoding.Latin1.GetBytes(word));
                }

                pos = eol + 2;
                return true;
            }

            int n = int.Parse(Encoding.ASCII.GetString(buf, p + 1, eol - p - 1));
            p = eol + 2;
            for (int i = 0; i < n; i++)
            {
                eol = IndexOfCrLf(buf, p, count);
                if (eol < 0)
                {
                    return false;
                }

                int len = int.Parse(Encoding.ASCII.GetString(buf, p + 1, eol - p - 1));
                if (eol + 2 + len + 2 > count)
                {
                    return false;
                }

                args.Add(buf.AsSpan(eol + 2, len).ToArray());
                p = eol + 2 + len + 2;
            }

            pos = p;
            return true;
        }

        private static int IndexOfCrLf(byte[] buf, int from, int count)
        {
            for (int i = from; i + 1 < count; i++)
            {
                if (buf[i] == '\r' && buf[i + 1] == '\n')
                {
                    return i;
                }
            }

            return -1;
        }
    }

    /// <summary>
    /// HTTP/1.0 file server: to every request, the same content with Content-Length, then an orderly close.
    /// </summary>
    public sealed class RawFileServer : RawInteropServer
    {
        private readonly byte[] content;

        public RawFileServer(int backlog, byte[] content)
            : base(backlog)
        {
            this.content = content;
        }

        private static string Header(long length) =>
            "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + length + "\r\n\r\n";

        protected override async Task ServeAsync(Socket socket)
        {
            var buf = new byte[16 * 1024];
            int count = 0;
            while (FindHeaderEnd(buf, count) < 0)
            {
                int n = await socket.ReceiveAsync(buf.AsMemory(count), SocketFlags.None).ConfigureAwait(false);
                if (n == 0 || count + n == buf.Length)
                {
                    return;
                }

                count += n;
            }

            await SendAllAsync(socket, Encoding.ASCII.GetBytes(Header(content.Length))).ConfigureAwait(false);
            await SendAllAsync(socket, content).ConfigureAwait(false);
            CountAnswered(1);
            await CloseGracefullyAsync(socket).ConfigureAwait(false);
        }
    }
}
