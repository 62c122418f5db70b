namespace NetProc.Engine;

/// <summary>Which reads a transport offers besides awaited ones, and so who may read it (see <see cref="StreamReceiver"/>).</summary>
internal enum TransportReading
{
    /// <summary>Awaited reads only (a serial port: System.IO.Ports reads on a thread of its own already).</summary>
    Awaited,

    /// <summary>
    /// Blocking reads too, for a client's reader thread of its own, and reads that never wait for the pipeline thread
    /// pulling (TLS: a record is decrypted once complete, so only records that arrived whole can be pulled).
    /// </summary>
    Blocking,

    /// <summary>Reads that never block, by any thread: a client's reader thread, or the pipeline thread pulling what waits.</summary>
    Polled,
}
