namespace EdgeGateway.Sensors;

/// <summary>The stable fault codes a <see cref="SensorFault"/> carries.</summary>
public static class SensorFaultCodes
{
    /// <summary>The device reported a checksum failure (1-Wire "crc=.. NO").</summary>
    public const string Crc = "crc";
    /// <summary>DS18B20 power-on reset value 85 °C: the conversion never ran.</summary>
    public const string PowerOnReset = "power-on-reset";
    /// <summary>The kernel returned an I/O error (EIO, EREMOTEIO, ENXIO, ...).</summary>
    public const string IoError = "io-error";
    /// <summary>The device did not answer in time (ETIMEDOUT).</summary>
    public const string Timeout = "timeout";
    /// <summary>A value outside the physically plausible range.</summary>
    public const string Implausible = "implausible";
    /// <summary>The device or its file is gone (unplugged, driver unloaded).</summary>
    public const string Missing = "missing";
    /// <summary>The device answered with something that could not be parsed.</summary>
    public const string Malformed = "malformed";

    /// <summary>Faults that a second read within the same poll often does not repeat: worth a retry.</summary>
    public static IReadOnlySet<string> Transient { get; } = new HashSet<string>(StringComparer.Ordinal) { IoError, Timeout, Crc, PowerOnReset };
}
