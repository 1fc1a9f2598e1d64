namespace EdgeGateway.Sensors.Sysfs;

/// <summary>
/// A sensor read through a Linux kernel driver's sysfs attributes (hwmon, IIO or w1_therm).
/// Created by <see cref="SysfsSensorDiscovery"/>.
/// </summary>
public sealed class SysfsSensor : IPolledSensor
{
    private static readonly IReadOnlySet<string> RetryableCodes = SensorFaultCodes.Transient;

    private readonly IReadOnlyList<SysfsChannel> _channels;
    private readonly ISysfsReader _reader;
    private readonly SensorReadPolicy _policy;
    private readonly PlausibilityLimits _limits;
    private readonly TimeProvider _timeProvider;

    internal SysfsSensor(string id, string kind, string devicePath, IReadOnlyList<SysfsChannel> channels,
        ISysfsReader reader, SensorReadPolicy policy, PlausibilityLimits limits, TimeProvider timeProvider)
    {
        Id = id;
        Kind = kind;
        DevicePath = devicePath;
        _channels = channels;
        _reader = reader;
        _policy = policy.Validate();
        _limits = limits;
        _timeProvider = timeProvider;
        Channels = channels.Select(c => c.Info).ToList();
    }

    /// <summary>Stable id, e.g. <c>hwmon/sht3x/1-0044</c>.</summary>
    public string Id { get; }

    /// <summary>Driver or part name.</summary>
    public string Kind { get; }

    /// <summary>The sysfs directory the attributes are read from (as found, before resolving links).</summary>
    public string DevicePath { get; }

    /// <summary>How failed reads are retried.</summary>
    public SensorReadPolicy Policy => _policy;

    /// <inheritdoc/>
    public IReadOnlyList<SensorInfo> Channels { get; }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<SensorEvent>> ReadOnceAsync(CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        var events = new List<SensorEvent>(_channels.Count);
        foreach (var channel in _channels)
            events.Add(await ReadChannelAsync(channel, started, cancellationToken));
        return events;
    }

    private async ValueTask<SensorEvent> ReadChannelAsync(SysfsChannel channel, long pollStarted, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            string code, detail;
            try
            {
                var read = await channel.ReadAsync(_reader, cancellationToken);
                if (read.FaultCode is null)
                    return _limits.Classify(channel.Info, NowMs(), read.Value);
                (code, detail) = (read.FaultCode, read.FaultDetail!);
            }
            catch (Exception ex) when (SysfsErrors.Classify(ex) is { } fault)
            {
                (code, detail) = fault;
            }

            if (RetryableCodes.Contains(code) && _policy.AllowsRetry(attempt, _timeProvider.GetElapsedTime(pollStarted)))
            {
                await Task.Delay(_policy.DelayAfter(attempt), _timeProvider, cancellationToken);
                continue;
            }
            var attempts = attempt == 1 ? "" : $" ({attempt} attempts)";
            return new SensorFault(channel.Info.Id, channel.Info.Quantity, NowMs(), code, detail + attempts);
        }
    }

    private long NowMs() => _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
}
