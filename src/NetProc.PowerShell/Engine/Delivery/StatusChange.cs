namespace NetProc.Engine;

/// <summary>A status change found by a transport thread, applied in arrival order on the pipeline thread.</summary>
internal sealed class StatusChange
{
    public StatusChange(ProcessStatus status, object exitStatus, string message, Exception? error = null)
    {
        Status = status;
        ExitStatus = exitStatus;
        Message = message;
        Error = error;
    }

    public ProcessStatus Status { get; }

    public object ExitStatus { get; }

    /// <summary>The Emacs sentinel text, e.g. <c>"connection broken by remote peer\n"</c>.</summary>
    public string Message { get; }

    public Exception? Error { get; }
}
