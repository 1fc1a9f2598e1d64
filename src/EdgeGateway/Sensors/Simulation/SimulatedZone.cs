namespace EdgeGateway.Sensors.Simulation;

/// <summary>What a zone stores.</summary>
public enum ZoneKind
{
    /// <summary>Chilled, 2–8 °C.</summary>
    Chiller,
    /// <summary>Frozen, −25 to −18 °C.</summary>
    Freezer,
    /// <summary>Ambient, 15–25 °C.</summary>
    Ambient,
}

/// <summary>A temperature-controlled zone and the range its goods must stay in.</summary>
public sealed record SimulatedZone(string Name, ZoneKind Kind, double MinCelsius, double MaxCelsius, double SetpointCelsius);
