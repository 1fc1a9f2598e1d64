using System.Globalization;
using System.Text.Json;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Tests.Ledger;

namespace Firmware.Contracts.Tests.Spec;

/// <summary>
/// docs/vectors/calibration.json (spec-ledger §3.6): corrections of raw readings (offset, two-point,
/// rounding to six places with halves away from zero) and a sensor's calibration history (which one
/// is in force at a reading's time). The expected values come from
/// docs/vectors/make-calibration-vectors.py, which computes them with exact fractions in Python.
/// </summary>
public sealed class CalibrationVectorsTests
{
    private static readonly JsonElement Vectors = JsonDocument.Parse(File.ReadAllText(Path.Combine(SpecPaths.Vectors, "calibration.json"))).RootElement;

    public static TheoryData<int> Corrections() => [.. Enumerable.Range(0, Vectors.GetProperty("corrections").GetArrayLength())];

    [Theory]
    [MemberData(nameof(Corrections))]
    public void Correction_GivesTheVectorsValue(int i)
    {
        var vector = Vectors.GetProperty("corrections")[i];
        var correction = Read(vector.GetProperty("correction"));
        var raw = vector.GetProperty("raw").GetDouble();
        var expected = vector.GetProperty("corrected").GetString()!;
        Assert.Equal(expected, correction.CorrectedText(raw));
        Assert.Equal(double.Parse(expected, CultureInfo.InvariantCulture), correction.Apply(raw));
    }

    [Fact]
    public void History_AppliesTheCalibrationInForceAtEachReadingsTime()
    {
        var history = Vectors.GetProperty("history");
        var records = history.GetProperty("calibrations").EnumerateArray().Select(c => new CalibrationRecord(
            c.GetProperty("index").GetInt64(), "warehouse", new CalibrateStatement
            {
                DeviceId = "gw-01", SensorId = "t1", Unit = "Cel", Correction = Read(c.GetProperty("correction")),
                Certificate = "C-1", Laboratory = "Lab", CalibratedMs = c.GetProperty("calibrated").GetInt64(), DueMs = c.GetProperty("due").GetInt64(),
            })).ToList();
        foreach (var reading in history.GetProperty("readings").EnumerateArray())
        {
            var time = reading.GetProperty("time").GetInt64();
            var inForce = CalibrationRecord.InForce(records, time);
            if (reading.GetProperty("calibration").ValueKind == JsonValueKind.Null)
            {
                Assert.Null(inForce);
                continue;
            }
            Assert.NotNull(inForce);
            Assert.Equal(reading.GetProperty("calibration").GetInt64(), inForce.Index);
            Assert.Equal(reading.GetProperty("corrected").GetString(), inForce.Statement.Correction.CorrectedText(reading.GetProperty("raw").GetDouble()));
            Assert.Equal(reading.GetProperty("overdue").GetBoolean(), time >= inForce.Statement.DueMs);
        }
    }

    private static SensorCorrection Read(JsonElement correction)
    {
        if (correction.TryGetProperty("offset", out var offset))
        {
            return TestLedger.Ok(SensorCorrection.FromFields(offset.GetString(), []));
        }
        var points = correction.GetProperty("points").EnumerateArray().Select(p => $"{p[0].GetString()} {p[1].GetString()}").ToList();
        return TestLedger.Ok(SensorCorrection.FromFields(null, points));
    }
}
