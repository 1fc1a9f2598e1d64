using System.Text.Json;
using Firmware.Contracts.Readings;

namespace Firmware.Contracts.Mqtt;

/// <summary>One quantity read from a zigbee2mqtt device message.</summary>
public sealed record Zigbee2MqttValue(string Quantity, double Value, string Unit);

/// <summary>
/// zigbee2mqtt device messages (<c>zigbee2mqtt/&lt;friendly name&gt;</c>, a flat JSON object such as
/// <c>{"temperature":4.2,"humidity":81,"battery":97,"linkquality":120}</c>). Temperature is °C,
/// humidity %RH and pressure hPa in zigbee2mqtt's exposes; pressure is converted to Pa.
/// Other fields (battery, link quality, …) are not readings and are ignored.
/// </summary>
public static class Zigbee2MqttPayload
{
    /// <summary>The largest message accepted, in bytes.</summary>
    public const int MaxBytes = 8 * 1024;

    /// <summary>Failure code: not a JSON object, or a reading field is not a finite number.</summary>
    public const string MalformedCode = "zigbee2mqtt";

    /// <summary>Failure code: the message is over <see cref="MaxBytes"/> bytes.</summary>
    public const string TooLargeCode = "zigbee2mqtt-too-large";

    /// <summary>Failure code: a valid message without temperature, humidity or pressure (e.g. only battery).</summary>
    public const string NoReadingsCode = "zigbee2mqtt-no-readings";

    /// <summary>The readings in a message; fails when it is not a JSON object or has none.</summary>
    public static Result<IReadOnlyList<Zigbee2MqttValue>> Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length == 0)
        {
            return Result<IReadOnlyList<Zigbee2MqttValue>>.Fail(MalformedCode, "the message is empty");
        }
        if (json.Length > MaxBytes)
        {
            return Result<IReadOnlyList<Zigbee2MqttValue>>.Fail(TooLargeCode, $"a message is at most {MaxBytes} bytes, got {json.Length}");
        }
        try
        {
            using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Result<IReadOnlyList<Zigbee2MqttValue>>.Fail(MalformedCode, "a zigbee2mqtt message is a JSON object");
            }
            var values = new List<Zigbee2MqttValue>();
            foreach (var field in document.RootElement.EnumerateObject())
            {
                var mapped = field.Name switch
                {
                    "temperature" => (Senml.Temperature, Senml.Celsius, 1.0),
                    "humidity" => (Senml.Humidity, Senml.RelativeHumidity, 1.0),
                    "pressure" => (Senml.Pressure, Senml.Pascal, 100.0),
                    _ => default((string, string, double)?),
                };
                if (mapped is not { } m)
                {
                    continue;
                }
                if (field.Value.ValueKind != JsonValueKind.Number || !field.Value.TryGetDouble(out var v) || !double.IsFinite(v))
                {
                    return Result<IReadOnlyList<Zigbee2MqttValue>>.Fail(MalformedCode, $"'{field.Name}' must be a finite number");
                }
                values.Add(new Zigbee2MqttValue(m.Item1, v * m.Item3, m.Item2));
            }
            return values.Count == 0
                ? Result<IReadOnlyList<Zigbee2MqttValue>>.Fail(NoReadingsCode, "the message has no temperature, humidity or pressure")
                : Result<IReadOnlyList<Zigbee2MqttValue>>.Ok(values);
        }
        catch (JsonException e)
        {
            return Result<IReadOnlyList<Zigbee2MqttValue>>.Fail(MalformedCode, $"not valid JSON: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            // .NET cannot read a string escape that is not text (an unpaired UTF-16 surrogate, \ud800).
            return Result<IReadOnlyList<Zigbee2MqttValue>>.Fail(MalformedCode, $"a field name is not text (an unpaired surrogate escape): {e.Message}");
        }
    }
}
