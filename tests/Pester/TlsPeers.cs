// .NET SslStream peers for the TLS tests: a server that echoes (or sends a payload) and clients, so NetProc's TLS is
// checked against the platform's own implementation as well as against openssl.
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

/// <summary>A loopback TCP server that serves each client it accepts with <see cref="ServeAsync"/>, until disposed.</summary>
public abstract class NetProcLoopbackServer : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);

    protected NetProcLoopbackServer(int backlog)
    {
        listener.Start(backlog);
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public int Port { get; }

    public void Dispose() => listener.Stop();

    /// <summary>Serves one accepted client; runs on the thread pool.</summary>
    protected abstract Task ServeAsync(Socket socket);

    /// <summary>Begins accepting; the derived server calls it last in its constructor, once it is ready to serve.</summary>
    protected void StartAccepting() => Task.Run(AcceptLoopAsync);

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

            _ = Task.Run(() => ServeAsync(socket));
        }
    }
}

public sealed class NetProcTlsPeer : NetProcLoopbackServer
{
    private readonly SslServerAuthenticationOptions options;
    private readonly byte[] payload;
    private readonly int splitPauseMs;

    private NetProcTlsPeer(SslServerAuthenticationOptions options, byte[] payload, int splitPauseMs) : base(100)
    {
        this.options = options;
        this.payload = payload;
        this.splitPauseMs = splitPauseMs;
        StartAccepting();
    }

    /// <summary>Why handshakes failed, in order.</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    /// <summary>The certificate the last client showed, if any.</summary>
    public X509Certificate2 ClientCertificate { get; private set; }

