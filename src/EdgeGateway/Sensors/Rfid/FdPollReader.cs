namespace EdgeGateway.Sensors.Rfid;

/// <summary>
/// Blocking reads from a non-blocking descriptor (a tty, an input device, a FIFO) that a
/// CancellationToken can interrupt: the thread waits in poll() on the descriptor and on an eventfd
/// that cancellation writes to. A plain blocking read() on such a descriptor cannot be cancelled
/// and would keep the reader thread, and the device, until the next byte arrived.
/// </summary>
internal sealed class FdPollReader : IDisposable
{
    private readonly UnixFd _fd;
    private readonly UnixFd _wake;
    private readonly LibC.PollFd[] _fds = new LibC.PollFd[2];

    public FdPollReader(UnixFd fd)
    {
        _fd = fd;
        var wake = LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
        if (wake < 0) throw LibC.LastError("eventfd");
        _wake = UnixFd.FromRaw(wake);
    }

    /// <summary>Reads what is available (waiting for at least one byte); 0 means end of file / hang-up.</summary>
    public int Read(byte[] buffer, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var registration = cancellationToken.UnsafeRegister(static state => ((FdPollReader)state!).Wake(), this);
        while (true)
        {
            _fds[0] = new LibC.PollFd { Fd = _fd.Value, Events = LibC.POLLIN };
            _fds[1] = new LibC.PollFd { Fd = _wake.Value, Events = LibC.POLLIN };
            if (LibC.poll(_fds, 2, -1) < 0)
            {
                var error = LibC.LastError("poll");
                if (error.HResult == LibC.EINTR) continue;
                throw error;
            }
            if ((_fds[1].Revents & LibC.POLLIN) != 0)
                throw new OperationCanceledException(cancellationToken);
            var revents = _fds[0].Revents;
            if (revents == 0) continue;

            var n = LibC.read(_fd.Value, buffer, (nuint)buffer.Length);
            if (n > 0) return (int)n;
            if (n == 0) return 0;
            var readError = LibC.LastError("read");
            if (readError.HResult == LibC.EINTR) continue;
            if (readError.HResult == LibC.EAGAIN)
            {
                // Readable was signalled but the data went elsewhere; a hang-up with nothing to read is the end.
                if ((revents & (LibC.POLLHUP | LibC.POLLERR)) != 0 && (revents & LibC.POLLIN) == 0) return 0;
                continue;
            }
            throw readError;
        }
    }

    private void Wake()
    {
        ulong one = 1;
        LibC.write(_wake.Value, ref one, 8);
    }

    public void Dispose() => _wake.Dispose();
}
