using System.Runtime.InteropServices;

namespace NetProc.Engine.Serial;

/// <summary>
/// Reads the speed and framing a line already has, for opening it without configuring (Emacs <c>:speed nil</c>):
/// System.IO.Ports always sets the line when it opens, so NetProc opens it with what the line had. Linux only, by the
/// TCGETS2 ioctl (whose termios2 gives the speed as a number); elsewhere null, and the port opens with the defaults.
/// </summary>
internal static class CurrentLineSettings
{
    // asm-generic values, shared by x64, Arm and Arm64 (not by MIPS, PowerPC, SPARC or Alpha).
    private const int ReadOnly = 0, NoControllingTty = 0x100, NonBlocking = 0x800;
    private const uint TCGETS2 = 0x802C542A;
    private const int Termios2Size = 44, CflagOffset = 8, OspeedOffset = 40;
    private const uint IXON = 0x400, IXOFF = 0x1000, CSIZE = 0x30, CSTOPB = 0x40, PARENB = 0x100, PARODD = 0x200, CRTSCTS = 0x80000000;

    public static SerialSettings? Read(string path)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not
            (Architecture.X64 or Architecture.Arm or Architecture.Arm64))
        {
            return null;
        }

        int fd = open(path, ReadOnly | NoControllingTty | NonBlocking);
        if (fd < 0)
        {
            // Opening it for real reports why, as it does for every other port.
            return null;
        }

        try
        {
            var termios = new byte[Termios2Size];
            if (ioctl(fd, TCGETS2, termios) != 0)
            {
                return null;
            }

            uint iflag = BitConverter.ToUInt32(termios, 0);
            uint cflag = BitConverter.ToUInt32(termios, CflagOffset);
            int speed = (int)BitConverter.ToUInt32(termios, OspeedOffset);
            var parity = (cflag & PARENB) == 0 ? SerialParity.None : (cflag & PARODD) != 0 ? SerialParity.Odd : SerialParity.Even;
            var flow = (cflag & CRTSCTS) != 0 ? SerialFlowControl.Hardware
                : (iflag & (IXON | IXOFF)) != 0 ? SerialFlowControl.Software
                : SerialFlowControl.None;
            return new SerialSettings(
                speed > 0 ? speed : SerialSettings.DefaultSpeed,
                SerialSettings.MinDataBits + (int)((cflag & CSIZE) >> 4),
                parity,
                (cflag & CSTOPB) != 0 ? SerialStopBits.Two : SerialStopBits.One,
                flow);
        }
        finally
        {
            _ = close(fd);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int ioctl(int fd, nuint request, byte[] termios2);

    [DllImport("libc")]
    private static extern int close(int fd);
}
