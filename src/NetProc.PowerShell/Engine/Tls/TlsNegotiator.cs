using System.Net.Security;
using System.Net.Sockets;

namespace NetProc.Engine;

/// <summary>
/// Runs a TLS handshake over a connected socket, off the pipeline thread, within a deadline and a cancel, and turns a
/// failure into an error that names its reason. A failed handshake closes the socket: nothing is left, nothing was sent.
/// </summary>
internal static class TlsNegotiator
{
    /// <summary>
    /// The client's handshake: SNI and the name checked are <paramref name="serverName"/>. <paramref name="address"/> is
    /// the server as the user named it; <paramref name="timeout"/> the -Timeout the deadline came from, for messages.
    /// </summary>
    public static Task<TlsTransport> ClientAsync(
        Socket socket, TlsSettings settings, string serverName, string address, DateTime deadline, double? timeout, CancellationToken cancel)
    {
        var check = new TlsPeerCheck(settings, address, serverName);
        return NegotiateAsync(
            socket,
            ReadOnlyMemory<byte>.Empty,
            (stream, socketStream, token) => socketStream.RunBlocking(() => stream.AuthenticateAsClient(settings.ForClient(serverName, check)), token),
            check,
            address,
            isClient: true,
            serverName,
            deadline,
            timeout,
            cancel);
    }

    /// <summary>A server's handshake with the client <paramref name="client"/> (its address, for messages), within the server's handshake timeout.</summary>
    public static Task<TlsTransport> ServerAsync(Socket socket, TlsSettings settings, string client, CancellationToken cancel) =>
        ServerAsync(socket, settings, client, ReadOnlyMemory<byte>.Empty, Timeouts.DeadlineAfter(settings.HandshakeTimeout), settings.HandshakeTimeout, cancel);

    /// <summary>
    /// A server's handshake within <paramref name="deadline"/> (from <paramref name="timeout"/> seconds, for messages).
    /// <paramref name="alreadyRead"/> is what the client sent before the handshake began and was read as plain input
    /// (a connection upgraded in place: the client starts as soon as it has the go-ahead); the handshake reads it first.
    /// </summary>
    public static Task<TlsTransport> ServerAsync(
        Socket socket, TlsSettings settings, string client, ReadOnlyMemory<byte> alreadyRead, DateTime deadline, double? timeout, CancellationToken cancel)
    {
        string peer = $"client {client}";
        var check = new TlsPeerCheck(settings, peer, serverName: null);
        return NegotiateAsync(
            socket,
            alreadyRead,
            (stream, _, token) => stream.AuthenticateAsServerAsync(settings.ForServer(check), token),
            check,
            peer,
            isClient: false,
            serverName: null,
            deadline,
            timeout,
            cancel);
    }

    /// <summary>
    /// What a TLS client's first read means when it fails, or finds the end, before any byte came: under TLS 1.3 a
    /// server checks the client's certificate only after the client's handshake completed, so its refusal arrives
    /// then, as an alert (OpenSSL's servers: 116, certificate_required; 42, 48... for a certificate it refused) or, from
    /// .NET's SslStream servers (which check after their own handshake, under TLS 1.2 too), as a close without a word.
    /// Null when it means nothing of the kind: a reset, or an end after a server that never asked for a certificate.
    /// </summary>
    /// <param name="failure">The read's failure; null when it found the end.</param>
    /// <param name="certificateWithheld">The server asked for a client certificate and this client had none to give.</param>
    public static NetProcException? RefusalAfterHandshake(Exception? failure, string peer, bool certificateWithheld)
    {
        if (failure is null)
        {
            return certificateWithheld ? new NetProcException(
                NetProcError.TlsClientCertificateRequired,
                $"{peer} closed the connection after the TLS handshake, before sending anything. It had asked for a client certificate "
                + "and this client gave none (-Certificate), so it most likely requires one.",
                peer) : null;
        }

        return Says(failure, "alert") ? Describe(failure, timedOut: false, peer, isClient: true, timeout: null, certificateWithheld) : null;
    }

