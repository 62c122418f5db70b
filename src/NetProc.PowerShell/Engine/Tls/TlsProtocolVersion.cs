namespace NetProc.Engine;

/// <summary>The TLS versions <c>-SslProtocol</c> may allow; older ones are broken and never offered.</summary>
public enum TlsProtocolVersion { Tls12, Tls13 }
