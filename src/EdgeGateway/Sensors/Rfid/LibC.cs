using System.Runtime.InteropServices;

namespace EdgeGateway.Sensors.Rfid;

/// <summary>
/// The few Linux libc calls the keyboard-wedge RFID reader needs: no library takes an input device
/// exclusively (EVIOCGRAB), and a read of it must be cancellable (poll with an eventfd). Serial
/// readers use System.IO.Ports. Constants are Linux's generic values, the same on arm, arm64 and x86-64.
/// </summary>
internal static class LibC
{
    private const string Lib = "libc";

    public const int O_RDONLY = 0x0;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    public const short POLLIN = 0x1;
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;
    public const short POLLNVAL = 0x20;

    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int ENODEV = 19;
    public const int ENOTTY = 25;

    public const int EFD_NONBLOCK = 0x800;
    public const int EFD_CLOEXEC = 0x80000;

    // _IOW('E', 0x90, int): exclusive grab of an evdev device (linux/input.h).
    public const nuint EVIOCGRAB = 0x40044590;

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

#pragma warning disable SYSLIB1054 // DllImport keeps the project free of AllowUnsafeBlocks; every signature here is blittable.
    [DllImport(Lib, SetLastError = true)]
    public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport(Lib, SetLastError = true)]
    public static extern int close(int fd);

    [DllImport(Lib, SetLastError = true)]
    public static extern nint read(int fd, [Out] byte[] buffer, nuint count);

    [DllImport(Lib, SetLastError = true)]
    public static extern nint write(int fd, ref ulong value, nuint count);

    [DllImport(Lib, SetLastError = true)]
    public static extern int poll([In, Out] PollFd[] fds, nuint nfds, int timeout);

    [DllImport(Lib, SetLastError = true)]
    public static extern int eventfd(uint initval, int flags);

    [DllImport(Lib, SetLastError = true)]
    public static extern int ioctl(int fd, nuint request, int arg);

#pragma warning restore SYSLIB1054

    /// <summary>The exception .NET itself would raise for a failed call: an IOException whose HResult is errno.</summary>
    public static IOException LastError(string what)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{what}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
    }
}
