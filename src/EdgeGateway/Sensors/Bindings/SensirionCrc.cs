namespace EdgeGateway.Sensors.Bindings;

/// <summary>
/// The CRC-8 Sensirion parts append to every 16-bit word (SHT3x datasheet §4.12: polynomial 0x31,
/// initial value 0xFF, no reflection, no final XOR; CRC of 0xBEEF is 0x92).
/// </summary>
internal static class SensirionCrc
{
    public static byte Compute(ReadOnlySpan<byte> data)
    {
        byte crc = 0xFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (var i = 0; i < 8; i++)
                crc = (crc & 0x80) != 0 ? (byte)((crc << 1) ^ 0x31) : (byte)(crc << 1);
        }
        return crc;
    }

    /// <summary>Whether each of the words in <paramref name="frame"/> (2 data bytes and their CRC) checks.</summary>
    public static bool WordOk(ReadOnlySpan<byte> frame, int word) =>
        frame.Length >= 3 * (word + 1) && Compute(frame.Slice(3 * word, 2)) == frame[(3 * word) + 2];
}
