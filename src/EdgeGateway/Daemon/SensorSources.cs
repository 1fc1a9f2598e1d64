using EdgeGateway.Board;
using EdgeGateway.Configuration;
using EdgeGateway.Sensors;
using EdgeGateway.Sensors.Bindings;
using EdgeGateway.Sensors.Rfid;
using EdgeGateway.Sensors.Simulation;
using EdgeGateway.Sensors.Sysfs;

namespace EdgeGateway.Daemon;

/// <summary>The sources <c>run</c> reads, and the notes discovery made on the way (skipped devices).</summary>
public sealed record SensorSetup(IReadOnlyList<ISensorSource> Sources, IReadOnlyList<string> Notes);

/// <summary>Chooses the sensor sources for <c>run</c>: the simulated warehouse, or the board's sensors.</summary>
public static class SensorSources
{
    /// <summary>
    /// The gateway clock for a run: the system clock, or for a simulation one that starts now and
    /// runs <paramref name="speed"/> times faster (readings, sealing and waits all follow it).
    /// </summary>
    public static TimeProvider Clock(bool simulated, double speed) =>
        simulated ? new ScaledTimeProvider(TimeProvider.System, TimeProvider.System.GetUtcNow(), speed) : TimeProvider.System;

    /// <summary>
    /// The clock of a simulated history that ends now: it starts at <paramref name="startMs"/> (in the
    /// past) and runs <paramref name="speed"/> times faster until it reaches the real time, then follows it.
    /// </summary>
    public static ScaledTimeProvider CatchUpClock(long startMs, double speed) =>
        new(TimeProvider.System, DateTimeOffset.FromUnixTimeMilliseconds(startMs), speed, catchUp: true);

    /// <summary>
    /// The simulated warehouse of <paramref name="config"/> played on a catching-up <paramref name="clock"/>:
    /// its scenario starts at <paramref name="scenarioStartMs"/> and events at or before
    /// <paramref name="resumeAfterMs"/> (the last reading of an earlier run) are not played again.
    /// </summary>
    public static SensorSetup SimulatedHistory(GatewayConfig config, int seed, ScaledTimeProvider clock, long scenarioStartMs, long resumeAfterMs)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(clock);
        var warehouse = new SimulatedWarehouse(Options(config, seed, scenarioStartMs));
        return new SensorSetup([new SimulatedSensorSource(warehouse, ms => clock.RealDelayUntil(DateTimeOffset.FromUnixTimeMilliseconds(ms)), TimeProvider.System, resumeAfterMs)], []);
    }

    /// <summary>The simulated warehouse of <paramref name="config"/>, played on <paramref name="clock"/>.</summary>
    public static SensorSetup Simulated(GatewayConfig config, int seed, ScaledTimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(clock);
        // The warehouse starts where the gateway clock starts, so readings and checkpoints agree.
        var warehouse = new SimulatedWarehouse(Options(config, seed, clock.GetUtcNow().ToUnixTimeMilliseconds()));
        return new SensorSetup([new SimulatedSensorSource(warehouse, clock.Speed, TimeProvider.System)], []);
    }

    private static SimulatedWarehouseOptions Options(GatewayConfig config, int seed, long startMs) =>
        new()
        {
            Seed = seed,
            StartTimeMs = startMs,
            SensorsPerZone = config.Simulation.SensorsPerZone,
            LoggingInterval = config.Simulation.LoggingInterval,
            SensorFaultProbability = config.Simulation.SensorFaultProbability,
            PalletCount = config.Simulation.PalletCount,
            PalletArrivalSpacing = config.Simulation.PalletSpacing,
            CompressorFailure = config.Simulation.CompressorFailure,
        };

    /// <summary>
    /// The board's sensors: kernel drivers under the sysfs root, the configured user-space sensors
    /// on <paramref name="buses"/>, and the configured RFID readers.
    /// </summary>
    public static async Task<SensorSetup> DiscoverAsync(GatewayConfig config, IBoardBuses buses, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        var sources = new List<ISensorSource>();
        var notes = new List<string>();
        var discovery = new SysfsSensorDiscovery(new SysfsDiscoveryOptions
        {
            Root = config.Sensors.SysfsRoot,
            PollInterval = config.Sensors.PollInterval,
            Zones = config.Sensors.Zones,
        }, FileSysfsReader.Instance, clock);
        var found = await discovery.DiscoverAsync(cancellationToken);
        notes.AddRange(found.Skipped.Select(s => $"skipped {s.Path}: {s.Reason}"));
        if (found.Sensors.Count > 0)
        {
            sources.Add(new PollingSensorSource(found.Sensors, config.Sensors.PollInterval, clock));
        }
        var devices = BindingSensors(config, buses, clock);
        if (devices.Count > 0)
        {
            sources.Add(new PollingSensorSource(devices, config.Sensors.PollInterval, clock, "bindings"));
        }
        foreach (var reader in config.Sensors.Rfid)
        {
            sources.Add(reader.Type switch
            {
                RfidReaderType.Evdev => new EvdevRfidReader(new EvdevRfidOptions(reader.Device) { SensorId = reader.SensorId, Zone = reader.Zone }, clock),
                RfidReaderType.Mfrc522 or RfidReaderType.Pn532 => new HfRfidReader(reader.Hf!, buses, clock),
                _ => new SerialRfidReader(new SerialRfidOptions(reader.Device) { SensorId = reader.SensorId, Zone = reader.Zone, BaudRate = reader.BaudRate }, clock),
            });
        }
        return new SensorSetup(sources, notes);
    }

    /// <summary>The user-space sensors <paramref name="config"/> names (<c>sensors.devices</c>), on <paramref name="buses"/>.</summary>
    public static IReadOnlyList<BindingSensor> BindingSensors(GatewayConfig config, IBoardBuses buses, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Sensors.Devices
            .Select(d => BindingSensor.Create(d, buses, config.Sensors.PollInterval, PlausibilityLimits.Default, clock, config.Sensors.Zones.GetValueOrDefault(d.Id)))
            .ToList();
    }
}
