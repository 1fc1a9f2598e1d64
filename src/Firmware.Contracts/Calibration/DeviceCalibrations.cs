using System.Text.Json;
using System.Text.Json.Serialization;
using Firmware.Contracts.Ledger;

namespace Firmware.Contracts.Calibration;

/// <summary>
/// <c>GET /v1/devices/{device}/calibrations</c>: per sensor of the device, its calibrations on the
/// ledger and the status of the one in force. Gateways keep the last answer and correct their
/// readings with it before judging alarms (docs/gateway.md).
/// </summary>
/// <param name="DeviceId">The device.</param>
/// <param name="AsOfMs">The node's clock when it answered (the status is as of then).</param>
/// <param name="LedgerSize">The ledger size the answer was read at.</param>
/// <param name="DueSoonDays">How many days before its due date a calibration is <c>due-soon</c>.</param>
/// <param name="Sensors">Each sensor, by id (ordinal).</param>
public sealed record DeviceCalibrations(
    [property: JsonPropertyName("deviceId")] string DeviceId,
    [property: JsonPropertyName("asOfMs")] long AsOfMs,
    [property: JsonPropertyName("ledgerSize")] long LedgerSize,
    [property: JsonPropertyName("dueSoonDays")] int DueSoonDays,
    [property: JsonPropertyName("sensors")] IReadOnlyList<SensorCalibrations> Sensors)
{
    /// <summary>The path of the list of a device's calibrations.</summary>
    public static string Path(string deviceId) => $"/v1/devices/{Uri.EscapeDataString(deviceId)}/calibrations";
}

/// <summary>One sensor's calibrations.</summary>
/// <param name="SensorId">The sensor id, as in leaves.</param>
/// <param name="Quantity">What it measures.</param>
/// <param name="Unit">The SenML unit of its readings and corrections.</param>
/// <param name="Status"><c>current</c>, <c>due-soon</c>, <c>overdue</c> or <c>missing</c> (<see cref="CalibrationStatus"/>).</param>
/// <param name="InForce">The ledger index of the calibration in force, or null.</param>
/// <param name="Calibrations">Every calibration of the sensor, by ledger index: a reading is corrected by the one in force at its time.</param>
public sealed record SensorCalibrations(
    [property: JsonPropertyName("sensorId")] string SensorId,
    [property: JsonPropertyName("quantity")] string Quantity,
    [property: JsonPropertyName("unit")] string Unit,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("inForce")] long? InForce,
    [property: JsonPropertyName("calibrations")] IReadOnlyList<CalibrationView> Calibrations);

/// <summary>A calibration as the API shows it.</summary>
/// <param name="LedgerIndex">Its <c>calibrate</c> entry.</param>
/// <param name="Offset">The offset, when it is one.</param>
/// <param name="Points">The two (raw, reference) points, when it is a two-point correction.</param>
/// <param name="Certificate">The certificate id.</param>
/// <param name="Laboratory">The laboratory.</param>
/// <param name="CalibratedMs">When it was calibrated (it applies from then on).</param>
/// <param name="DueMs">When the next calibration is due.</param>
/// <param name="SignedBy">The operator member that signed it.</param>
public sealed record CalibrationView(
    [property: JsonPropertyName("ledgerIndex")] long LedgerIndex,
    [property: JsonPropertyName("offset")] decimal? Offset,
    [property: JsonPropertyName("points")] IReadOnlyList<CalibrationPoint>? Points,
    [property: JsonPropertyName("certificate")] string Certificate,
    [property: JsonPropertyName("laboratory")] string Laboratory,
    [property: JsonPropertyName("calibratedMs")] long CalibratedMs,
    [property: JsonPropertyName("dueMs")] long DueMs,
    [property: JsonPropertyName("signedBy")] string SignedBy)
{
    /// <summary>The view of a ledger calibration.</summary>
    public static CalibrationView Of(CalibrationRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var s = record.Statement;
        return s.Correction switch
        {
            SensorCorrection.Offset o => new(record.Index, o.Value, null, s.Certificate, s.Laboratory, s.CalibratedMs, s.DueMs, record.SignedBy),
            SensorCorrection.TwoPoint p => new(record.Index, null, [new(p.Raw1, p.Reference1), new(p.Raw2, p.Reference2)], s.Certificate, s.Laboratory, s.CalibratedMs, s.DueMs, record.SignedBy),
            _ => throw new ArgumentException("unknown correction", nameof(record)),
        };
    }

    /// <summary>The correction it states, or why it is not one (a gateway reads this from the node).</summary>
    public Result<SensorCorrection> Correction() =>
        SensorCorrection.FromFields(
            Offset is { } o && CanonicalValues.IsWritable(o) ? CanonicalValues.Decimal(o) : Offset is null ? null : "?",
            Points?.Select(p => CanonicalValues.IsWritable(p.Raw) && CanonicalValues.IsWritable(p.Reference) ? $"{CanonicalValues.Decimal(p.Raw)} {CanonicalValues.Decimal(p.Reference)}" : "?").ToList() ?? []);
}

/// <summary>A (raw, reference) point of a two-point correction.</summary>
/// <param name="Raw">What the sensor read.</param>
/// <param name="Reference">What the reference read.</param>
public sealed record CalibrationPoint(
    [property: JsonPropertyName("raw")] decimal Raw,
    [property: JsonPropertyName("reference")] decimal Reference);

/// <summary>The status of a sensor's calibration at a time.</summary>
public static class CalibrationStatus
{
    /// <summary>In force and not due within the warning period.</summary>
    public const string Current = "current";

    /// <summary>In force, due within the warning period.</summary>
    public const string DueSoon = "due-soon";

    /// <summary>In force, but its due date has passed.</summary>
    public const string Overdue = "overdue";

    /// <summary>No calibration in force (none on record, or none yet at that time).</summary>
    public const string Missing = "missing";

    /// <summary>The default warning period, in days.</summary>
    public const int DefaultDueSoonDays = 30;

    /// <summary>The status of <paramref name="inForce"/> at <paramref name="nowMs"/>.</summary>
    public static string Of(CalibrationRecord? inForce, long nowMs, int dueSoonDays) =>
        inForce is null ? Missing
        : nowMs >= inForce.Statement.DueMs ? Overdue
        : nowMs >= inForce.Statement.DueMs - (dueSoonDays * 86_400_000L) ? DueSoon
        : Current;
}

/// <summary>JSON of the calibration list without reflection.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(DeviceCalibrations))]
public sealed partial class CalibrationJsonContext : JsonSerializerContext;
