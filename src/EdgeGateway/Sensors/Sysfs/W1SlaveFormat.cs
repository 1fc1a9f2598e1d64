using System.Globalization;

namespace EdgeGateway.Sensors.Sysfs;

/// <summary>
/// The w1_therm <c>w1_slave</c> attribute: two lines, each the nine scratchpad bytes in hex, the
/// first ending <c>: crc=XX YES</c> or <c>NO</c>, the second <c>t=</c> and the temperature in m°C:
/// <code>
/// 72 01 4b 46 7f ff 0e 10 57 : crc=57 YES
/// 72 01 4b 46 7f ff 0e 10 57 t=23125
/// </code>
/// </summary>
internal static class W1SlaveFormat
{
    // The DS18B20 temperature register holds +85 °C after power-on until a conversion completes
    // (datasheet, "Power-on reset value"); a read that returns it means the conversion did not run,
    // typically a brown-out in parasite power or a too-weak pull-up.
    private const double PowerOnResetMilliCelsius = 85_000;

    public static ChannelRead Parse(string path, string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length < 2)
            return ChannelRead.Fault(SensorFaultCodes.Malformed, $"{path} should have two lines (scratchpad with CRC verdict, then t=); got '{Short(text)}'.");

        var crcAt = lines[0].IndexOf("crc=", StringComparison.Ordinal);
        if (crcAt < 0)
            return ChannelRead.Fault(SensorFaultCodes.Malformed, $"{path} first line has no crc= verdict: '{Short(lines[0])}'.");
        var verdict = lines[0][crcAt..];
        if (verdict.EndsWith(" NO", StringComparison.Ordinal))
            return ChannelRead.Fault(SensorFaultCodes.Crc, $"{path}: scratchpad CRC check failed ({verdict}); noise on the 1-Wire line, check the 4.7 kΩ pull-up and the cable.");
        if (!verdict.EndsWith(" YES", StringComparison.Ordinal))
            return ChannelRead.Fault(SensorFaultCodes.Malformed, $"{path} CRC verdict is neither YES nor NO: '{Short(verdict)}'.");

        // All nine bytes zero passes the CRC (CRC-8 of zeros is zero) but a DS18B20's configuration
        // byte always has its low five bits set, so this is a sensor that did not drive the bus.
        var scratchpad = lines[0][..crcAt].Replace(":", "", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (scratchpad.Length == 9 && scratchpad.All(b => b == "00"))
            return ChannelRead.Fault(SensorFaultCodes.IoError, $"{path}: scratchpad is all zeros; the sensor did not answer (check its data wire and power).");

        var tAt = lines[1].IndexOf("t=", StringComparison.Ordinal);
        if (tAt < 0 || !int.TryParse(lines[1].AsSpan(tAt + 2).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var milli))
            return ChannelRead.Fault(SensorFaultCodes.Malformed, $"{path} second line has no t=<millidegrees>: '{Short(lines[1])}'.");
        return FromMilliCelsius(milli);
    }

    public static ChannelRead FromMilliCelsius(double milli) =>
        milli == PowerOnResetMilliCelsius
            ? ChannelRead.Fault(SensorFaultCodes.PowerOnReset, "Read 85.000 °C, the DS18B20 power-on reset value: the conversion did not run (power or pull-up problem), not a temperature.")
            : new ChannelRead(milli / 1000.0);

    private static string Short(string s)
    {
        var t = s.Trim().ReplaceLineEndings("\\n");
        return t.Length <= 64 ? t : t[..64] + "…";
    }
}
