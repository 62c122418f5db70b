namespace NetProc.Engine;

/// <summary>What kind of object a process is (Emacs <c>process-type</c>).</summary>
public enum ProcessType { Network, Serial }
