namespace EdgeGateway.Sensors.Rfid;

/// <summary>An owned file descriptor, closed on dispose. Owned by one thread at a time.</summary>
internal sealed class UnixFd : IDisposable
{
    private int _fd;

    private UnixFd(int fd) => _fd = fd;

    public int Value => _fd >= 0 ? _fd : throw new ObjectDisposedException(nameof(UnixFd));

    /// <summary>Opens <paramref name="path"/>; failures throw IOException with errno, as .NET's own file APIs do.</summary>
    public static UnixFd Open(string path, int flags)
    {
        var fd = LibC.open(path, flags | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            var error = LibC.LastError($"cannot open {path}");
            throw error.HResult == 2 ? new FileNotFoundException(error.Message, path) : error;
        }
        return new UnixFd(fd);
    }

    public static UnixFd FromRaw(int fd) => new(fd);

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) LibC.close(fd);
    }
}
