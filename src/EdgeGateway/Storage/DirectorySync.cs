using System.Runtime.InteropServices;

namespace EdgeGateway.Storage;

/// <summary>
/// fsync of a folder, so that a newly created file's directory entry survives a power cut
/// (POSIX makes no promise for it otherwise). .NET has no API for this; libc does.
/// </summary>
public static partial class DirectorySync
{
    private const int ReadOnly = 0;
    private const int Directory = 0x10000; // O_DIRECTORY on Linux (x64, arm, arm64)

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
