namespace NetProc.Engine;

/// <summary>An error the user caused or the network reported, with the value that caused it.</summary>
public sealed class NetProcException : Exception
{
    public NetProcException(NetProcError error, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        Error = error;
        Target = target;
    }

    public NetProcError Error { get; }

    public object? Target { get; }
}
