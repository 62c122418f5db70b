using System.Net;

namespace NetProc.Engine.Serial;

/// <summary>
/// An open serial device as a stream transport. System.IO.Ports reads through a thread of its own, so reads are
/// awaited (never polled), and it cannot say whether data waits. A device that goes away (a USB adapter unplugged, the
/// far end of a pty closed) fails the pending read; from then on writes fail at once, because a write queued after the
/// hangup can keep System.IO.Ports from ever closing the port.
/// </summary>
internal sealed class SerialTransport : IStreamTransport
{
    private readonly SerialDevice device;
    private volatile bool gone;

    public SerialTransport(SerialDevice device) => this.device = device;

    public EndPoint? LocalEndPoint => null;

    public EndPoint? RemoteEndPoint => null;

    public TransportReading Reading => TransportReading.Awaited;

    /// <summary>Bytes written to the driver that have not yet left the line.</summary>
    public long Unacknowledged
    {
        get
        {
            try
            {
                return gone ? 0 : device.Port.BytesToWrite;
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                return 0;
            }
        }
    }

    public bool Poll(int microseconds) => throw new NotSupportedException("A serial port is read with awaited reads only.");

    public void WaitReadable() => throw new NotSupportedException("A serial port is read with awaited reads only.");

    public int ReadNow(Span<byte> block) => throw new NotSupportedException("A serial port is read with awaited reads only.");

    public int PullNow(Span<byte> block) => throw new NotSupportedException("A serial port is read with awaited reads only.");

    public ValueTask WaitReadableAsync() => ValueTask.CompletedTask;

    public async ValueTask<int> ReadAsync(Memory<byte> block)
    {
        try
        {
            return await device.Port.BaseStream.ReadAsync(block).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ObjectDisposedException or IOException or InvalidOperationException)
        {
            // The device went away, or this side closed it (the process tells the two apart).
            gone = true;
            throw new IOException($"The serial port {device.Path} went away: the device was unplugged, or the far end closed.", e);
        }
    }

    public async ValueTask<int> WriteSomeAsync(ReadOnlyMemory<byte> data)
    {
        if (gone)
        {
            throw new IOException($"The serial port {device.Path} went away; nothing more can be written to it.");
        }

        await device.Port.BaseStream.WriteAsync(data).ConfigureAwait(false);
        return data.Length;
    }

    /// <summary>A serial line has no end-of-output signal: this side only stops sending.</summary>
    public void ShutdownWrite()
    {
    }

    /// <summary>Waits until the driver has sent what it holds (nothing signals it), more rarely as the wait goes on.</summary>
    public async Task<bool> PeerTookEverythingAsync(DateTime deadline, Task peerEnded)
    {
        for (int pause = 1; ; pause = Math.Min(pause * 2, 100))
        {
            if (peerEnded.IsCompleted || Unacknowledged == 0)
            {
                return true;
            }

            if (Timeouts.HasPassed(deadline))
            {
                return false;
            }

            await Task.Delay(pause).ConfigureAwait(false);
        }
    }

    public NetProcException? ReasonForEnd(Exception? failure) => null;

    public void DiscardInput()
    {
        try
        {
            device.Port.DiscardInBuffer();
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            // Closed or gone: nothing to drop.
        }
    }

    public void Close() => device.Dispose();

    public void Abort()
    {
        try
        {
            device.Port.DiscardOutBuffer();
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            // Closed or gone: nothing waits to be sent.
        }

        device.Dispose();
    }
}
