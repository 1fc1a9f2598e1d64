using System.Text;

namespace EdgeGateway.Mqtt;

/// <summary>Checks topic names and filters against MQTT 3.1.1 §4.7 / MQTT 5 §4.7 before they reach the broker.</summary>
internal static class MqttTopic
{
    /// <summary>Longest topic in UTF-8 bytes (a two-byte length prefix on the wire).</summary>
    public const int MaxBytes = 65_535;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Returns why <paramref name="topic"/> cannot be published to, or null if it can.</summary>
    public static string? CheckName(string? topic) => CheckName(topic, out _);

    /// <summary>Returns why <paramref name="topic"/> cannot be published to, or null if it can, and its
    /// length in UTF-8.</summary>
    public static string? CheckName(string? topic, out int utf8Bytes)
    {
        utf8Bytes = 0;
        if (string.IsNullOrEmpty(topic)) return "MQTT topic must not be empty.";
        var common = CheckText(topic, "topic", out utf8Bytes);
        if (common is not null) return common;
        var wildcard = topic.IndexOfAny(['+', '#']);
        if (wildcard >= 0)
        {
            return $"MQTT topic '{topic}' contains the wildcard '{topic[wildcard]}' at position {wildcard}; wildcards are only allowed in subscription filters.";
        }
        return null;
    }

    /// <summary>Returns why <paramref name="filter"/> cannot be subscribed to, or null if it can.</summary>
    public static string? CheckFilter(string? filter)
    {
        if (string.IsNullOrEmpty(filter)) return "MQTT topic filter must not be empty.";
        var common = CheckText(filter, "topic filter", out _);
        if (common is not null) return common;
        var levelStart = 0;
        for (var i = 0; i <= filter.Length; i++)
        {
            if (i < filter.Length && filter[i] != '/') continue;
            var level = filter.AsSpan(levelStart, i - levelStart);
            if (level.Contains('#') && (level.Length != 1 || i != filter.Length))
            {
                return $"MQTT topic filter '{filter}' is invalid: '#' must be a whole level and the last one (e.g. 'site/#').";
            }
            if (level.Contains('+') && level.Length != 1)
            {
                return $"MQTT topic filter '{filter}' is invalid: '+' must be a whole level (e.g. 'site/+/temperature').";
            }
            levelStart = i + 1;
        }
        return null;
    }

    /// <summary>Writes <paramref name="topic"/> as UTF-8 and returns the number of bytes written.</summary>
    public static int WriteUtf8(string topic, Span<byte> destination) => StrictUtf8.GetBytes(topic, destination);

    private static string? CheckText(string text, string what, out int bytes)
    {
        bytes = 0;
        var nul = text.IndexOf('\0', StringComparison.Ordinal);
        if (nul >= 0) return $"MQTT {what} contains a NUL character at position {nul}.";
        try
        {
            bytes = StrictUtf8.GetByteCount(text);
        }
        catch (EncoderFallbackException ex)
        {
            return $"MQTT {what} is not valid Unicode text (unpaired surrogate at position {ex.Index}).";
        }
        return bytes > MaxBytes ? $"MQTT {what} is {bytes} bytes in UTF-8; the maximum is {MaxBytes}." : null;
    }
}
