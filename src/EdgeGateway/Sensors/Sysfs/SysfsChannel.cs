using System.Globalization;

namespace EdgeGateway.Sensors.Sysfs;

/// <summary>One quantity of a sysfs device and how to turn its attributes into a value.</summary>
internal abstract class SysfsChannel(SensorInfo info)
{
    public SensorInfo Info { get; } = info;

    public abstract ValueTask<ChannelRead> ReadAsync(ISysfsReader reader, CancellationToken cancellationToken);

    protected static bool TryParseNumber(string text, out double value) =>
        double.TryParse(text.AsSpan().Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
            CultureInfo.InvariantCulture, out value);

    protected static ChannelRead NotANumber(string path, string text) =>
        ChannelRead.Fault(SensorFaultCodes.Malformed, $"{path} holds '{Shorten(text)}', not a number.");

    protected static string Shorten(string text)
    {
        var t = text.Trim().ReplaceLineEndings("\\n");
        return t.Length <= 64 ? t : t[..64] + "…";
    }
}

/// <summary>
/// A processed attribute in fixed units: hwmon <c>temp1_input</c> (m°C), <c>humidity1_input</c>
/// (m%RH); IIO <c>in_temp_input</c> (m°C), <c>in_humidityrelative_input</c> (m%RH),
/// <c>in_pressure_input</c> (kPa).
/// </summary>
internal sealed class InputChannel(SensorInfo info, string path, double toSenml) : SysfsChannel(info)
{
    public string Path { get; } = path;

    public override async ValueTask<ChannelRead> ReadAsync(ISysfsReader reader, CancellationToken cancellationToken)
    {
        var text = await reader.ReadTextAsync(Path, cancellationToken);
        return TryParseNumber(text, out var v) ? new ChannelRead(v * toSenml) : NotANumber(Path, text);
    }
}

/// <summary>
/// An IIO channel exposed as <c>_raw</c> with optional <c>_offset</c> and <c>_scale</c>: per the IIO
/// sysfs ABI the value in the channel's base unit is (raw + offset) × scale.
/// </summary>
internal sealed class RawChannel(SensorInfo info, string rawPath, string? offsetPath, string? scalePath, double toSenml) : SysfsChannel(info)
{
    public override async ValueTask<ChannelRead> ReadAsync(ISysfsReader reader, CancellationToken cancellationToken)
    {
        var rawText = await reader.ReadTextAsync(rawPath, cancellationToken);
        if (!TryParseNumber(rawText, out var raw)) return NotANumber(rawPath, rawText);
        var offset = 0.0;
        if (offsetPath is not null)
        {
            var t = await reader.ReadTextAsync(offsetPath, cancellationToken);
            if (!TryParseNumber(t, out offset)) return NotANumber(offsetPath, t);
        }
        var scale = 1.0;
        if (scalePath is not null)
        {
            var t = await reader.ReadTextAsync(scalePath, cancellationToken);
            if (!TryParseNumber(t, out scale)) return NotANumber(scalePath, t);
        }
        return new ChannelRead((raw + offset) * scale * toSenml);
    }
}

/// <summary>
/// A w1_therm temperature, from <c>w1_slave</c> (which shows the scratchpad and the CRC verdict)
/// or, on kernels that have it and no w1_slave, the plain <c>temperature</c> attribute (m°C).
/// </summary>
internal sealed class W1ThermChannel(SensorInfo info, string path, bool isW1Slave) : SysfsChannel(info)
{
    public override async ValueTask<ChannelRead> ReadAsync(ISysfsReader reader, CancellationToken cancellationToken)
    {
        var text = await reader.ReadTextAsync(path, cancellationToken);
        if (isW1Slave) return W1SlaveFormat.Parse(path, text);
        if (!TryParseNumber(text, out var milli)) return NotANumber(path, text);
        return W1SlaveFormat.FromMilliCelsius(milli);
    }
}
