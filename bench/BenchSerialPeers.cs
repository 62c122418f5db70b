// Peers of Bench-Serial.ps1: a writer on the far end of a pty pair, and the raw System.IO.Ports baselines.
using System;
using System.Diagnostics;
using System.IO;
using System.IO.Ports;
using System.Threading;

namespace NetProcBench
{
    /// <summary>Writes a pattern into a pty (the far end of the pair) on a thread of its own, as a device would send.</summary>
    public sealed class PtyWriter
    {
        private readonly Thread thread;

        public PtyWriter(string path, long count)
        {
            thread = new Thread(() =>
            {
                try
                {
                    using (var device = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, false))
                    {
                        var block = new byte[64 * 1024];
                        for (int i = 0; i < block.Length; i++) block[i] = (byte)(i * 7);
                        long left = count;
                        while (left > 0)
                        {
                            int n = (int)Math.Min(left, block.Length);
                            device.Write(block, 0, n);
                            left -= n;
                        }
                    }
                }
                catch (Exception e)
                {
                    Error = e.Message;
                }
            });
            thread.IsBackground = true;
        }

        public string Error { get; private set; }

        public void Start() { thread.Start(); }

        public bool Wait(int milliseconds) { return thread.Join(milliseconds); }
    }

    /// <summary>The baselines: a plain SerialPort.BaseStream read loop, and a one-byte write/read echo loop.</summary>
    public static class RawSerial
    {
        /// <summary>Reads until <paramref name="count"/> bytes came; seconds from the writer's start to the last byte.</summary>
        public static double Receive(string port, string writerPath, long count)
        {
            using (var serial = new SerialPort(port))
            {
                serial.Open();
                var writer = new PtyWriter(writerPath, count);
                var buffer = new byte[80 * 1024];
                var clock = Stopwatch.StartNew();
                writer.Start();
                long got = 0;
                while (got < count)
                {
                    int n = serial.BaseStream.Read(buffer, 0, buffer.Length);
                    if (n <= 0) throw new IOException("the pty ended early");
                    got += n;
                }
                double seconds = clock.Elapsed.TotalSeconds;
                writer.Wait(10000);
                if (writer.Error != null) throw new IOException("writer: " + writer.Error);
                return seconds;
            }
        }

        /// <summary>Sends one byte and waits for it to come back, <paramref name="trips"/> times; microseconds per trip.</summary>
        public static double Echo(string port, int trips)
        {
            using (var serial = new SerialPort(port))
            {
                serial.Open();
                var one = new byte[] { 42 };
                var back = new byte[16];
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < trips; i++)
                {
                    serial.BaseStream.Write(one, 0, 1);
                    if (serial.BaseStream.Read(back, 0, back.Length) != 1) throw new IOException("echo lost");
                }
                return clock.Elapsed.TotalMilliseconds * 1000 / trips;
            }
        }
    }
}
