using System.Runtime.InteropServices;
using System.Text;

namespace EdgeGateway.Tests.Sensors.Rfid;

/// <summary>libc calls the RFID tests need to build real FIFOs and pseudo-terminals.</summary>
internal static class TestPosix
{
    public const int O_RDWR = 0x2;
    public const int O_NOCTTY = 0x100;
    public const uint ICANON = 0x2;
    public const uint ECHO = 0x8;
    public const uint B115200 = 0x1002;

    [StructLayout(LayoutKind.Sequential, Size = 128)]
    public struct TermiosHead
    {
        public uint c_iflag;
        public uint c_oflag;
        public uint c_cflag;
        public uint c_lflag;
    }

#pragma warning disable SYSLIB1054 // test-only P/Invoke, blittable signatures
    [DllImport("libc", SetLastError = true)]
    public static extern int mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);

    [DllImport("libc", SetLastError = true)]
    public static extern int posix_openpt(int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern int grantpt(int fd);

    [DllImport("libc", SetLastError = true)]
    public static extern int unlockpt(int fd);

    [DllImport("libc", SetLastError = true)]
    public static extern int ptsname_r(int fd, [Out] byte[] buffer, nuint length);

    [DllImport("libc", SetLastError = true)]
    public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    public static extern nint write(int fd, byte[] buffer, nuint count);

    [DllImport("libc", SetLastError = true)]
    public static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    public static extern int tcgetattr(int fd, out TermiosHead termios);

    [DllImport("libc", SetLastError = true)]
    public static extern uint cfgetispeed(ref TermiosHead termios);
#pragma warning restore SYSLIB1054

    public static void Check(int rc, string what)
    {
        if (rc < 0) throw new IOException($"{what}: errno {Marshal.GetLastPInvokeError()}");
    }

    public static void WriteAll(int fd, byte[] bytes)
    {
        var n = write(fd, bytes, (nuint)bytes.Length);
        if (n != bytes.Length) throw new IOException($"short write to fd {fd}: {n} of {bytes.Length}, errno {Marshal.GetLastPInvokeError()}");
    }

    public static string PtsName(int master)
    {
        var buffer = new byte[256];
        if (ptsname_r(master, buffer, (nuint)buffer.Length) != 0) throw new IOException("ptsname_r failed");
        return Encoding.UTF8.GetString(buffer, 0, Array.IndexOf(buffer, (byte)0));
    }
}

/// <summary>A pseudo-terminal pair: the test writes to the master, the reader opens the slave as its tty.</summary>
internal sealed class PseudoTerminal : IDisposable
{
    public PseudoTerminal()
    {
        Master = TestPosix.posix_openpt(TestPosix.O_RDWR | TestPosix.O_NOCTTY);
        TestPosix.Check(Master, "posix_openpt");
        TestPosix.Check(TestPosix.grantpt(Master), "grantpt");
        TestPosix.Check(TestPosix.unlockpt(Master), "unlockpt");
        SlavePath = TestPosix.PtsName(Master);
    }

    public int Master { get; private set; }

    public string SlavePath { get; }

    public void Write(string text) => TestPosix.WriteAll(Master, Encoding.ASCII.GetBytes(text));

    public void Dispose()
    {
        if (Master >= 0) TestPosix.close(Master);
        Master = -1;
    }
}
