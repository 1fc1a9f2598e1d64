namespace EdgeGateway.Sensors.Simulation;

/// <summary>A scripted compressor failure: the zone warms towards <see cref="PeakCelsius"/> and recovers after it ends.</summary>
/// <param name="StartOffset">Time after the simulation's start when the compressor stops.</param>
/// <param name="Duration">How long it stays off.</param>
/// <param name="PeakCelsius">Air temperature reached when it restarts.</param>
/// <param name="Zone">The zone it happens in.</param>
public sealed record CompressorFailure(TimeSpan StartOffset, TimeSpan Duration, double PeakCelsius = 12.0, string Zone = SimulatedWarehouse.ChillerZone);

/// <summary>Settings of a <see cref="SimulatedWarehouse"/>. Same options, same events.</summary>
public sealed record SimulatedWarehouseOptions
{
    /// <summary>Seed of every random choice.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Simulated start, Unix ms UTC. Default 2026-01-01T06:00:00Z.</summary>
    public long StartTimeMs { get; init; } = 1_767_247_200_000;

    /// <summary>Temperature/humidity sensors in each of the three zones (3 × 17 = 51 for a 50-sensor warehouse).</summary>
    public int SensorsPerZone { get; init; } = 2;

    /// <summary>Time between readings of one sensor.</summary>
    public TimeSpan LoggingInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The chiller's compressor failure; null for none. Default: 2 h after start, for 45 min.</summary>
    public CompressorFailure? CompressorFailure { get; init; } = new(TimeSpan.FromHours(2), TimeSpan.FromMinutes(45));

    /// <summary>Pallets that arrive during the run.</summary>
    public int PalletCount { get; init; } = 12;

    /// <summary>Mean time between pallet arrivals at the dock door.</summary>
    public TimeSpan PalletArrivalSpacing { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>How often a zone reader re-reads the pallets stored in its zone; zero for never.</summary>
    public TimeSpan InventoryInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Chance that a reading is a fault instead (codes as real drivers give them); 0 by default.</summary>
    public double SensorFaultProbability { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(SensorsPerZone, nameof(SensorsPerZone));
        ArgumentOutOfRangeException.ThrowIfLessThan(LoggingInterval, TimeSpan.FromSeconds(1), nameof(LoggingInterval));
        ArgumentOutOfRangeException.ThrowIfNegative(PalletCount, nameof(PalletCount));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PalletArrivalSpacing, TimeSpan.Zero, nameof(PalletArrivalSpacing));
        ArgumentOutOfRangeException.ThrowIfLessThan(InventoryInterval, TimeSpan.Zero, nameof(InventoryInterval));
        if (SensorFaultProbability is < 0 or > 1 || double.IsNaN(SensorFaultProbability))
            throw new ArgumentOutOfRangeException(nameof(SensorFaultProbability), SensorFaultProbability, "A probability is between 0 and 1.");
        if (CompressorFailure is { } f)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(f.StartOffset, TimeSpan.Zero, nameof(CompressorFailure));
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(f.Duration, TimeSpan.Zero, nameof(CompressorFailure));
        }
    }
}
