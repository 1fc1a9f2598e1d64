namespace Firmware.Contracts.Readings;

/// <summary>What a leaf of a device log records.</summary>
public enum LeafKind
{
    /// <summary>A numeric reading of a sensor ("v", with a SenML unit).</summary>
    Measurement,

    /// <summary>An RFID read: "vs" is a GS1 EPC pure-identity URI, or <c>raw:</c> and the tag's UID.</summary>
    Observation,

    /// <summary>A sensor could not give a good reading: "vs" is the fault code.</summary>
    Fault,

    /// <summary>A zone alarm started or ended: "vs" is <c>start</c> or <c>end</c>.</summary>
    Alarm,

    /// <summary>Something about the gateway itself (start, clock step, disk budget): "vs" is the event code.</summary>
    Event,
}

/// <summary>Wire names of <see cref="LeafKind"/>.</summary>
public static class LeafKinds
{
    /// <summary>The name written in the leaf's <c>kind</c> field.</summary>
    public static string ToWire(this LeafKind kind) => kind switch
    {
        LeafKind.Measurement => "measurement",
        LeafKind.Observation => "observation",
        LeafKind.Fault => "fault",
        LeafKind.Alarm => "alarm",
        LeafKind.Event => "event",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Parses a wire name.</summary>
    public static bool TryParse(string? wire, out LeafKind kind)
    {
        (var ok, kind) = wire switch
        {
            "measurement" => (true, LeafKind.Measurement),
            "observation" => (true, LeafKind.Observation),
            "fault" => (true, LeafKind.Fault),
            "alarm" => (true, LeafKind.Alarm),
            "event" => (true, LeafKind.Event),
            _ => (false, default),
        };
        return ok;
    }
}

/// <summary>The SenML (RFC 8428 §12.1) units and the quantity names EdgeTrace uses.</summary>
public static class Senml
{
    /// <summary>Degrees Celsius.</summary>
    public const string Celsius = "Cel";

    /// <summary>Relative humidity in percent.</summary>
    public const string RelativeHumidity = "%RH";

    /// <summary>Pascal.</summary>
    public const string Pascal = "Pa";

    /// <summary>Quantity name of temperature readings.</summary>
    public const string Temperature = "temperature";

    /// <summary>Quantity name of humidity readings.</summary>
    public const string Humidity = "humidity";

    /// <summary>Quantity name of pressure readings.</summary>
    public const string Pressure = "pressure";

    /// <summary>Quantity name of RFID observations.</summary>
    public const string Epc = "epc";

    /// <summary>The units a v1 leaf may carry.</summary>
    public static bool IsKnownUnit(string unit) => unit is Celsius or RelativeHumidity or Pascal;

    /// <summary>The unit a quantity is measured in, or null for quantities without one.</summary>
    public static string? UnitOf(string quantity) => quantity switch
    {
        Temperature => Celsius,
        Humidity => RelativeHumidity,
        Pressure => Pascal,
        _ => null,
    };
}
