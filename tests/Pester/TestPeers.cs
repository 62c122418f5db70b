// Raw .NET peers for the close and fault tests: they read in the background, so a test can send, close and look at
// what the peer saw afterwards, and they tell a normal close (FIN) from a reset (RST).
using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

public static class NetProcTestPeer
{
    /// <summary>What a peer read, and how its connection ended: "Fin", "Reset" or "Timeout".</summary>
    public sealed class Drained
    {
        public Drained(byte[] bytes, string end)
        {
            Bytes = bytes;
            End = end;
        }

        public byte[] Bytes { get; }

        public long Length => Bytes.LongLength;

        public string End { get; }
    }

    /// <summary>
    /// Reads until the connection ends or <paramref name="timeoutMs"/> passes without it ending, after waiting
    /// <paramref name="startDelayMs"/> before the first read (a peer slow to read).
    /// </summary>
    public static Task<Drained> DrainAsync(Socket socket, int timeoutMs, int startDelayMs = 0) => Task.Run(() =>
    {
        var received = new MemoryStream();
        var buffer = new byte[256 * 1024];
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        if (startDelayMs > 0)
        {
            Thread.Sleep(startDelayMs);
        }

        try
        {
            while (true)
            {
                int left = (int)(deadline - DateTime.UtcNow).TotalMilliseconds;
                if (left <= 0 || !socket.Poll(left * 1000, SelectMode.SelectRead))
                {
                    return new Drained(received.ToArray(), "Timeout");
                }

                int n = socket.Receive(buffer);
                if (n == 0)
                {
                    return new Drained(received.ToArray(), "Fin");
                }

                received.Write(buffer, 0, n);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return new Drained(received.ToArray(), "Reset");
        }
    });

    /// <summary>Reads <paramref name="count"/> bytes in the background, then resets the connection; returns how many it read.</summary>
    public static Task<long> ReadThenResetAsync(Socket socket, long count) => Task.Run(() =>
    {
        var buffer = new byte[64 * 1024];
        long got = 0;
        while (got < count)
        {
            int n = socket.Receive(buffer, (int)Math.Min(buffer.Length, count - got), SocketFlags.None);
            if (n == 0)
            {
                break;
            }

            got += n;
        }

        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
        return got;
    });

    /// <summary>
    /// Accepts connections in the background, reads each to its end and counts how they ended, until stopped.
    /// </summary>
    public sealed class CloseCounter : IDisposable
    {
        private readonly Socket listener;
        private readonly CancellationTokenSource stop = new CancellationTokenSource();
        private readonly List<Task> readers = new List<Task>();
        private int fins;
        private int resets;
        private int accepted;

        public CloseCounter(AddressFamily family = AddressFamily.InterNetwork)
        {
            listener = new Socket(family, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, 0));
            listener.Listen(512);
            Port = ((IPEndPoint)listener.LocalEndPoint).Port;
            _ = AcceptLoop();
        }

        public int Port { get; }

        public int Accepted => Volatile.Read(ref accepted);

        public int Fins => Volatile.Read(ref fins);

        public int Resets => Volatile.Read(ref resets);

        public void Dispose()
        {
            stop.Cancel();
            listener.Dispose();
        }

        private async Task AcceptLoop()
        {
            try
            {
                while (true)
                {
                    var socket = await listener.AcceptAsync(stop.Token);
                    Interlocked.Increment(ref accepted);
                    _ = ReadToEnd(socket);
                }
            }
            catch (Exception)
            {
                // Stopped.
            }
        }

        private async Task ReadToEnd(Socket socket)
        {
            var buffer = new byte[4096];
            try
            {
                while (await socket.ReceiveAsync(buffer, SocketFlags.None) > 0)
                {
                }

                Interlocked.Increment(ref fins);
            }
            catch (SocketException)
            {
                Interlocked.Increment(ref resets);
            }
            finally
            {
                socket.Dispose();
            }
        }
    }
}
