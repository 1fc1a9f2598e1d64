using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace EdgeGateway.Sensors.Rfid;

/// <summary>Turns a device's bytes into tag reads; one instance per open device.</summary>
internal interface ITagFramer
{
    /// <summary>Feeds bytes as read; completed reads are appended.</summary>
    void Push(ReadOnlySpan<byte> bytes, List<RawTagRead> reads);
}

/// <summary>
/// The part both RFID readers share: open the device, read it on a dedicated thread, interpret and
/// debounce tags, and when the device goes away (unplugged, port closed) record one "missing" fault
/// and reopen it with a capped backoff, so a reader that is replugged resumes on its own.
/// </summary>
internal sealed class RfidReadLoop(
    SensorInfo sensor,
    string devicePath,
    Func<UnixFd> open,
    Func<ITagFramer> newFramer,
    TimeSpan debounceWindow,
    TimeSpan reopenDelay,
    TimeProvider timeProvider)
{
    private static readonly TimeSpan MaxReopenDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StableSession = TimeSpan.FromSeconds(10);
    private volatile RfidReaderState _state = new(false, "not started");

    public RfidReaderState State => _state;

    public async IAsyncEnumerable<SensorEvent> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<SensorEvent>(new BoundedChannelOptions(256) { SingleReader = true, SingleWriter = true });
        var pump = Task.Run(() => PumpAsync(channel.Writer, stop.Token), CancellationToken.None);
        try
        {
            await foreach (var e in channel.Reader.ReadAllAsync(cancellationToken))
                yield return e;
        }
        finally
        {
            await stop.CancelAsync();
            await pump;
        }
    }

    private async Task PumpAsync(ChannelWriter<SensorEvent> writer, CancellationToken cancellationToken)
    {
        var debouncer = new TagDebouncer(debounceWindow);
        var delay = reopenDelay;
        var reportedDown = false;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                UnixFd fd;
                try
                {
                    fd = open();
                }
                catch (IOException ex)
                {
                    _state = new RfidReaderState(false, ex.Message);
                    if (!reportedDown)
                    {
                        var code = ex is FileNotFoundException ? SensorFaultCodes.Missing : SensorFaultCodes.IoError;
                        await writer.WriteAsync(Fault(code, $"{ex.Message}; retrying after {delay.TotalSeconds:0.#} s, backing off to every {MaxReopenDelay.TotalSeconds:0} s."), cancellationToken);
                        reportedDown = true;
                    }
                    await Task.Delay(delay, timeProvider, cancellationToken);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReopenDelay.Ticks));
                    continue;
                }

                reportedDown = false;
                _state = new RfidReaderState(true, $"reading {devicePath}");
                var opened = timeProvider.GetTimestamp();
                string ended;
                using (fd)
                {
                    ended = await Task.Factory.StartNew(
                        () => RunSession(fd, debouncer, writer, cancellationToken),
                        cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                }
                _state = new RfidReaderState(false, ended);
                await writer.WriteAsync(Fault(SensorFaultCodes.Missing, $"{devicePath}: {ended}; reopening."), cancellationToken);
                reportedDown = true;
                // A device that keeps closing right after it opens (a wrong path, a flapping USB
                // port) backs off like one that cannot be opened; one that ran a while starts over.
                delay = timeProvider.GetElapsedTime(opened) > StableSession
                    ? reopenDelay
                    : TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReopenDelay.Ticks));
                await Task.Delay(delay, timeProvider, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            _state = new RfidReaderState(false, "stopped");
            writer.TryComplete();
        }
    }

    // Runs on its own thread: blocking reads, woken by cancellation. Returns why the device closed.
    private string RunSession(UnixFd fd, TagDebouncer debouncer, ChannelWriter<SensorEvent> writer, CancellationToken cancellationToken)
    {
        try
        {
            using var reader = new FdPollReader(fd);
            ReadUntilClosed(reader, debouncer, writer, cancellationToken);
            return "end of file (device closed)";
        }
        catch (IOException ex)
        {
            return ex.HResult == LibC.ENODEV ? "device removed (ENODEV)" : ex.Message;
        }
    }

    private void ReadUntilClosed(FdPollReader reader, TagDebouncer debouncer, ChannelWriter<SensorEvent> writer, CancellationToken cancellationToken)
    {
        var framer = newFramer();
        var buffer = new byte[4096];
        var reads = new List<RawTagRead>();
        while (true)
        {
            var n = reader.Read(buffer, cancellationToken);
            if (n == 0) return;

            reads.Clear();
            framer.Push(buffer.AsSpan(0, n), reads);
            foreach (var read in reads)
            {
                var e = Interpret(read, debouncer);
                if (e is not null) writer.WriteAsync(e, cancellationToken).AsTask().GetAwaiter().GetResult();
            }
        }
    }

    private SensorEvent? Interpret(RawTagRead read, TagDebouncer debouncer)
    {
        var now = NowMs();
        if (!RfidTagValue.TryInterpret(read, out var value, out var error))
            return new SensorFault(sensor.Id, Quantity.Tag, now, SensorFaultCodes.Malformed, error);
        return debouncer.ShouldReport(value, now) ? new TagObservation(sensor.Id, now, value) : null;
    }

    private SensorFault Fault(string code, string detail) => new(sensor.Id, Quantity.Tag, NowMs(), code, detail);

    private long NowMs() => timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
}
