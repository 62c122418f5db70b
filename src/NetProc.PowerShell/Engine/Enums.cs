namespace NetProc.Engine;

/// <summary>What kind of object a process is (Emacs <c>process-type</c>).</summary>
public enum ProcessType { Network, Serial }

/// <summary>The role of a process.</summary>
public enum ProcessKind { Client, Server, Connection, Serial }

/// <summary>Socket type (Emacs <c>:type</c>).</summary>
public enum ProcessProtocol { Stream, Datagram, SeqPacket }

/// <summary>Address family (Emacs <c>:family</c>).</summary>
public enum ProcessFamily { IPv4, IPv6, Local }

/// <summary>Status as the Emacs manual names it; suspension shows in <c>Stopped</c>, not here.</summary>
public enum ProcessStatus { Connect, Open, Listen, Failed, Closed }
