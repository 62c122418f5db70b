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
            socket, (stream, token) => stream.AuthenticateAsClientAsync(settings.ForClient(serverName, check), token), check, address, isClient: true, serverName, deadline, timeout, cancel);
    }

    /// <summary>A server's handshake with the client <paramref name="client"/> (its address, for messages).</summary>
    public static Task<TlsTransport> ServerAsync(Socket socket, TlsSettings settings, string client, CancellationToken cancel)
    {
        string peer = $"client {client}";
        var check = new TlsPeerCheck(settings, peer, serverName: null);
        return NegotiateAsync(
            socket,
            (stream, token) => stream.AuthenticateAsServerAsync(settings.ForServer(check), token),
            check,
            peer,
            isClient: false,
            serverName: null,
            Timeouts.DeadlineAfter(settings.HandshakeTimeout),
            settings.HandshakeTimeout,
            cancel);
    }

    private static async Task<TlsTransport> NegotiateAsync(
        Socket socket,
        Func<SslStream, CancellationToken, Task> authenticate,
        TlsPeerCheck check,
        string peer,
        bool isClient,
        string? serverName,
        DateTime deadline,
        double? timeout,
        CancellationToken cancel)
    {
        var stream = new SslStream(new TlsSocketStream(socket), leaveInnerStreamOpen: false);
        using var timer = new CancellationTokenSource();
        if (Timeouts.IsLimited(deadline))
        {
            timer.CancelAfter(Timeouts.LeftForWait(deadline));
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, timer.Token);
        try
        {
            await authenticate(stream, linked.Token).ConfigureAwait(false);
            return new TlsTransport(socket, stream, new TlsInfo(stream, serverName));
        }
        catch (Exception e)
        {
            stream.Dispose();
            socket.Dispose();
            if (cancel.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancel);
            }

            throw check.Refusal ?? Describe(e, timer.IsCancellationRequested, peer, isClient, timeout);
        }
    }

    /// <summary>The reason a handshake failed, in words, from what .NET and OpenSSL say.</summary>
    private static NetProcException Describe(Exception e, bool timedOut, string peer, bool isClient, double? timeout)
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

        string said = string.Join(" ", Causes(e).Select(c => c.Message));
        bool Says(params string[] words) => words.Any(w => said.Contains(w, StringComparison.OrdinalIgnoreCase));
        var (error, message) = said switch
        {
            _ when Says("unexpected packet format", "frame size", "corrupted frame", "wrong version number", "http request", "packet length too long") => (NetProcError.TlsNotSpoken, isClient
                ? $"{peer} does not speak TLS: it answered the TLS greeting with something else. Is this the service's TLS port (https 443, "
                  + "imaps 993, smtps 465), or does the server want a plain greeting first (-Type StartTls)?"
                : $"The {peer} does not speak TLS: it sent something other than a TLS greeting."),
            _ when Says("protocol version", "unsupported protocol", "no protocols available", "version too low", "no shared cipher", "no cipher", "no suitable") =>
                (NetProcError.TlsProtocolMismatch, isClient
                    ? $"{peer} and this client have no TLS version or cipher suite in common: check -SslProtocol (the server may allow only older or newer versions). {Innermost(e)}"
                    : $"The {peer} and this server have no TLS version or cipher suite in common. {Innermost(e)}"),
            _ when Says("certificate required", "did not return a certificate") => (NetProcError.TlsCertificateRejected, isClient
                ? $"{peer} requires a client certificate: give one with -Certificate."
                : $"The {peer} sent no certificate, and -RequireClientCertificate asks every client for one."),
            _ when Says("bad certificate", "unknown ca", "certificate unknown", "unsupported certificate", "certificate expired", "certificate revoked") =>
                (NetProcError.TlsCertificateRejected, $"{(isClient ? peer : "The " + peer)} refused this side's certificate: {Innermost(e)}"),
            _ when Says("unexpected eof", "0 bytes") => (NetProcError.TlsHandshakeFailed, isClient
                ? $"{peer} closed the connection during the TLS handshake: it may not speak TLS on this port, or it refused this client (its TLS versions, "
                  + "a client certificate it wants)."
                : $"The {peer} closed the connection during the TLS handshake."),
            _ => (NetProcError.TlsHandshakeFailed, $"The TLS handshake with {peer} failed: {Innermost(e)}"),
        };
        return new NetProcException(error, message, peer, e);
    }

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
