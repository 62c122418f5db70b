// TLS peers for bench/Bench-Tls.ps1: a bulk sender over TLS (its own process), a raw SslStream reader, a raw
// SslStream server and a handshake load of client threads. Certificates are made on the spot.
using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;

namespace NetProcBenchTls
{
    public static class Certificates
    {
        /// <summary>A self-signed ECDSA P-256 certificate for localhost, with its key.</summary>
        public static X509Certificate2 SelfSigned()
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
            return request.CreateSelfSigned(DateTimeOffset.Now.AddMinutes(-5), DateTimeOffset.Now.AddDays(1));
        }
    }

    /// <summary>Serves bulk transfers over TLS, one at a time: a client sends the length (8 bytes), it sends that many bytes; 0 ends it.</summary>
    public static class TlsBulkSender
    {
        public static void Serve(TextWriter log)
        {
            var certificate = Certificates.SelfSigned();
            var context = SslStreamCertificateContext.Create(certificate, null, offline: true);
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(16);
            log.WriteLine("PORT " + ((IPEndPoint)listener.LocalEndPoint).Port + " THUMBPRINT " + certificate.Thumbprint);
            log.Flush();
            var block = new byte[64 * 1024];
            new Random(1).NextBytes(block);
            var header = new byte[8];
            while (true)
            {
                var socket = listener.Accept();
                socket.NoDelay = true;
                using var tls = new SslStream(new NetworkStream(socket, true));
                tls.AuthenticateAsServer(new SslServerAuthenticationOptions { ServerCertificateContext = context });
                int got = 0;
                while (got < 8)
                {
                    int n = tls.Read(header, got, 8 - got);
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
                        int n = (int)Math.Min(block.Length, left);
                        tls.Write(block, 0, n);
                        left -= n;
                    }

                    tls.ShutdownAsync().GetAwaiter().GetResult();
                }
                catch (IOException)
                {
                }

                var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
                log.WriteLine(string.Format(System.Globalization.CultureInfo.InvariantCulture, "SENT {0} CPU {1:F3}", size - left, cpu.TotalSeconds));
                log.Flush();
            }
        }
    }

    public static class RawTlsReceiver
    {
        /// <summary>A TLS client that asked the sender for <paramref name="bytes"/>; the sender's certificate is pinned.</summary>
        public static SslStream Connect(int port, string thumbprint, long bytes)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            socket.Connect(IPAddress.Loopback, port);
            var tls = new SslStream(new NetworkStream(socket, true), false,
                (_, certificate, _, _) => certificate != null && new X509Certificate2(certificate).Thumbprint == thumbprint);
            tls.AuthenticateAsClient("localhost");
            tls.Write(BitConverter.GetBytes(bytes));
            return tls;
        }

        /// <summary>Reads to the end with a synchronous loop into one buffer: the baseline.</summary>
        public static long ReceiveAll(SslStream tls, int bufferSize)
        {
            var buffer = new byte[bufferSize];
            long total = 0;
            int n;
            while ((n = tls.Read(buffer, 0, buffer.Length)) > 0)
            {
                total += n;
            }

            return total;
        }
    }

    /// <summary>A raw SslStream server: accepts, negotiates each client on the thread pool, then reads it to its end.</summary>
    public sealed class RawTlsServer : IDisposable
    {
        private readonly TcpListener listener = new(IPAddress.Loopback, 0);
        private readonly SslServerAuthenticationOptions options;
        private long handshakes;

        public RawTlsServer(X509Certificate2 certificate)
        {
            options = new SslServerAuthenticationOptions { ServerCertificateContext = SslStreamCertificateContext.Create(certificate, null, offline: true) };
            listener.Start(512);
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            Task.Run(AcceptLoopAsync);
        }

        public int Port { get; }

        public long Handshakes => Interlocked.Read(ref handshakes);

        public void Dispose() => listener.Stop();

        private async Task AcceptLoopAsync()
        {
            while (true)
            {
                Socket socket;
                try
                {
                    socket = await listener.AcceptSocketAsync();
                }
                catch (Exception)
                {
                    return;
                }

                _ = Task.Run(async () =>
                {
                    using var tls = new SslStream(new NetworkStream(socket, true));
                    try
                    {
                        await tls.AuthenticateAsServerAsync(options);
                        Interlocked.Increment(ref handshakes);
                        var scrap = new byte[256];
                        while (await tls.ReadAsync(scrap) > 0)
                        {
                        }
                    }
                    catch (Exception)
                    {
                    }
                });
            }
        }
    }

    /// <summary>Client threads that each connect, handshake (pinning the server's certificate) and close, again and again.</summary>
    public static class HandshakeLoad
    {
        /// <summary>Runs <paramref name="threads"/> clients for <paramref name="seconds"/>; returns the handshakes they completed.</summary>
        public static Task<long> RunAsync(int port, string thumbprint, int threads, double seconds) => Task.Run(() =>
        {
            long done = 0;
            var until = DateTime.UtcNow.AddSeconds(seconds);
            var workers = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                workers[t] = new Thread(() =>
                {
                    while (DateTime.UtcNow < until)
                    {
                        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                        socket.Connect(IPAddress.Loopback, port);
                        using var tls = new SslStream(new NetworkStream(socket, false), false,
                            (_, certificate, _, _) => certificate != null && new X509Certificate2(certificate).Thumbprint == thumbprint);
                        tls.AuthenticateAsClient(new SslClientAuthenticationOptions { TargetHost = "localhost" });
                        Interlocked.Increment(ref done);
                    }
                }) { IsBackground = true };
                workers[t].Start();
            }

            foreach (var worker in workers)
            {
                worker.Join();
            }

            return done;
        });
    }
}
