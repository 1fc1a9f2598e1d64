using System.Text.Json;
using System.Text.Json.Serialization;

namespace Firmware.Contracts.Mqtt;

/// <summary>A gateway's retained status. The Last Will publishes <c>{"state":"offline",…}</c>.</summary>
/// <param name="State"><c>online</c> or <c>offline</c>.</param>
/// <param name="TimeMs">When the gateway published it (its clock), Unix ms; null in the Last Will.</param>
/// <param name="Reason">Why offline: <c>shutdown</c> (clean stop), <c>failed</c> (stopped on a failure) or <c>connection-lost</c> (Last Will).</param>
/// <param name="LogSize">Leaves in the device log, when online.</param>
/// <param name="CommittedSize">Leaves the anchor node has committed, when online.</param>
public sealed record GatewayStatus(
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("time")] long? TimeMs = null,
    [property: JsonPropertyName("reason")] string? Reason = null,
    [property: JsonPropertyName("logSize")] long? LogSize = null,
    [property: JsonPropertyName("committedSize")] long? CommittedSize = null)
{
    /// <summary>The online state.</summary>
    public const string Online = "online";

    /// <summary>The offline state.</summary>
    public const string Offline = "offline";

    /// <summary>Offline reason of a clean stop (SIGTERM, Ctrl-C) after the final commit.</summary>
    public const string ShutdownReason = "shutdown";

    /// <summary>Offline reason of a stop on a failure (the device log failed its check or could not be written).</summary>
    public const string FailedReason = "failed";

    /// <summary>Offline reason the Last Will carries: the gateway vanished without saying goodbye.</summary>
    public const string ConnectionLostReason = "connection-lost";

    /// <summary>The Last Will payload: the broker publishes it when the gateway dies.</summary>
    public static GatewayStatus LastWill => new(Offline, Reason: ConnectionLostReason);
}

/// <summary>One active alarm in a zone: a rule is tracked per sensor, so a rule breached by two sensors is listed twice.</summary>
/// <param name="Rule">The rule id.</param>
/// <param name="SinceMs">When it started (the start leaf's time), Unix ms.</param>
/// <param name="Value">The value that started it.</param>
/// <param name="Unit">Its unit.</param>
/// <param name="Sensor">The sensor whose readings started it; null when the start leaf named none.</param>
/// <param name="Severity"><c>warning</c> or <c>alarm</c> (the gateway always sets it; null, from an older gateway, means alarm).</param>
public sealed record ActiveAlarm(
    [property: JsonPropertyName("rule")] string Rule,
    [property: JsonPropertyName("since")] long SinceMs,
    [property: JsonPropertyName("value")] double? Value,
    [property: JsonPropertyName("unit")] string? Unit,
    [property: JsonPropertyName("sensor")] string? Sensor = null,
    [property: JsonPropertyName("severity")] string? Severity = null);

/// <summary>The retained current alarm state of a zone: empty <see cref="Active"/> means all clear.</summary>
public sealed record ZoneAlarmState(
    [property: JsonPropertyName("zone")] string Zone,
    [property: JsonPropertyName("active")] IReadOnlyList<ActiveAlarm> Active,
    [property: JsonPropertyName("time")] long TimeMs);

/// <summary>
/// An alarm started or ended; <see cref="Sequence"/> is the alarm leaf's place in the device log;
/// <see cref="Severity"/> is <c>warning</c> or <c>alarm</c> (the gateway always sets it).
/// </summary>
public sealed record AlarmEvent(
    [property: JsonPropertyName("zone")] string Zone,
    [property: JsonPropertyName("rule")] string Rule,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("time")] long TimeMs,
    [property: JsonPropertyName("sensor")] string? Sensor,
    [property: JsonPropertyName("value")] double? Value,
    [property: JsonPropertyName("unit")] string? Unit,
    [property: JsonPropertyName("seq")] long Sequence,
    [property: JsonPropertyName("severity")] string? Severity = null);

/// <summary>Progress of the signed log: a checkpoint was sealed, or the node anchored one.</summary>
/// <param name="Event"><c>sealed</c> or <c>anchored</c>.</param>
/// <param name="Size">The checkpoint size.</param>
/// <param name="Root">The root, hex.</param>
/// <param name="LedgerIndex">The anchor entry's ledger index (anchored only).</param>
/// <param name="TimeMs">When, Unix ms.</param>
public sealed record ProgressEvent(
    [property: JsonPropertyName("event")] string Event,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("root")] string Root,
    [property: JsonPropertyName("ledgerIndex")] long? LedgerIndex,
    [property: JsonPropertyName("time")] long TimeMs);

/// <summary>JSON of the MQTT payloads, without reflection.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GatewayStatus))]
[JsonSerializable(typeof(ZoneAlarmState))]
[JsonSerializable(typeof(AlarmEvent))]
[JsonSerializable(typeof(ProgressEvent))]
public sealed partial class MqttJsonContext : JsonSerializerContext;
