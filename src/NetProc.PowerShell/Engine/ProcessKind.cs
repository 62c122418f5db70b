namespace NetProc.Engine;

/// <summary>The role of a process.</summary>
public enum ProcessKind { Client, Server, Connection, Serial }
