using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Firmware.Contracts.Notes;

namespace Firmware.Contracts.Uplink;

/// <summary>
/// How a gateway is doing, as it reports itself to the node (<see cref="UplinkRoutes.Status"/>):
/// what the node cannot know from uploads alone — the gateway's own log size, its backlog, its
/// sensors and its alarms. Operational, not evidence: the node keeps the latest report per device
/// for the operator's dashboard and never puts it in the ledger.
/// </summary>
/// <param name="DeviceId">The reporting device.</param>
/// <param name="GatewayTimeMs">When the gateway made the report, Unix ms; strictly increasing per device (the node refuses a report not newer than the last one it accepted).</param>
/// <param name="LogSize">Leaves in the gateway's device log.</param>
/// <param name="SealedSize">The size of its last signed checkpoint.</param>
/// <param name="PendingReadings">Leaves not yet sealed into a checkpoint (<c>LogSize − SealedSize</c>).</param>
/// <param name="Sensors">The gateway's sensors and their fault state.</param>
/// <param name="ActiveAlarms">Alarms that have started and not ended.</param>
/// <param name="RecentAlarms">The last alarm starts and ends, newest last.</param>
/// <param name="Version">The gateway software version.</param>
public sealed record GatewayStatusReport(
    [property: JsonPropertyName("deviceId")] string DeviceId,
    [property: JsonPropertyName("gatewayTimeMs")] long GatewayTimeMs,
    [property: JsonPropertyName("logSize")] long LogSize,
    [property: JsonPropertyName("sealedSize")] long SealedSize,
    [property: JsonPropertyName("pendingReadings")] long PendingReadings,
    [property: JsonPropertyName("sensors")] IReadOnlyList<ReportedSensor> Sensors,
    [property: JsonPropertyName("activeAlarms")] IReadOnlyList<ReportedAlarm> ActiveAlarms,
    [property: JsonPropertyName("recentAlarms")] IReadOnlyList<ReportedAlarmEvent> RecentAlarms,
    [property: JsonPropertyName("version")] string Version);

/// <summary>One sensor channel as the gateway last saw it.</summary>
/// <param name="Id">The sensor id, as in leaves.</param>
/// <param name="Quantity">The quantity name (<c>temperature</c>, <c>humidity</c>, <c>pressure</c>, <c>epc</c>).</param>
/// <param name="Zone">Its zone, or null.</param>
/// <param name="LastValueMs">The time of its last good reading, Unix ms, or null when none since the gateway started.</param>
/// <param name="Fault">The fault code of its last reading when that was a fault (see docs/spec.md), else null.</param>
/// <param name="FaultDetail">What the fault said, or null.</param>
/// <param name="FaultSinceMs">Since when it has been faulty, Unix ms, or null.</param>
public sealed record ReportedSensor(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("quantity")] string Quantity,
    [property: JsonPropertyName("zone")] string? Zone,
    [property: JsonPropertyName("lastValueMs")] long? LastValueMs,
    [property: JsonPropertyName("fault")] string? Fault,
    [property: JsonPropertyName("faultDetail")] string? FaultDetail,
    [property: JsonPropertyName("faultSinceMs")] long? FaultSinceMs);

/// <summary>An active alarm.</summary>
/// <param name="Zone">The rule's zone.</param>
/// <param name="Sensor">The sensor whose readings started it.</param>
/// <param name="Rule">The rule id.</param>
/// <param name="Quantity">The rule's quantity, or null when the rule is no longer configured.</param>
/// <param name="Kind"><c>limit</c> or <c>cumulative</c>, or null when the rule is no longer configured.</param>
/// <param name="SinceMs">When it started, Unix ms.</param>
/// <param name="Value">The value that started it, or null.</param>
/// <param name="Unit">Its SenML unit, or null.</param>
public sealed record ReportedAlarm(
    [property: JsonPropertyName("zone")] string Zone,
    [property: JsonPropertyName("sensor")] string Sensor,
    [property: JsonPropertyName("rule")] string Rule,
    [property: JsonPropertyName("quantity")] string? Quantity,
    [property: JsonPropertyName("kind")] string? Kind,
    [property: JsonPropertyName("sinceMs")] long SinceMs,
    [property: JsonPropertyName("value")] double? Value,
    [property: JsonPropertyName("unit")] string? Unit,
    [property: JsonPropertyName("severity")] string? Severity = null);

/// <summary>An alarm start or end, as its alarm leaf records it.</summary>
/// <param name="Zone">The rule's zone.</param>
/// <param name="Sensor">The sensor, or null.</param>
/// <param name="Rule">The rule id.</param>
/// <param name="Event"><c>start</c> or <c>end</c>.</param>
/// <param name="TimeMs">When, Unix ms.</param>
/// <param name="Value">The reading's value, or null.</param>
/// <param name="Unit">Its unit, or null.</param>
/// <param name="Sequence">The alarm leaf's sequence in the device log (the evidence).</param>
/// <param name="Severity"><c>warning</c> or <c>alarm</c>, as the leaf says (null: from a gateway that did not report it, an alarm).</param>
public sealed record ReportedAlarmEvent(
    [property: JsonPropertyName("zone")] string Zone,
    [property: JsonPropertyName("sensor")] string? Sensor,
    [property: JsonPropertyName("rule")] string Rule,
    [property: JsonPropertyName("event")] string Event,
    [property: JsonPropertyName("timeMs")] long TimeMs,
    [property: JsonPropertyName("value")] double? Value,
    [property: JsonPropertyName("unit")] string? Unit,
    [property: JsonPropertyName("sequence")] long Sequence,
    [property: JsonPropertyName("severity")] string? Severity = null);