    private static async Task<TlsTransport> NegotiateAsync(
        Socket socket,
        ReadOnlyMemory<byte> alreadyRead,
        Func<SslStream, TlsSocketStream, CancellationToken, Task> authenticate,
        TlsPeerCheck check,
        string peer,
        bool isClient,
        string? serverName,
        DateTime deadline,
        double? timeout,
        CancellationToken cancel)
    {
        var socketStream = new TlsSocketStream(socket);
        var stream = new SslStream(alreadyRead.IsEmpty ? socketStream : new PrefixedStream(alreadyRead, socketStream), leaveInnerStreamOpen: false);
        using var timer = new CancellationTokenSource();
        if (Timeouts.IsLimited(deadline))
        {
            timer.CancelAfter(Timeouts.LeftForWait(deadline));
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, timer.Token);
        try
        {
            await authenticate(stream, socketStream, linked.Token).ConfigureAwait(false);
            bool certificateWithheld = check.CertificateWithheld;
            return new TlsTransport(
                socket, socketStream, stream, new TlsInfo(stream, serverName), isClient ? failure => RefusalAfterHandshake(failure, peer, certificateWithheld) : null);
        }
        catch (Exception e)
        {
            stream.Dispose();
            socket.Dispose();
            if (cancel.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancel);
            }

            throw check.Refusal ?? Describe(e, timer.IsCancellationRequested, peer, isClient, timeout, check.CertificateWithheld);
        }
    }

    /// <summary>
    /// The reason a handshake failed, in words, from what .NET and OpenSSL say. <paramref name="certificateWithheld"/>:
    /// the server asked this client for a certificate it did not have (a TLS 1.2 server that requires one then ends
    /// the handshake with a bare handshake_failure alert).
    /// </summary>
    private static NetProcException Describe(Exception e, bool timedOut, string peer, bool isClient, double? timeout, bool certificateWithheld)
    {
        if (timedOut)
        {
            return new NetProcException(
                NetProcError.TlsHandshakeTimeout,
                isClient
                    ? $"{peer} did not finish the TLS handshake within {timeout} seconds: it may not speak TLS on this port (a plain server "
                      + "waits for the client to speak first), or it is overloaded. Check the port (or use -Type StartTls), or give a longer -Timeout."
                    : $"The {peer} did not finish its TLS handshake within {timeout} seconds.",
                peer,
                e);
        }

        var (error, message) = e switch
        {
            _ when Says(e, "unexpected packet format", "frame size", "corrupted frame", "wrong version number", "http request", "packet length too long") => (NetProcError.TlsNotSpoken, isClient
                ? $"{peer} does not speak TLS: it answered the TLS greeting with something else. Is this the service's TLS port (https 443, "
                  + "imaps 993, smtps 465), or does the server want a plain greeting first (-Type StartTls)?"
                : $"The {peer} does not speak TLS: it sent something other than a TLS greeting."),
            _ when Says(e, "protocol version", "unsupported protocol", "no protocols available", "version too low", "no shared cipher", "no cipher", "no suitable") =>
                (NetProcError.TlsProtocolMismatch, isClient
                    ? $"{peer} and this client have no TLS version or cipher suite in common: check -SslProtocol (the server may allow only older or newer versions). {Innermost(e)}"
                    : $"The {peer} and this server have no TLS version or cipher suite in common. {Innermost(e)}"),
            _ when Says(e, "certificate required", "did not return a certificate") => isClient
                ? (NetProcError.TlsClientCertificateRequired, $"{peer} requires a client certificate, and this client gave none: give one with -Certificate.")
                : (NetProcError.TlsCertificateRejected, $"The {peer} sent no certificate, and -RequireClientCertificate asks every client for one."),
            _ when isClient && certificateWithheld && Says(e, "handshake failure") => (NetProcError.TlsClientCertificateRequired,
                $"{peer} ended the TLS handshake after asking for a client certificate this client did not have: it most likely requires one. "
                + $"Give it with -Certificate. {Innermost(e)}"),
            _ when Says(e, "bad certificate", "unknown ca", "certificate unknown", "unsupported certificate", "certificate expired", "certificate revoked") =>
                (NetProcError.TlsCertificateRejected, $"{(isClient ? peer : "The " + peer)} refused this side's certificate: {Innermost(e)}"),
            _ when Says(e, "unexpected eof", "0 bytes") => (NetProcError.TlsHandshakeFailed, isClient
                ? $"{peer} closed the connection during the TLS handshake: it may not speak TLS on this port, or it refused this client (its TLS versions, "
                  + "a client certificate it wants)."
                : $"The {peer} closed the connection during the TLS handshake."),
            _ => (NetProcError.TlsHandshakeFailed, $"The TLS handshake with {peer} failed: {Innermost(e)}"),
        };
        return new NetProcException(error, message, peer, e);
    }

    /// <summary>Whether any of the exception's causes says one of <paramref name="words"/>.</summary>
    private static bool Says(Exception e, params string[] words) =>
        Causes(e).Any(cause => words.Any(w => cause.Message.Contains(w, StringComparison.OrdinalIgnoreCase)));

    private static IEnumerable<Exception> Causes(Exception e)
    {
        for (Exception? cause = e; cause is not null; cause = cause.InnerException)
        {
            yield return cause;
        }
    }

    /// <summary>The deepest cause's words (OpenSSL's, most often), which name what the other side objected to.</summary>
    private static string Innermost(Exception e) => $"({Causes(e).Last().Message.TrimEnd('.')}).";
}