    /// <summary>
    /// A TLS server on 127.0.0.1, port 0: each connection handshakes, then echoes what it reads (or, with a payload,
    /// sends it and closes). With <paramref name="splitPauseMs"/>, every write after the handshake (one TLS record or
    /// more) goes out in two halves that far apart, so a reader meets records begun and not yet complete.
    /// </summary>
    public static NetProcTlsPeer StartServer(
        X509Certificate2 certificate, SslProtocols protocols = SslProtocols.None, string[] alpn = null, X509Certificate2 clientCa = null, byte[] payload = null,
        int splitPauseMs = 0)
    {
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificate = certificate,
            EnabledSslProtocols = protocols,
            ApplicationProtocols = alpn?.Select(a => new SslApplicationProtocol(a)).ToList(),
            ClientCertificateRequired = clientCa != null,
            CertificateChainPolicy = Policy(clientCa),
        };
        return new NetProcTlsPeer(options, payload, splitPauseMs);
    }

    /// <summary>A TLS client connected to 127.0.0.1:<paramref name="port"/>, trusting <paramref name="ca"/>.</summary>
    public static SslStream Connect(int port, X509Certificate2 ca, string serverName = "localhost", X509Certificate2 clientCertificate = null, int timeoutMs = 5000) =>
        ConnectAsync(port, ca, serverName, clientCertificate, timeoutMs).GetAwaiter().GetResult();

    /// <summary>The same, awaited (many clients at once must not each hold a pool thread).</summary>
    public static async Task<SslStream> ConnectAsync(int port, X509Certificate2 ca, string serverName, X509Certificate2 clientCertificate, int timeoutMs)
    {
        var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        client.ReceiveTimeout = timeoutMs;
        var stream = new SslStream(client.GetStream(), false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            CertificateChainPolicy = Policy(ca),
            ClientCertificates = clientCertificate == null ? null : new X509CertificateCollection { clientCertificate },
        };
        using var cancel = new CancellationTokenSource(timeoutMs);
        await stream.AuthenticateAsClientAsync(options, cancel.Token);
        return stream;
    }

    /// <summary>
    /// <paramref name="clients"/> TLS clients at once, each sending <paramref name="lines"/> lines and reading each
    /// back; returns how many lines came back right in all.
    /// </summary>
    public static async Task<int> EchoLinesAsync(int port, X509Certificate2 ca, int clients, int lines, int timeoutMs)
    {
        int right = 0;
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            using var stream = await ConnectAsync(port, ca, "localhost", null, timeoutMs);
            using var reader = new StreamReader(stream, Encoding.ASCII);
            for (int i = 0; i < lines; i++)
            {
                string line = $"client {c} line {i}";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\n"));
                if (await reader.ReadLineAsync().WaitAsync(TimeSpan.FromMilliseconds(timeoutMs)) == line)
                {
                    Interlocked.Increment(ref right);
                }
            }
        })));
        return right;
    }

    /// <summary>
    /// An SMTP-like STARTTLS client of 127.0.0.1:<paramref name="port"/>: reads the greeting line, sends STARTTLS,
    /// reads the go-ahead line, then (unless <paramref name="insteadOfTls"/> is given, which it sends in the clear
    /// instead) starts TLS trusting <paramref name="ca"/> and sends each of <paramref name="lines"/>, reading a line
    /// back for each. Returns every line it read, in order, those read through TLS marked "[tls] ", and "error: ..."
    /// if it failed.
    /// </summary>
    public static async Task<string[]> StartTlsClientAsync(int port, X509Certificate2 ca, string[] lines, string insteadOfTls, int timeoutMs)
    {
        var heard = new List<string>();
        using var cancel = new CancellationTokenSource(timeoutMs);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, cancel.Token);
            Stream stream = client.GetStream();
            heard.Add(await NetProcSmtpPeer.ReadLineAsync(stream, cancel.Token));
            await stream.WriteAsync(Encoding.ASCII.GetBytes("STARTTLS\r\n"), cancel.Token);
            heard.Add(await NetProcSmtpPeer.ReadLineAsync(stream, cancel.Token));
            if (!string.IsNullOrEmpty(insteadOfTls))
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes(insteadOfTls), cancel.Token);
                heard.Add("[plain] " + await NetProcSmtpPeer.ReadLineAsync(stream, cancel.Token));
                return heard.ToArray();
            }

            var secure = new SslStream(stream, false);
            await secure.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", CertificateChainPolicy = Policy(ca) }, cancel.Token);
            foreach (string line in lines)
            {
                await secure.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), cancel.Token);
                heard.Add("[tls] " + await NetProcSmtpPeer.ReadLineAsync(secure, cancel.Token));
            }
        }
        catch (Exception e)
        {
            heard.Add("error: " + e.GetBaseException().Message);
        }

        return heard.ToArray();
    }

        private static X509ChainPolicy Policy(X509Certificate2 ca)
    {
        if (ca == null)
        {
            return null;
        }

        var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
        policy.CustomTrustStore.Add(ca);
        return policy;
    }

    protected override async Task ServeAsync(Socket socket)
    {
        socket.NoDelay = true;
        var splitting = new SplittingStream(new NetworkStream(socket, true), splitPauseMs);
        using var stream = new SslStream(splitting, false);
        try
        {
            using var cancel = new CancellationTokenSource(10000);
            await stream.AuthenticateAsServerAsync(options, cancel.Token);
            splitting.Splits = splitPauseMs > 0;
            if (stream.RemoteCertificate != null)
            {
                ClientCertificate = new X509Certificate2(stream.RemoteCertificate);
            }

            if (payload != null)
            {
                await stream.WriteAsync(payload);
                await stream.ShutdownAsync();
                socket.Shutdown(SocketShutdown.Send);
                var scrap = new byte[4096];
                while (await stream.ReadAsync(scrap) > 0)
                {
                }

                return;
            }

            var buffer = new byte[16384];
            int n;
            while ((n = await stream.ReadAsync(buffer)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, n));
            }
        }
        catch (Exception e)
        {
            Errors.Enqueue(e.GetBaseException().Message);
        }
    }
}

