using System.Buffers;
using System.Text.Json;

namespace Firmware.Contracts.Mqtt;

/// <summary>
/// Writes the MQTT payloads with a <see cref="Utf8JsonWriter"/>: the same bytes as
/// <see cref="MqttJsonContext"/> gives (field order, names, nulls left out), without the serializer.
/// </summary>
/// <remarks>
/// A gateway publishes these many times a minute on a board with little memory; the serializer's
/// machinery costs it more than a megabyte of JIT-compiled code for four small objects. Subscribers
/// read them with <see cref="MqttJsonContext"/>.
/// </remarks>
public static class MqttPayloadWriter
{
    /// <summary>A <see cref="GatewayStatus"/>.</summary>
    public static byte[] Write(GatewayStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return Write(status, static (w, s) =>
        {
            w.WriteString("state", s.State);
            Number(w, "time", s.TimeMs);
            String(w, "reason", s.Reason);
            Number(w, "logSize", s.LogSize);
            Number(w, "committedSize", s.CommittedSize);
        });
    }

    /// <summary>A <see cref="ZoneAlarmState"/>.</summary>
    public static byte[] Write(ZoneAlarmState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Write(state, static (w, s) =>
        {
            w.WriteString("zone", s.Zone);
            w.WriteStartArray("active");
            foreach (var alarm in s.Active)
            {
                w.WriteStartObject();
                w.WriteString("rule", alarm.Rule);
                w.WriteNumber("since", alarm.SinceMs);
                Number(w, "value", alarm.Value);
                String(w, "unit", alarm.Unit);
                String(w, "sensor", alarm.Sensor);
                String(w, "severity", alarm.Severity);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("time", s.TimeMs);
        });
    }

    /// <summary>An <see cref="AlarmEvent"/>.</summary>
    public static byte[] Write(AlarmEvent alarm)
    {
        ArgumentNullException.ThrowIfNull(alarm);
        return Write(alarm, static (w, a) =>
        {
            w.WriteString("zone", a.Zone);
            w.WriteString("rule", a.Rule);
            w.WriteString("state", a.State);
            w.WriteNumber("time", a.TimeMs);
            String(w, "sensor", a.Sensor);
            Number(w, "value", a.Value);
            String(w, "unit", a.Unit);
            w.WriteNumber("seq", a.Sequence);
            String(w, "severity", a.Severity);
        });
    }

    /// <summary>A <see cref="ProgressEvent"/>.</summary>
    public static byte[] Write(ProgressEvent progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        return Write(progress, static (w, p) =>
        {
            w.WriteString("event", p.Event);
            w.WriteNumber("size", p.Size);
            w.WriteString("root", p.Root);
            Number(w, "ledgerIndex", p.LedgerIndex);
            w.WriteNumber("time", p.TimeMs);
        });
    }

    private static byte[] Write<T>(T value, Action<Utf8JsonWriter, T> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer, value);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void String(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void Number(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
    }

    private static void Number(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
    }
}
