using System.Runtime.CompilerServices;

namespace EdgeGateway.Sensors.Simulation;

/// <summary>
/// Plays a <see cref="SimulatedWarehouse"/> against a clock, <paramref name="speed"/> times faster
/// than real time: with speed 60 one simulated hour passes per real minute. Events keep their
/// simulated timestamps; an event is released when the real time elapsed since
/// <see cref="ReadAsync"/> began reaches its simulated offset divided by the speed.
/// </summary>
/// <param name="warehouse">What to play.</param>
/// <param name="speed">Speed factor, greater than zero.</param>
/// <param name="timeProvider">The real clock.</param>
public sealed class SimulatedSensorSource(SimulatedWarehouse warehouse, double speed, TimeProvider timeProvider) : ISensorSource
{
    private readonly Func<long, TimeSpan>? _delayUntil;
    private readonly long _resumeAfterMs = long.MinValue;

    /// <summary>
    /// Plays <paramref name="warehouse"/> paced by <paramref name="delayUntil"/> (the real time until the
    /// gateway clock shows a simulated time), skipping the events at or before <paramref name="resumeAfterMs"/>
    /// (a rerun continues after its last reading).
    /// </summary>
    public SimulatedSensorSource(SimulatedWarehouse warehouse, Func<long, TimeSpan> delayUntil, TimeProvider timeProvider, long resumeAfterMs)
        : this(warehouse, 1, timeProvider)
    {
        _delayUntil = delayUntil ?? throw new ArgumentNullException(nameof(delayUntil));
        _resumeAfterMs = resumeAfterMs;
    }

    private readonly SimulatedWarehouse _warehouse = warehouse ?? throw new ArgumentNullException(nameof(warehouse));
    private readonly double _speed = double.IsFinite(speed) && speed > 0
        ? speed
        : throw new ArgumentOutOfRangeException(nameof(speed), speed, "Speed is a finite factor greater than zero (60 = one simulated hour per minute).");
    private readonly TimeProvider _timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));

    /// <inheritdoc/>
    public string Name => "simulated-warehouse";

    /// <inheritdoc/>
    public IReadOnlyList<SensorInfo> Sensors => _warehouse.Sensors;

    /// <summary>The speed factor.</summary>
    public double Speed => _speed;

    /// <inheritdoc/>
    public async IAsyncEnumerable<SensorEvent> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var realStart = _timeProvider.GetTimestamp();
        var simStart = _warehouse.Options.StartTimeMs;
        foreach (var e in _warehouse.Generate())
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (e.TimeMs <= _resumeAfterMs)
            {
                continue;
            }
            var wait = _delayUntil is { } delayUntil
                ? delayUntil(e.TimeMs)
                : TimeSpan.FromMilliseconds((e.TimeMs - simStart) / _speed) - _timeProvider.GetElapsedTime(realStart);
            // Timers fire at millisecond granularity; rounding up keeps every event at or after its due time.
            if (wait > TimeSpan.Zero)
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(wait.TotalMilliseconds)), _timeProvider, cancellationToken);
            yield return e;
        }
    }
}