/// <summary>The node's answer to an accepted status report.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="GatewayTimeMs">The report's time, now the lowest bound for the next one (exclusive).</param>
/// <param name="ReceivedMs">When the node received it, node time, Unix ms.</param>
/// <param name="CommittedSize">How many leaves of the device log the node holds.</param>
public sealed record StatusReceipt(
    [property: JsonPropertyName("deviceId")] string DeviceId,
    [property: JsonPropertyName("gatewayTimeMs")] long GatewayTimeMs,
    [property: JsonPropertyName("receivedMs")] long ReceivedMs,
    [property: JsonPropertyName("committedSize")] long CommittedSize);

/// <summary>
/// A status report on the wire: a C2SP signed note whose text is two lines, <see cref="Header"/> and
/// the report as one line of JSON, signed with the device key (key name
/// <c>edgetrace/device/&lt;id&gt;</c>, as for checkpoints). The header keeps a report from ever
/// being read as a checkpoint, whose first line is the log's origin.
/// </summary>
public static class GatewayStatusNote
{
    /// <summary>The first line of a status note's text.</summary>
    public const string Header = "edgetrace/device-status/v1";

    /// <summary>The most sensors a report may list.</summary>
    public const int MaxSensors = 256;

    /// <summary>The most active alarms a report may list.</summary>
    public const int MaxActiveAlarms = 256;

    /// <summary>The most recent alarm events a report may list.</summary>
    public const int MaxRecentAlarms = 50;

    /// <summary>The report as a note signed by <paramref name="signer"/>.</summary>
    /// <exception cref="ArgumentException">When the report is too large for a note.</exception>
    public static SignedNote Sign(GatewayStatusReport report, INoteSigner signer)
    {
        ArgumentNullException.ThrowIfNull(report);
        // The serializer escapes every control character, so the JSON is one line.
        var json = JsonSerializer.Serialize(report, UplinkJsonContext.Default.GatewayStatusReport);
        var text = $"{Header}\n{json}\n";
        if (Encoding.UTF8.GetByteCount(text) > SignedNote.MaxBytes - 1024)
        {
            throw new ArgumentException($"the report is {Encoding.UTF8.GetByteCount(text)} bytes; a note holds at most {SignedNote.MaxBytes - 1024} besides its signatures", nameof(report));
        }
        return SignedNote.Sign(text, signer);
    }

    /// <summary>
    /// The report a status note carries, checking its form and limits only: nothing in it is to be
    /// trusted until the note's signature was checked against the device's enrolled key.
    /// </summary>
    public static Result<GatewayStatusReport> Read(SignedNote note)
    {
        ArgumentNullException.ThrowIfNull(note);
        var lines = note.Text.Split('\n');
        if (lines.Length != 3 || lines[0] != Header || lines[2].Length != 0)
        {
            return Result<GatewayStatusReport>.Fail(ProblemTypes.MalformedRequest, $"a status note's text is two lines: '{Header}' and the report as one line of JSON");
        }
        GatewayStatusReport? report;
        try
        {
            report = JsonSerializer.Deserialize(lines[1], UplinkJsonContext.Default.GatewayStatusReport);
        }
        catch (JsonException e)
        {
            return Result<GatewayStatusReport>.Fail(ProblemTypes.MalformedRequest, $"the report is not the expected JSON: {e.Message}");
        }
        if (report is null || report.DeviceId is null || report.Sensors is null || report.ActiveAlarms is null || report.RecentAlarms is null || report.Version is null)
        {
            return Result<GatewayStatusReport>.Fail(ProblemTypes.MalformedRequest, "the report needs deviceId, gatewayTimeMs, logSize, sealedSize, pendingReadings, sensors, activeAlarms, recentAlarms and version");
        }
        if (report.LogSize < 0 || report.SealedSize < 0 || report.SealedSize > report.LogSize || report.PendingReadings < 0 || report.GatewayTimeMs <= 0)
        {
            return Result<GatewayStatusReport>.Fail(ProblemTypes.MalformedRequest,
                $"sizes must be 0 ≤ sealedSize ≤ logSize and the time positive (got logSize {report.LogSize}, sealedSize {report.SealedSize}, pendingReadings {report.PendingReadings}, gatewayTimeMs {report.GatewayTimeMs})");
        }
        if (report.Sensors.Count > MaxSensors || report.ActiveAlarms.Count > MaxActiveAlarms || report.RecentAlarms.Count > MaxRecentAlarms)
        {
            return Result<GatewayStatusReport>.Fail(ProblemTypes.TooLarge, $"a report lists at most {MaxSensors} sensors, {MaxActiveAlarms} active alarms and {MaxRecentAlarms} recent alarm events");
        }
        if (report.Sensors.Any(s => s?.Id is null || s.Quantity is null) || report.ActiveAlarms.Any(a => a?.Zone is null || a.Sensor is null || a.Rule is null)
            || report.RecentAlarms.Any(a => a?.Zone is null || a.Rule is null || a.Event is null))
        {
            return Result<GatewayStatusReport>.Fail(ProblemTypes.MalformedRequest, "every sensor needs id and quantity, every alarm zone, sensor and rule, every alarm event zone, rule and event");
        }
        return report;
    }
}
