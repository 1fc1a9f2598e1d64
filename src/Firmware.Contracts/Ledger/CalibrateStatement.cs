using Firmware.Contracts.Readings;

namespace Firmware.Contracts.Ledger;

/// <summary>
/// A sensor's calibration, signed by an operator member (docs/spec-ledger.md §3.1, <c>calibrate</c>):
/// <c>device</c>, <c>sensor</c>, <c>unit</c>, then either <c>offset &lt;decimal&gt;</c> or two
/// <c>point &lt;raw&gt; &lt;reference&gt;</c> lines, <c>certificate</c>, <c>laboratory</c>,
/// <c>calibrated</c> and <c>due</c> (Unix ms, due after calibrated).
/// </summary>
public sealed record CalibrateStatement
{
    /// <summary>The longest certificate id.</summary>
    public const int MaxCertificateLength = 128;

    /// <summary>The longest laboratory name.</summary>
    public const int MaxLaboratoryLength = 200;

    /// <summary>The device.</summary>
    public required string DeviceId { get; init; }

    /// <summary>The sensor id, as its enrolment lists it.</summary>
    public required string SensorId { get; init; }

    /// <summary>The SenML unit of the sensor's quantity (<c>Cel</c>, <c>%RH</c>, <c>Pa</c>): the unit of the correction and of the readings it applies to.</summary>
    public required string Unit { get; init; }

    /// <summary>The correction.</summary>
    public required SensorCorrection Correction { get; init; }

    /// <summary>The calibration certificate's id.</summary>
    public required string Certificate { get; init; }

    /// <summary>The laboratory that issued it.</summary>
    public required string Laboratory { get; init; }

    /// <summary>When the sensor was calibrated (Unix ms): the correction applies to readings from then on.</summary>
    public required long CalibratedMs { get; init; }

    /// <summary>When the next calibration is due (Unix ms); after <see cref="CalibratedMs"/>.</summary>
    public required long DueMs { get; init; }

    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody()
    {
        yield return new EntryField("device", DeviceId);
        yield return new EntryField("sensor", SensorId);
        yield return new EntryField("unit", Unit);
        foreach (var field in Correction.ToFields())
        {
            yield return field;
        }
        yield return new EntryField("certificate", Certificate);
        yield return new EntryField("laboratory", Laboratory);
        yield return EntryField.Number("calibrated", CalibratedMs);
        yield return EntryField.Number("due", DueMs);
    }

    /// <summary>Checks the fields (the same checks as parsing), e.g. before signing.</summary>
    public Result Check()
    {
        if (!LedgerNames.IsValidDeviceId(DeviceId))
        {
            return Result.Fail("entry-field", $"calibrate statement: device id '{DeviceId}' is not valid");
        }
        if (!LedgerNames.IsValidSensorId(SensorId))
        {
            return Result.Fail("entry-field", $"calibrate statement: sensor id '{SensorId}' is not valid");
        }
        if (!Senml.IsKnownUnit(Unit))
        {
            return Result.Fail("entry-field", $"calibrate statement: unit '{Unit}' is not one of Cel, %RH, Pa");
        }
        if (Correction.Check() is { } problem)
        {
            return Result.Fail("entry-field", $"calibrate statement: {problem}");
        }
        if (FieldReader.TextProblem(Certificate, MaxCertificateLength) is { } certificate)
        {
            return Result.Fail("entry-field", $"calibrate statement: certificate {certificate}");
        }
        if (FieldReader.TextProblem(Laboratory, MaxLaboratoryLength) is { } laboratory)
        {
            return Result.Fail("entry-field", $"calibrate statement: laboratory {laboratory}");
        }
        if (CalibratedMs < 0 || DueMs <= CalibratedMs)
        {
            return Result.Fail("entry-field", $"calibrate statement: due ({DueMs}) must come after calibrated ({CalibratedMs})");
        }
        return Result.Ok;
    }

    /// <summary>Reads the body of a <see cref="EntryKinds.Calibrate"/> statement.</summary>
    public static Result<CalibrateStatement> From(Statement statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        return FromBody(statement.Body);
    }

    /// <summary>Reads body lines (as <see cref="ToBody"/> writes them).</summary>
    public static Result<CalibrateStatement> FromBody(IReadOnlyList<EntryField> body)
    {
        var reader = new FieldReader(body, "calibrate statement");
        var device = reader.Required("device");
        var sensor = reader.Required("sensor");
        var unit = reader.Required("unit");
        var offset = reader.Optional("offset");
        var points = reader.Repeated("point", 2);
        var certificate = reader.RequiredText("certificate", MaxCertificateLength);
        var laboratory = reader.RequiredText("laboratory", MaxLaboratoryLength);
        var calibrated = reader.RequiredNumber("calibrated");
        var due = reader.RequiredNumber("due");
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var correction = SensorCorrection.FromFields(offset, points);
        if (!correction.Succeeded)
        {
            return Result<CalibrateStatement>.Fail("entry-field", $"calibrate statement: {correction.Failure!.Message}");
        }
        var calibrate = new CalibrateStatement
        {
            DeviceId = device, SensorId = sensor, Unit = unit, Correction = correction.Value,
            Certificate = certificate, Laboratory = laboratory, CalibratedMs = calibrated, DueMs = due,
        };
        var check = calibrate.Check();
        return check.Succeeded ? calibrate : check.Failure!;
    }
}

/// <summary>A <c>calibrate</c> entry as the ledger state holds it.</summary>
/// <param name="Index">Its ledger index.</param>
/// <param name="SignedBy">The operator member that signed it.</param>
/// <param name="Statement">What it says.</param>
public sealed record CalibrationRecord(long Index, string SignedBy, CalibrateStatement Statement)
{
    /// <summary>One line, for comparing replicas.</summary>
    public string Describe() =>
        $"calibration {Index} {Statement.DeviceId} {Statement.SensorId} by {SignedBy}: {string.Join("; ", Statement.ToBody())}";

    /// <summary>
    /// The calibration in force at <paramref name="timeMs"/> among <paramref name="history"/> (one
    /// sensor's, by ledger index, so by calibration time): the last calibrated at or before it, or null.
    /// </summary>
    public static CalibrationRecord? InForce(IReadOnlyList<CalibrationRecord> history, long timeMs)
    {
        ArgumentNullException.ThrowIfNull(history);
        CalibrationRecord? found = null;
        foreach (var record in history)
        {
            if (record.Statement.CalibratedMs > timeMs)
            {
                break;
            }
            found = record;
        }
        return found;
    }
}