/// <summary>
/// What NetProc's pulls of a TLS client rely on in .NET's SslStream: when its stream throws in the middle of a record,
/// a later read still gets that record whole, and what follows.
/// </summary>
public static class NetProcSslStreamContract
{
    /// <summary>
    /// A server sends <paramref name="size"/> bytes; the client's stream gives the first <paramref name="firstBytes"/>
    /// encrypted bytes, then throws once; returns what the client read after that, and the exception the first read
    /// met (null if none).
    /// </summary>
    public static Tuple<byte[], Exception> ReadAfterStreamThrew(X509Certificate2 certificate, X509Certificate2 ca, byte[] payload, int firstBytes)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var clientSocket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        clientSocket.Connect(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var serverSocket = listener.AcceptSocket();
        var gate = new GatedStream(new NetworkStream(clientSocket, false));
        using var client = new SslStream(gate, false);
        using var server = new SslStream(new NetworkStream(serverSocket, false), false);
        var serving = server.AuthenticateAsServerAsync(certificate, false, false);
        client.AuthenticateAsClient(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            CertificateChainPolicy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck, CustomTrustStore = { ca } },
        });
        serving.GetAwaiter().GetResult();
        server.Write(payload);
        server.Flush();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (clientSocket.Available < payload.Length && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(5);
        }

        var buffer = new byte[payload.Length];
        Exception first = null;
        gate.Reopen(firstBytes);
        int got = 0;
        try
        {
            got = client.Read(buffer, 0, buffer.Length);
        }
        catch (IOException e)
        {
            first = e.InnerException ?? e;
        }

        gate.Reopen(long.MaxValue);
        while (got < payload.Length)
        {
            int n = client.Read(buffer, got, buffer.Length - got);
            if (n == 0)
            {
                break;
            }

            got += n;
        }

        return Tuple.Create(buffer.AsSpan(0, got).ToArray(), first);
    }

    /// <summary>Gives at most so many bytes from <see cref="Reopen"/> on, then throws where it would have had to give more.</summary>
    private sealed class GatedStream : NetProcForwardingStream
    {
        private long given;
        private long allow = long.MaxValue;

        public GatedStream(Stream inner) : base(inner)
        {
        }

        public void Reopen(long bytes)
        {
            given = 0;
            allow = bytes;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (count == 0)
            {
                return 0;
            }

            long left = allow - given;
            if (left <= 0)
            {
                throw new InvalidOperationException("the gate is shut");
            }

            int n = Inner.Read(buffer, offset, (int)Math.Min(count, left));
            given += n;
            return n;
        }
    }
}

/// <summary>Forwards everything to the stream it wraps, which it owns; the test streams override what they change.</summary>
public abstract class NetProcForwardingStream : Stream
{
    protected NetProcForwardingStream(Stream inner) => Inner = inner;

    protected Stream Inner { get; }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Inner.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => Inner.ReadAsync(buffer, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => Inner.Write(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => Inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => Inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Inner.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>A stream that, once <see cref="Splits"/>, writes each buffer in two halves, a pause apart, flushed one by one.</summary>
public sealed class SplittingStream : NetProcForwardingStream
{
    private readonly int pauseMs;

    public SplittingStream(Stream inner, int pauseMs) : base(inner) => this.pauseMs = pauseMs;

    public bool Splits { get; set; }

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!Splits || buffer.Length < 2)
        {
            await Inner.WriteAsync(buffer, cancellationToken);
            return;
        }

        int half = buffer.Length / 2;
        await Inner.WriteAsync(buffer[..half], cancellationToken);
        await Task.Delay(pauseMs, cancellationToken);
        await Inner.WriteAsync(buffer[half..], cancellationToken);
    }
}

/// <summary>A plain TCP server on 127.0.0.1 that greets each client with text (UTF-8, in one write) and then only listens.</summary>
public sealed class NetProcPlainGreeter : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentBag<Socket> accepted = new();

    public NetProcPlainGreeter(string greeting)
    {
        listener.Start(10);
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    var socket = await listener.AcceptSocketAsync();
                    accepted.Add(socket);
                    socket.Send(Encoding.UTF8.GetBytes(greeting));
                }
            }
            catch (Exception)
            {
                // Stopped.
            }
        });
    }

    public int Port { get; }

    public void Dispose()
    {
        listener.Stop();
        foreach (var socket in accepted)
        {
            socket.Dispose();
        }
    }
}

