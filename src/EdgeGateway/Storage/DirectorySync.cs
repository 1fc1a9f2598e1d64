using System.Runtime.InteropServices;

namespace EdgeGateway.Storage;

/// <summary>
/// fsync of a folder, so that a newly created file's directory entry survives a power cut
/// (POSIX makes no promise for it otherwise). .NET has no API for this; libc does.
/// </summary>
public static partial class DirectorySync
{
    private const int ReadOnly = 0;

    // O_DIRECTORY is not one number on Linux: 0200000 in asm-generic (x86-64, riscv64) but 040000 in
    // arm's and arm64's fcntl.h, where 0200000 is O_DIRECT, which a folder on tmpfs refuses (EINVAL).
    private static readonly int Directory = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.Arm or Architecture.Arm64 or Architecture.Armv6 or Architecture.Ppc64le => 0x4000,
        _ => 0x10000,
    };

    /// <summary>Syncs <paramref name="path"/>; a no-op where it is not supported.</summary>
    public static void Sync(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var fd = Open(path, ReadOnly | Directory);
        if (fd < 0)
        {
            throw new IOException($"cannot open folder {path} to sync it (errno {Marshal.GetLastPInvokeError()})");
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"cannot sync folder {path} (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
