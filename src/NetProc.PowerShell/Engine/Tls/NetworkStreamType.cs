namespace NetProc.Engine;

/// <summary>How <c>Open-NetworkStream</c> secures its connection (Emacs <c>open-network-stream</c>'s <c>:type</c>).</summary>
public enum NetworkStreamType
{
    /// <summary>In the clear.</summary>
    Plain,

    /// <summary>TLS from the first byte (Emacs <c>tls</c>).</summary>
    Tls,

    /// <summary>Plain, then STARTTLS, mandatory: a server that does not offer it is an error (Emacs <c>starttls</c>).</summary>
    StartTls,

    /// <summary>Plain, upgraded with STARTTLS when the server offers it (Emacs <c>network</c>, the default).</summary>
    Network,
}
