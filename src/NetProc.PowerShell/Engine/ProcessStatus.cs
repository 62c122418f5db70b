namespace NetProc.Engine;

/// <summary>Status as the Emacs manual names it; suspension shows in <c>Stopped</c>, not here.</summary>
public enum ProcessStatus { Connect, Open, Listen, Failed, Closed }
