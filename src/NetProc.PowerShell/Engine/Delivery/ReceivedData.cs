using System.Net;

namespace NetProc.Engine;

/// <summary>One chunk as <c>Receive-NetworkProcess -Detailed</c> gives it: for datagrams, one datagram and its sender.</summary>
public sealed class ReceivedData
{
    internal ReceivedData(ProcessObject process, object data, int length, EndPoint? remoteEndPoint, DateTime received)
    {
        Process = process;
        Data = data;
        Length = length;
        RemoteEndPoint = remoteEndPoint;
        Received = received;
    }

    public ProcessObject Process { get; }

    /// <summary>The text, or a <c>byte[]</c> for <c>-AsByteStream</c> and processes that read bytes.</summary>
    public object Data { get; }

    /// <summary>Bytes as received.</summary>
    public int Length { get; }

    /// <summary>Who sent it: the datagram's sender, or the stream's peer.</summary>
    public EndPoint? RemoteEndPoint { get; }

    public DateTime Received { get; }

    public override string ToString() => Data as string ?? $"{Length} bytes";
}
