using System.Collections.Concurrent;
using System.IO.Ports;

namespace NetProc.Engine.Serial;

/// <summary>
/// Opens serial devices with System.IO.Ports and turns every way that fails into a <see cref="NetProcException"/> with
/// a stable error. What System.IO.Ports on Linux reports: an <see cref="UnauthorizedAccessException"/> for every open
/// failure, whose inner <see cref="IOException"/> carries the errno as its HResult (ENOENT, EACCES, EBUSY from its
/// TIOCEXCL, ENOTTY for a file that is no terminal); an <see cref="ArgumentException"/> when the driver does not keep
/// the settings it was given (a pty asked for 7N1).
/// </summary>
internal static class SerialPortOpener
{
    private const int ENOENT = 2, EPERM = 1, EACCES = 13, EBUSY = 16, ENOTDIR = 20, EISDIR = 21, ENOTTY = 25;

    // Devices open in this process. TIOCEXCL does not stop root (CAP_SYS_ADMIN) from opening a device twice, and two
    // readers on one line would split its bytes between them: NetProc refuses the second open itself.
    private static readonly ConcurrentDictionary<string, string> OpenDevices = new(DeviceKeyComparer);

    private static StringComparer DeviceKeyComparer => OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>
    /// Opens <paramref name="path"/> with <paramref name="settings"/>, or, when null (Emacs <c>:speed nil</c>,
    /// <c>-NoConfigure</c>), with the speed and framing the line already has.
    /// </summary>
    public static SerialDevice Open(string path, SerialSettings? settings)
    {
        string device = DeviceKey(path);
        if (!OpenDevices.TryAdd(device, path))
        {
            throw new NetProcException(NetProcError.SerialPortBusy,
                $"The serial port '{path}' is already open in this session as '{OpenDevices.GetValueOrDefault(device)}': " +
                "remove that process first, or use it.", path);
        }

        try
        {
            var lineSettings = settings ?? CurrentLineSettings.Read(path) ?? SerialSettings.Default;
            var port = new SerialPort(path);
            Configure(port, lineSettings);
            try
            {
                port.Open();
            }
            catch (Exception e)
            {
                port.Dispose();
                throw OpenFailure(path, lineSettings, e);
            }

            return new SerialDevice(port, path, device, settings is null ? null : lineSettings);
        }
        catch
        {
            OpenDevices.TryRemove(device, out _);
            throw;
        }
    }

    /// <summary>Applies new settings to an open port; when the device refuses them, the old ones are put back.</summary>
    public static void Apply(SerialPort port, string path, SerialSettings settings, SerialSettings previous)
    {
        try
        {
            Configure(port, settings);
        }
        catch (Exception e) when (e is ArgumentException or IOException)
        {
            try
            {
                Configure(port, previous);
            }
            catch (Exception e2) when (e2 is ArgumentException or IOException)
            {
                // The refusal is what the user needs to hear; the line keeps whatever the driver left.
            }

            throw Refused(path, settings, e);
        }
    }

    internal static void Release(string device) => OpenDevices.TryRemove(device, out _);

    private static void Configure(SerialPort port, SerialSettings settings)
    {
        port.BaudRate = settings.Speed;
        port.DataBits = settings.DataBits;
        port.Parity = settings.Parity switch
        {
            SerialParity.Even => Parity.Even,
            SerialParity.Odd => Parity.Odd,
            _ => Parity.None,
        };
        port.StopBits = settings.StopBits == SerialStopBits.Two ? StopBits.Two : StopBits.One;
        port.Handshake = settings.FlowControl switch
        {
            SerialFlowControl.Hardware => Handshake.RequestToSend,
            SerialFlowControl.Software => Handshake.XOnXOff,
            _ => Handshake.None,
        };
    }

    // The device itself, links resolved, so /tmp/x/A and the /dev/pts/N it points to are one port.
    private static string DeviceKey(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return path;
        }

        if (Directory.Exists(path))
        {
            throw NotASerialPort(path, "a folder");
        }

        if (!File.Exists(path))
        {
            throw NotFound(path);
        }

        var full = Path.GetFullPath(path);
        return new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
    }

    private static NetProcException OpenFailure(string path, SerialSettings settings, Exception e)
    {
        // On Unix the errno is the inner IOException's HResult; on Windows a busy port is a bare access denial.
        int errno = e.InnerException is IOException inner ? inner.HResult : 0;
        string reason = e.InnerException?.Message ?? e.Message;
        if (errno is ENOENT or ENOTDIR)
        {
            return NotFound(path, e);
        }

        if (errno is EACCES or EPERM)
        {
            return new NetProcException(NetProcError.AccessDenied,
                $"Permission denied opening the serial port '{path}': join the group that owns it (often 'dialout') " +
                "or change its permissions.", path, e);
        }

        if (errno == EBUSY || (OperatingSystem.IsWindows() && e is UnauthorizedAccessException))
        {
            return new NetProcException(NetProcError.SerialPortBusy,
                $"The serial port '{path}' is in use by another program ({reason}): close that program first.", path, e);
        }

        if (errno is ENOTTY or EISDIR)
        {
            return NotASerialPort(path, "not a terminal device", e);
        }

        return e is ArgumentException
            ? Refused(path, settings, e)
            : new NetProcException(NetProcError.SerialPortUnavailable, $"The serial port '{path}' could not be opened: {reason}.", path, e);
    }

    private static NetProcException NotFound(string path, Exception? inner = null) =>
        new(NetProcError.SerialPortNotFound,
            $"No serial port at '{path}': check the path (Get-SerialPortName lists the ports present) and that the device is plugged in.",
            path, inner);

    private static NetProcException NotASerialPort(string path, string what, Exception? inner = null) =>
        new(NetProcError.NotASerialPort, $"'{path}' is {what}, not a serial port: name a device such as /dev/ttyUSB0 or COM3.", path, inner);

    private static NetProcException Refused(string path, SerialSettings settings, Exception e) =>
        new(NetProcError.SerialSettingRefused,
            $"The serial port '{path}' refused {settings}: use settings the device supports (a pty carries only 8 data bits).",
            settings, e);
}

/// <summary>
/// An open serial device: the port, the path as given and the settings it was given (null when it was opened without
/// configuring it). Disposing closes it without waiting long and frees the path for the next open.
/// </summary>
internal sealed class SerialDevice : IDisposable
{
    // System.IO.Ports can block in Close for good once the device hung up with a write still queued.
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(2);
    private readonly string deviceKey;
    private int disposed;

    internal SerialDevice(SerialPort port, string path, string deviceKey, SerialSettings? settings)
    {
        Port = port;
        Path = path;
        this.deviceKey = deviceKey;
        Settings = settings;
    }

    public SerialPort Port { get; }

    public string Path { get; }

    /// <summary>The settings in force, or null for a port opened without configuring (which later changes leave alone, as in Emacs).</summary>
    public SerialSettings? Settings { get; private set; }

    /// <summary>Changes the settings; null ones of the caller's partial update are kept by <see cref="SerialSettings.With"/>.</summary>
    public void Configure(SerialSettings settings)
    {
        if (Settings is null)
        {
            return;
        }

        SerialPortOpener.Apply(Port, Path, settings, Settings);
        Settings = settings;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        var closing = Task.Run(() =>
        {
            try
            {
                Port.Dispose();
            }
            catch (Exception)
            {
                // A device that went away cannot be closed more than it is; whatever System.IO.Ports says of it, the
                // close must not fail the removal that asked for it (this wait would rethrow it).
            }
        });
        closing.Wait(CloseWait);
        SerialPortOpener.Release(deviceKey);
    }
}
