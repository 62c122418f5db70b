using System.IO.Ports;

namespace NetProc.Engine.Serial;

/// <summary>
/// The serial ports present. On Linux: UARTs (/dev/ttyS*, /dev/ttyAMA*) whose sysfs <c>type</c> is not 0 (the kernel
/// makes ttyS0-3 whether or not a UART answers there; type 0 is PORT_UNKNOWN), USB adapters (/dev/ttyUSB*,
/// /dev/ttyACM*) and the stable /dev/serial/by-id links to them. Elsewhere what System.IO.Ports lists (COM3 on Windows,
/// /dev/tty.* and /dev/cu.* on macOS).
/// </summary>
internal static class SerialPortNames
{
    private const string SysTty = "/sys/class/tty";

    public static IReadOnlyList<string> Present()
    {
        var names = OperatingSystem.IsLinux() ? LinuxPorts() : SerialPort.GetPortNames();
        return names.Distinct().OrderBy(n => n, StringComparer.Ordinal).ToArray();
    }

    private static IEnumerable<string> LinuxPorts()
    {
        foreach (var device in Entries("/dev", "ttyUSB*").Concat(Entries("/dev", "ttyACM*")))
        {
            yield return device;
        }

        foreach (var uart in Entries("/dev", "ttyS*").Concat(Entries("/dev", "ttyAMA*")).Where(IsAnsweringUart))
        {
            yield return uart;
        }

        foreach (var link in Entries("/dev/serial/by-id", "*"))
        {
            yield return link;
        }
    }

    private static bool IsAnsweringUart(string device)
    {
        string type = Path.Combine(SysTty, Path.GetFileName(device), "type");
        try
        {
            return !File.Exists(type) || File.ReadAllText(type).Trim() != "0";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static IEnumerable<string> Entries(string folder, string pattern)
    {
        try
        {
            return Directory.Exists(folder) ? Directory.GetFileSystemEntries(folder, pattern) : Array.Empty<string>();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Array.Empty<string>();
        }
    }
}
