namespace NetProc.Engine;

/// <summary>Socket type (Emacs <c>:type</c>).</summary>
public enum ProcessSocketType { Stream, Datagram, SeqPacket }
