using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace EdgeGateway.Sensors;

/// <summary>
/// Reads a set of <see cref="IPolledSensor"/>s at a fixed interval. Each sensor has its own loop,
/// so a slow one (a DHT22 retrying, a DS18B20's 750 ms conversion) never delays the others; the
/// first read is immediate, later ones follow a <see cref="PeriodicTimer"/> on the given clock,
/// which skips missed ticks instead of bunching reads up after a stall.
/// </summary>
public sealed class PollingSensorSource : ISensorSource
{
    private readonly IReadOnlyList<IPolledSensor> _sensors;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _timeProvider;

    /// <param name="sensors">The devices to read.</param>
    /// <param name="interval">Time between reads of one device.</param>
    /// <param name="timeProvider">Clock for ticks and timestamps.</param>
    /// <param name="name">Name of the source for status output.</param>
    public PollingSensorSource(IEnumerable<IPolledSensor> sensors, TimeSpan interval, TimeProvider timeProvider, string name = "sysfs")
    {
        ArgumentNullException.ThrowIfNull(sensors);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        _sensors = sensors.ToList();
        _interval = interval;
        _timeProvider = timeProvider;
        Name = name;
        Sensors = _sensors.SelectMany(s => s.Channels).ToList();
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public IReadOnlyList<SensorInfo> Sensors { get; }

    /// <inheritdoc/>
    public async IAsyncEnumerable<SensorEvent> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Bounded so that a stalled consumer holds the pollers back instead of growing memory.
        var channel = Channel.CreateBounded<SensorEvent>(new BoundedChannelOptions(Math.Max(64, Sensors.Count * 4))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var loops = _sensors.Select(s => PollLoopAsync(s, channel.Writer, stop.Token)).ToArray();
        try
        {
            await foreach (var e in channel.Reader.ReadAllAsync(cancellationToken))
                yield return e;
        }
        finally
        {
            await stop.CancelAsync();
            try { await Task.WhenAll(loops); }
            catch (OperationCanceledException) { }
        }
    }

    private async Task PollLoopAsync(IPolledSensor sensor, ChannelWriter<SensorEvent> writer, CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var timer = new PeriodicTimer(_interval, _timeProvider);
        do
        {
            foreach (var e in await ReadGuardedAsync(sensor, cancellationToken))
                await writer.WriteAsync(e, cancellationToken);
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    // Sensors report failures as faults; an exception here is a defect in a sensor, and it still
    // must not stop the loop or lose the channels' slots.
    private async ValueTask<IReadOnlyList<SensorEvent>> ReadGuardedAsync(IPolledSensor sensor, CancellationToken cancellationToken)
    {
        try
        {
            return await sensor.ReadOnceAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
            return sensor.Channels
                .Select(c => (SensorEvent)new SensorFault(c.Id, c.Quantity, now, SensorFaultCodes.IoError,
                    $"Reading failed unexpectedly: {ex.GetType().Name}: {ex.Message}"))
                .ToList();
        }
    }
}
