using System.Net;
using System.Net.Sockets;

namespace NetProc.Engine;

/// <summary>
/// Connects a stream socket the way Emacs does: resolves the host, tries each address in order, all within one
/// deadline; a failure names the address as the user gave it and says what to do.
/// </summary>
internal static class SocketConnector
{
    /// <summary>
    /// Returns the connected socket, non-blocking. <paramref name="address"/> is the peer as the user named it (for
    /// messages); <paramref name="timeout"/> bounds the whole connect, name lookup included (null: the system's limit);
    /// <paramref name="trace"/>, if given, hears each step (on whatever thread takes it) for the user's -Verbose.
    /// </summary>
    public static async Task<Socket> ConnectAsync(
        string? host,
        object? service,
        ProcessFamily? family,
        ProcessSocketType type,
        string address,
        double? timeout,
        CancellationToken cancel,
        Action<string>? trace)
    {
        var deadline = Timeouts.DeadlineAfter(timeout);
        try
        {
            return await ConnectBeforeAsync(host, service, family, type, address, deadline, cancel, trace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            string why = family == ProcessFamily.Local
                ? "its server's backlog stayed full (a suspended or busy server)"
                : "the host may be down, a firewall may drop the packets, or the server's backlog is full";

            // ETIMEDOUT inside, so a background connect reports "failed with code 110", as Emacs reports errno codes.
            throw new NetProcException(
                NetProcError.ConnectTimeout,
                $"{address} did not accept the connection within {timeout} seconds: {why}. Try again later, or give a longer -Timeout.",
                address,
                new SocketException((int)SocketError.TimedOut));
        }
    }

    /// <summary>Connects, or throws <see cref="TimeoutException"/> once <paramref name="deadline"/> passes.</summary>
    private static async Task<Socket> ConnectBeforeAsync(
        string? host,
        object? service,
        ProcessFamily? family,
        ProcessSocketType type,
        string address,
        DateTime deadline,
        CancellationToken cancel,
        Action<string>? trace)
    {
        var endpoints = await Endpoints.ForConnectAsync(host, service, family, type, cancel)
            .WaitAsync(Timeouts.LeftForWait(deadline), cancel)
            .ConfigureAwait(false);
        trace?.Invoke($"{address} is {string.Join(", ", endpoints.Select(e => e.ToString()))}.");
        SocketException? last = null;
        EndPoint? failed = null;
        foreach (var endpoint in endpoints)
        {
            trace?.Invoke($"Connecting to {endpoint}...");
            var attempt = Endpoints.NewSocket(endpoint, type);
            try
            {
                await Task.Run(() => ConnectOutsideEventLoop(attempt, endpoint, deadline, cancel), cancel).ConfigureAwait(false);
                return attempt;
            }
            catch (SocketException e)
            {
                attempt.Dispose();
                trace?.Invoke($"{endpoint}: {e.Message}");
                last = e;
                failed = endpoint;
            }
            catch
            {
                attempt.Dispose();
                throw;
            }
        }

        throw NetworkProcess.SocketFailure(last!, address, failed!, "connect");
    }

    /// <summary>
    /// Connects a non-blocking socket and waits with <c>poll()</c>, not with .NET's event loop: a socket that loop never
    /// had to watch stays out of its epoll set, which the client's reader thread needs (see <see cref="StreamReceiver"/>).
    /// A peer that never answers (a full backlog, a filtered port) is given up at <paramref name="deadline"/>.
    /// </summary>
    private static void ConnectOutsideEventLoop(Socket attempt, EndPoint endpoint, DateTime deadline, CancellationToken cancel)
    {
        if (endpoint is UnixDomainSocketEndPoint)
        {
            ConnectUnix(attempt, endpoint, deadline, cancel);
            return;
        }

        attempt.Blocking = false;
        try
        {
            attempt.Connect(endpoint);
            return;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
            // The handshake goes on; poll for its end below.
        }

        while (!attempt.Poll(Timeouts.NextSlice(deadline), SelectMode.SelectWrite))
        {
            cancel.ThrowIfCancellationRequested();
            if (Timeouts.HasPassed(deadline))
            {
                throw new TimeoutException();
            }
        }

        if (attempt.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is int code && code != 0)
        {
            throw new SocketException(code);
        }
    }

    /// <summary>
    /// A unix socket's connect only waits for room in the server's backlog, and a non-blocking one fails at once when
    /// there is none (a suspended server, say), so it blocks here, in slices short enough to hear a cancel and the
    /// deadline, as Emacs's blocking connect waits. Then the socket turns non-blocking for its reader.
    /// </summary>
    private static void ConnectUnix(Socket attempt, EndPoint endpoint, DateTime deadline, CancellationToken cancel)
    {
        while (true)
        {
            // SO_SNDTIMEO bounds the blocking connect; 0 would mean no bound, hence at least 1 ms.
            attempt.SendTimeout = Math.Max(1, (int)Timeouts.NextSlice(deadline).TotalMilliseconds);
            try
            {
                attempt.Connect(endpoint);
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.TimedOut)
            {
                cancel.ThrowIfCancellationRequested();
                if (Timeouts.HasPassed(deadline))
                {
                    throw new TimeoutException();
                }
            }
        }

        attempt.SendTimeout = 0;
        attempt.Blocking = false;
    }
}
