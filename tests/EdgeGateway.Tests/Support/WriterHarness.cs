using System.Collections.Concurrent;
using System.Threading.Channels;
using EdgeGateway.Alarms;
using EdgeGateway.Log;
using EdgeGateway.Sensors;
using EdgeGateway.Storage;
using Firmware.Contracts.Notes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Tests.Support;

/// <summary>A <see cref="LogWriter"/> running on a real data folder, fed through its channel.</summary>
public sealed class WriterHarness : IAsyncDisposable
{
    private readonly EcdsaNoteSigner _signer;
    private readonly Task _run;

    private WriterHarness(GatewayFolder folder, EcdsaNoteSigner signer, DeviceLog log, LogWriter writer, Channel<LogInput> channel, IEnumerable<SensorEvent> queued)
    {
        foreach (var e in queued)
        {
            if (!channel.Writer.TryWrite(LogInput.From(e)))
            {
                throw new InvalidOperationException("the harness channel is full");
            }
        }
        Folder = folder;
        _signer = signer;
        Log = log;
        Writer = writer;
        Channel = channel;
        writer.Committed += c => Commits.Enqueue(c);
        writer.CheckpointSealed += c => Sealed.Enqueue(c.Size);
        _run = Task.Run(() => writer.RunAsync(channel.Reader, CancellationToken.None));
    }

    /// <summary>Small batches committed quickly, sealed only at the end.</summary>
    public static LogWriterOptions Fast { get; } = new()
    {
        BatchMaxEvents = 1000,
        BatchMaxDelay = TimeSpan.FromMilliseconds(5),
        SealInterval = TimeSpan.FromHours(1),
        SealMaxLeaves = 1000,
    };

    public GatewayFolder Folder { get; }

    /// <summary>The writer's run: completes when it stops, faults when it fails.</summary>
    public Task Running => _run;

    public DeviceLog Log { get; }

    public LogWriter Writer { get; }

    public Channel<LogInput> Channel { get; }

    public ConcurrentQueue<CommitResult> Commits { get; } = new();

    public ConcurrentQueue<long> Sealed { get; } = new();

    /// <summary>The highest sequence acknowledged so far, or −1.</summary>
    public long Acknowledged => Commits.IsEmpty ? -1 : Commits.Max(c => c.Last);

    public static WriterHarness Start(GatewayFolder folder, LogWriterOptions options, TimeProvider clock, params AlarmRule[] rules) =>
        Start(folder, options, clock, [], rules);

    /// <summary>Starts a writer that finds <paramref name="queued"/> already in its channel, as after a burst.</summary>
    public static WriterHarness Start(GatewayFolder folder, LogWriterOptions options, TimeProvider clock, IEnumerable<SensorEvent> queued, params AlarmRule[] rules) =>
        Start(folder, options, clock, queued, NullLogger<LogWriter>.Instance, rules);

    /// <summary>The same, logging to <paramref name="logger"/>.</summary>
    public static WriterHarness Start(GatewayFolder folder, LogWriterOptions options, TimeProvider clock, IEnumerable<SensorEvent> queued,
        ILogger<LogWriter> logger, params AlarmRule[] rules)
    {
        var signer = folder.LoadSigner();
        var log = folder.OpenLog(signer, CryptographicSaltSource.Instance);
        var writer = new LogWriter(log, new LeafDrafts(folder.DeviceId, id => id.StartsWith("sim/chiller-1/", StringComparison.Ordinal) ? "chiller-1" : null),
            new AlarmEngine(rules), options, clock, TimeProvider.System, logger);
        var channel = System.Threading.Channels.Channel.CreateBounded<LogInput>(new BoundedChannelOptions(100_000) { SingleReader = true });
        return new WriterHarness(folder, signer, log, writer, channel, queued);
    }

    /// <summary>Starts a writer that corrects readings with <paramref name="calibrations"/> before its alarm rules judge them.</summary>
    public static WriterHarness StartCalibrated(GatewayFolder folder, LogWriterOptions options, CalibratedReadings calibrations, params AlarmRule[] rules)
    {
        var signer = folder.LoadSigner();
        var log = folder.OpenLog(signer, CryptographicSaltSource.Instance);
        var writer = new LogWriter(log, new LeafDrafts(folder.DeviceId, id => id.StartsWith("sim/chiller-1/", StringComparison.Ordinal) ? "chiller-1" : null),
            new AlarmEngine(rules), options, TimeProvider.System, TimeProvider.System, NullLogger<LogWriter>.Instance, calibrations);
        var channel = System.Threading.Channels.Channel.CreateBounded<LogInput>(new BoundedChannelOptions(100_000) { SingleReader = true });
        return new WriterHarness(folder, signer, log, writer, channel, []);
    }

    public ValueTask PostAsync(SensorEvent e) => Channel.Writer.WriteAsync(LogInput.From(e));

    public async Task PostAllAsync(IEnumerable<SensorEvent> events)
    {
        foreach (var e in events)
        {
            await PostAsync(e);
        }
    }

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds, polling.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }
            await Task.Delay(10);
        }
    }

    public Task WaitForAcknowledgedAsync(long seq) => WaitUntilAsync(() => Acknowledged >= seq, $"leaf {seq} to be acknowledged");

    /// <summary>Stops the writer the normal way (no more input) and waits for its final commit and seal.</summary>
    public async Task StopAsync()
    {
        Channel.Writer.TryComplete();
        await _run.WaitAsync(TimeSpan.FromSeconds(30));
        Log.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_run.IsCompleted)
        {
            await StopAsync();
        }
        _signer.Dispose();
    }
}
