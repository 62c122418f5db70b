namespace NetProc.Engine;

/// <summary>
/// The side a connection takes in a TLS handshake started in place (<c>Protect-NetworkProcess -Role</c>): by default a
/// connection a server accepted is the TLS server, a client the TLS client.
/// </summary>
public enum TlsRole
{
    /// <summary>Sends the TLS greeting and checks the server's certificate.</summary>
    Client,

    /// <summary>Answers the peer's TLS greeting with its own certificate (-Certificate).</summary>
    Server,
}
