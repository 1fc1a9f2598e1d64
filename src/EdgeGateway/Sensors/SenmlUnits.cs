namespace EdgeGateway.Sensors;

/// <summary>SenML units (RFC 8428 §12.1) per quantity.</summary>
public static class SenmlUnits
{
    /// <summary>Degrees Celsius.</summary>
    public const string Celsius = "Cel";
    /// <summary>Percent relative humidity.</summary>
    public const string RelativeHumidity = "%RH";
    /// <summary>Pascal.</summary>
    public const string Pascal = "Pa";

    /// <summary>The unit a quantity's values are reported in; empty for tags.</summary>
    public static string For(Quantity quantity) => quantity switch
    {
        Quantity.Temperature => Celsius,
        Quantity.Humidity => RelativeHumidity,
        Quantity.Pressure => Pascal,
        Quantity.Tag => "",
        _ => throw new ArgumentOutOfRangeException(nameof(quantity), quantity, "Unknown quantity."),
    };
}
