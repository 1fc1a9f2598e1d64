using EdgeGateway.Board;

namespace EdgeGateway.Sensors.Bindings;

/// <summary>
/// A sensor read from user space through an Iot.Device.Bindings driver (<see cref="BindingDevice"/>),
/// for boards without the device-tree overlay of its kernel driver. Every poll yields one event per
/// channel with the same fault codes as the sysfs path: a bus that does not exist is
/// <c>missing</c>, a transfer that fails <c>io-error</c>, a sensor that stays busy <c>timeout</c>, a
/// failed CRC <c>crc</c>, a value outside the plausible range <c>implausible</c>. Transient faults
/// are retried within the poll as the kernel path retries them.
/// </summary>
public sealed class BindingSensor : IPolledSensor, IDisposable
{
    /// <summary>The lowest temperature of a platinum resistance thermometer's range (IEC 60751).</summary>
    public const double PlatinumProbeMinCelsius = -200;

    private readonly BindingDevice _device;
    private readonly IBoardBuses _buses;
    private readonly SensorReadPolicy _policy;
    private readonly PlausibilityLimits _limits;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _gate = new();
    private bool _open;

    internal BindingSensor(BindingSensorOptions options, BindingDevice device, IBoardBuses buses, SensorReadPolicy policy,
        PlausibilityLimits limits, TimeProvider timeProvider, string? zone)
    {
        Options = options;
        _device = device;
        _buses = buses;
        _policy = policy.Validate();
        _limits = limits;
        _timeProvider = timeProvider;
        var kind = BindingSensorOptions.NameOf(options.Binding);
        Channels = BindingSensorOptions.QuantitiesOf(options.Binding)
            .Select(q => new SensorInfo(options.Id, kind, q, SenmlUnits.For(q), zone))
            .ToList();
    }

    /// <summary>What the sensor is and where it is attached.</summary>
    public BindingSensorOptions Options { get; }

    /// <summary>Stable id, e.g. <c>i2c/sht3x/1-0044</c>.</summary>
    public string Id => Options.Id;

    /// <summary>The binding's name, e.g. <c>sht3x</c>.</summary>
    public string Kind => BindingSensorOptions.NameOf(Options.Binding);

    /// <summary>Where it is attached, for people: <c>I2C bus 1 address 0x44</c>.</summary>
    public string Attachment => BindingSensorOptions.BusOf(Options.Binding) switch
    {
        BindingBus.I2c => $"I2C bus {Options.Bus} address 0x{Options.Address:x2}",
        BindingBus.Spi => $"SPI bus {Options.Bus} chip select {Options.ChipSelect}",
        _ => $"GPIO{Options.Pin}",
    };

    /// <summary>How failed reads are retried.</summary>
    public SensorReadPolicy Policy => _policy;

    /// <inheritdoc/>
    public IReadOnlyList<SensorInfo> Channels { get; }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<SensorEvent>> ReadOnceAsync(CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            IReadOnlyList<ChannelRead> reads;
            try
            {
                // The drivers block (conversion sleeps); keep them off the poll loop.
                reads = await Task.Run(ReadDevice, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                var (code, detail) = Classify(ex);
                reads = Channels.Select(_ => ChannelRead.Fault(code, detail)).ToList();
            }

            var transient = reads.Any(r => r.FaultCode is { } c && SensorFaultCodes.Transient.Contains(c));
            if (transient && _policy.AllowsRetry(attempt, _timeProvider.GetElapsedTime(started)))
            {
                await Task.Delay(_policy.DelayAfter(attempt), _timeProvider, cancellationToken);
                continue;
            }
            var attempts = attempt == 1 ? "" : $" ({attempt} attempts)";
            var now = _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();
            return Channels.Select((channel, i) => reads[i].FaultCode is { } code
                    ? new SensorFault(channel.Id, channel.Quantity, now, code, $"{Kind} at {Attachment}: {reads[i].FaultDetail}{attempts}")
                    : _limits.Classify(channel, now, reads[i].Value))
                .ToList();
        }
    }

    private IReadOnlyList<ChannelRead> ReadDevice()
    {
        lock (_gate)
        {
            try
            {
                if (!_open)
                {
                    _device.Open(_buses);
                    _open = true;
                }
                var reads = _device.Read();
                if (reads.Count != Channels.Count)
                    throw new InvalidOperationException($"the {Kind} device returned {reads.Count} values for {Channels.Count} channels");
                return reads;
            }
            catch
            {
                // Set up afresh on the next try: the part may have lost power or been replugged.
                CloseDevice();
                throw;
            }
        }
    }

    private static (string Code, string Detail) Classify(Exception exception) => exception switch
    {
        FileNotFoundException or DirectoryNotFoundException => (SensorFaultCodes.Missing, exception.Message),
        TimeoutException => (SensorFaultCodes.Timeout, exception.Message),
        UnauthorizedAccessException => (SensorFaultCodes.IoError, $"{exception.Message}; the service user needs the i2c, spi or gpio group"),
        IOException => (SensorFaultCodes.IoError, exception.Message),
        // The drivers say "not my part" with a plain Exception (MCP9808's ids) or an IOException (BMx280's chip id).
        _ => (SensorFaultCodes.IoError, $"{exception.GetType().Name}: {exception.Message}"),
    };

    private void CloseDevice()
    {
        try
        {
            _device.Dispose();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            // Closing a device that failed; nothing more to learn from it.
        }
        _open = false;
    }

    /// <summary>Closes the device.</summary>
    public void Dispose()
    {
        lock (_gate) CloseDevice();
    }

    /// <summary>The sensor for <paramref name="options"/> on <paramref name="buses"/>, polled every <paramref name="pollInterval"/>.</summary>
    public static BindingSensor Create(BindingSensorOptions options, IBoardBuses buses, TimeSpan pollInterval, PlausibilityLimits limits,
        TimeProvider timeProvider, string? zone = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(limits);
        var policy = (options.Binding == SensorBinding.Dht22 ? SensorReadPolicy.Dht : SensorReadPolicy.I2c) with { Budget = pollInterval / 2 };
        return new BindingSensor(options, BindingDevice.For(options), buses, policy, LimitsFor(options.Binding, limits), timeProvider, options.Zone ?? zone);
    }

    /// <summary>
    /// The plausible ranges of a part: a platinum probe on a MAX31865 reads down to −200 °C
    /// (IEC 60751's range, and the reason it is in −80 °C freezers), below the −60 °C that is
    /// implausible for the other parts.
    /// </summary>
    public static PlausibilityLimits LimitsFor(SensorBinding binding, PlausibilityLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        return binding == SensorBinding.Max31865
            ? limits with { MinTemperatureCelsius = Math.Min(limits.MinTemperatureCelsius, PlatinumProbeMinCelsius) }
            : limits;
    }
}
