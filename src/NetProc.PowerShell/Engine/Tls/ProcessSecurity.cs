namespace NetProc.Engine;

/// <summary>Whether a network process's bytes travel in the clear or encrypted (Emacs's <c>:return-list</c> type <c>plain</c> or <c>tls</c>).</summary>
public enum ProcessSecurity { Plain, Tls }
