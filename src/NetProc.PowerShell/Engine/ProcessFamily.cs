namespace NetProc.Engine;

/// <summary>Address family (Emacs <c>:family</c>).</summary>
public enum ProcessFamily { IPv4, IPv6, Local }