/// <summary>
/// A scripted SMTP-like server for STARTTLS: greets ("220 mail.test ESMTP ready"), answers EHLO with its
/// capabilities (STARTTLS among them while plain, if offered), STARTTLS with "220 2.0.0 Ready to start TLS" and then a
/// TLS handshake on the same connection, QUIT with "221 bye", and any other line with "250 ok: LINE". Lines are read a
/// byte at a time, so nothing of the client's handshake is read as text.
/// </summary>
public sealed class NetProcSmtpPeer : NetProcLoopbackServer
{
    private readonly X509Certificate2 certificate;
    private readonly bool offerStartTls;

    public NetProcSmtpPeer(X509Certificate2 certificate, bool offerStartTls = true, string afterTls = null) : base(10)
    {
        this.certificate = certificate;
        this.offerStartTls = offerStartTls;
        AfterTls = afterTls;
        StartAccepting();
    }

    /// <summary>Sent unasked right after the TLS handshake, if set (data that must arrive after what came before).</summary>
    public string AfterTls { get; }

    /// <summary>Sent in the same write as the reply to EHLO through TLS, if set (text the server volunteers after a response).</summary>
    public string AfterTlsCapabilities { get; set; }

    /// <summary>Sent in the same write as the go-ahead for STARTTLS, in the clear, if set (what someone on the way could inject).</summary>
    public string AfterGoAhead { get; set; }

    /// <summary>Every line the server read, in order, with "[tls]" before those read through TLS.</summary>
    public ConcurrentQueue<string> Heard { get; } = new();

    protected override async Task ServeAsync(Socket socket)
    {
        Stream stream = new NetworkStream(socket, true);
        bool tls = false;
        try
        {
            await WriteAsync(stream, "220 mail.test ESMTP ready\r\n");
            while (true)
            {
                string line = await ReadLineAsync(stream);
                if (line == null)
                {
                    return;
                }

                Heard.Enqueue((tls ? "[tls] " : string.Empty) + line);
                string verb = line.Split(' ')[0].ToUpperInvariant();
                if (verb == "EHLO")
                {
                    await WriteAsync(stream, "250-mail.test greets you\r\n250-SIZE 1000000\r\n" + (offerStartTls && !tls ? "250-STARTTLS\r\n" : string.Empty) + "250 HELP\r\n"
                        + (tls ? AfterTlsCapabilities : null));
                }
                else if (verb == "STARTTLS" && offerStartTls && !tls)
                {
                    await WriteAsync(stream, "220 2.0.0 Ready to start TLS\r\n" + AfterGoAhead);
                    var secure = new SslStream(stream, false);
                    using var cancel = new CancellationTokenSource(10000);
                    await secure.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, cancel.Token);
                    stream = secure;
                    tls = true;
                    if (AfterTls != null)
                    {
                        await WriteAsync(stream, AfterTls);
                    }
                }
                else if (verb == "STARTTLS")
                {
                    await WriteAsync(stream, "502 5.5.1 Unrecognized command\r\n");
                }
                else if (verb == "QUIT")
                {
                    await WriteAsync(stream, "221 bye\r\n");
                    return;
                }
                else
                {
                    await WriteAsync(stream, $"250 ok: {line}\r\n");
                }
            }
        }
        catch (Exception e)
        {
            Heard.Enqueue("error: " + e.GetBaseException().Message);
        }
        finally
        {
            stream.Dispose();
        }
    }

    private static Task WriteAsync(Stream stream, string text) => stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    /// <summary>Reads a line a byte at a time (so nothing after it is taken from the stream), without its CR LF; null at the end.</summary>
    public static async Task<string> ReadLineAsync(Stream stream, CancellationToken cancel = default)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, cancel) == 0)
            {
                return line.Length == 0 ? null : line.ToString();
            }

            if (one[0] == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            line.Append((char)one[0]);
        }
    }
}
