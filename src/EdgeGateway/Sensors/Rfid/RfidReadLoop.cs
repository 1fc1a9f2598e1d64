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
/// An open reader device. Read on a thread of its own: it may block, and cancellation must wake it.
/// </summary>
internal interface IRfidSession : IDisposable
{
    /// <summary>
    /// Waits for the next tag reads and appends them (possibly none); false when the device closed.
    /// Device errors are <see cref="IOException"/>s; cancellation is <see cref="OperationCanceledException"/>.
    /// </summary>
    bool ReadNext(List<RawTagRead> reads, CancellationToken cancellationToken);
}

/// <summary>A session over a byte stream (a tty, an input device): bytes in, tag reads out through a framer.</summary>
internal abstract class ByteStreamSession(ITagFramer framer) : IRfidSession
{
    private readonly byte[] _buffer = new byte[4096];

    public bool ReadNext(List<RawTagRead> reads, CancellationToken cancellationToken)
    {
        var n = Read(_buffer, cancellationToken);
        if (n == 0) return false;
        framer.Push(_buffer.AsSpan(0, n), reads);
        return true;
    }

    /// <summary>Reads what is available, waiting for at least one byte; 0 means end of file / hang-up.</summary>
    protected abstract int Read(byte[] buffer, CancellationToken cancellationToken);

    public abstract void Dispose();
}

/// <summary>
/// The part every RFID reader shares: open the device, read it on a dedicated thread, interpret and
/// debounce tags, and when the device goes away (unplugged, port closed) record one "missing" fault
/// and reopen it with a capped backoff, so a reader that is replugged resumes on its own.
/// </summary>
internal sealed class RfidReadLoop(
    SensorInfo sensor,
    string devicePath,
    Func<IRfidSession> open,
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
                IRfidSession session;
                try
                {
                    session = open();
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    _state = new RfidReaderState(false, ex.Message);
                    if (!reportedDown)
                    {
                        var code = ex is FileNotFoundException or DirectoryNotFoundException ? SensorFaultCodes.Missing : SensorFaultCodes.IoError;
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
                using (session)
                {
                    ended = await Task.Factory.StartNew(
                        () => RunSession(session, debouncer, writer, cancellationToken),
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
    private string RunSession(IRfidSession session, TagDebouncer debouncer, ChannelWriter<SensorEvent> writer, CancellationToken cancellationToken)
    {
        try
        {
            var reads = new List<RawTagRead>();
            while (true)
            {
                reads.Clear();
                if (!session.ReadNext(reads, cancellationToken)) return "end of file (device closed)";
                foreach (var read in reads)
                {
                    var e = Interpret(read, debouncer);
                    if (e is not null) writer.WriteAsync(e, cancellationToken).AsTask().GetAwaiter().GetResult();
                }
            }
        }
        catch (IOException ex)
        {
            return ex.HResult == LibC.ENODEV ? "device removed (ENODEV)" : ex.Message;
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
