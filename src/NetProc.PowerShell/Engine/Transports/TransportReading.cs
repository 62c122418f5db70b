namespace NetProc.Engine;

/// <summary>Which reads a transport offers besides awaited ones, and so who may read it (see <see cref="StreamReceiver"/>).</summary>
internal enum TransportReading
{
    /// <summary>Awaited reads only (a serial port: System.IO.Ports reads on a thread of its own already).</summary>
    Awaited,

    /// <summary>Blocking reads too, for a client's reader thread of its own (TLS: a record is decrypted as it completes).</summary>
    Blocking,

    /// <summary>Reads that never block, by any thread: a client's reader thread, or the pipeline thread pulling what waits.</summary>
    Polled,
}
