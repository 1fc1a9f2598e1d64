using Firmware.Contracts.Ledger;
using static Firmware.Contracts.Tests.TestKeys;

namespace Firmware.Contracts.Tests.Ledger;

public class CalibrateRuleTests
{
    private static string Code<T>(Result<T> result) => result.Failure?.Code ?? "ok";

    private static CalibrateStatement Calibration(string sensor = "t1", string unit = "Cel", long calibrated = 1_000, long due = 9_000, SensorCorrection? correction = null) => new()
    {
        DeviceId = "gw-01", SensorId = sensor, Unit = unit, Correction = correction ?? new SensorCorrection.Offset(-0.3m),
        Certificate = "DKD-K-12345-2026-07", Laboratory = "Shanghai Institute of Measurement", CalibratedMs = calibrated, DueMs = due,
    };

    private static (TestLedger Ledger, TestDevice Device) Enrolled()
    {
        var ledger = new TestLedger().WithGenesis();
        var device = new TestDevice("gw-01", BetaPem);
        ledger.Enrol(device);
        return (ledger, device);
    }

    [Fact]
    public void Calibrate_ByAnOperator_IsRecorded_AndTheStateMapListsIt()
    {
        var (ledger, _) = Enrolled();
        TestLedger.Ok(ledger.Append(ledger.Signed(EntryKinds.Calibrate, Calibration().ToBody(), ledger.Warehouse)));
        var index = ledger.State.Size - 1;
        var record = Assert.Single(ledger.State.Calibrations("gw-01", "t1"));
        Assert.Equal(index, record.Index);
        Assert.Equal("warehouse", record.SignedBy);
        Assert.Equal(Calibration(), record.Statement);
        var entry = Assert.Single(LedgerStateMap.Entries(ledger.State), e => e.Key == "calibration/gw-01/t1");
        Assert.Equal($"entry {index}\n", entry.Value);
    }

    [Fact]
    public void Calibrate_ALaterOne_Supersedes_AnEarlierOrEqualTime_IsRefused()
    {
        var (ledger, _) = Enrolled();
        TestLedger.Ok(ledger.Append(ledger.Signed(EntryKinds.Calibrate, Calibration(calibrated: 5_000, due: 9_000).ToBody(), ledger.Warehouse)));
        var first = ledger.State.Size - 1;
        var refused = ledger.Append(ledger.Signed(EntryKinds.Calibrate, Calibration(calibrated: 5_000, due: 20_000).ToBody(), ledger.Warehouse));
        Assert.Equal(LedgerFailures.TimeOrder, Code(refused));
        Assert.Equal(first, refused.Failure!.LedgerIndex);
        TestLedger.Ok(ledger.Append(ledger.Signed(EntryKinds.Calibrate, Calibration(calibrated: 6_000, due: 20_000, correction: new SensorCorrection.TwoPoint(0, 0.1m, 40, 39.8m)).ToBody(), ledger.Warehouse)));
        var history = ledger.State.Calibrations("gw-01", "t1");
        Assert.Equal(2, history.Count);
        Assert.Equal(first, CalibrationRecord.InForce(history, 5_999)!.Index);
        Assert.Equal(first + 1, CalibrationRecord.InForce(history, 6_000)!.Index);
        Assert.Null(CalibrationRecord.InForce(history, 4_999));
        Assert.Equal($"entry {first}\nentry {first + 1}\n", LedgerStateMap.Entries(ledger.State).Single(e => e.Key == "calibration/gw-01/t1").Value);
    }

    [Fact]
    public void Calibrate_Refusals()
    {
        var (ledger, device) = Enrolled();
        Assert.Equal(LedgerFailures.RoleRequired, Code(ledger.Append(ledger.Signed(EntryKinds.Calibrate, Calibration().ToBody(), ledger.Bank))));
        Assert.Equal(LedgerFailures.UnknownSensor, Code(ledger.Append(ledger.Signed(EntryKinds.Calibrate, Calibration(sensor: "t9").ToBody(), ledger.Warehouse))));
        Assert.Equal(LedgerFailures.EntryField, Code(ledger.Append(ledger.Signed(EntryKinds.Calibrate, Calibration(unit: "%RH").ToBody(), ledger.Warehouse))));
        Assert.Equal(LedgerFailures.EntryField, Code(ledger.Append(ledger.Signed(EntryKinds.Calibrate, Calibration(due: 1_000).ToBody(), ledger.Warehouse))));
        var unknown = Calibration() with { DeviceId = "gw-99" };
        Assert.Equal(LedgerFailures.UnknownDevice, Code(ledger.Append(ledger.Signed(EntryKinds.Calibrate, unknown.ToBody(), ledger.Warehouse))));
        Assert.Empty(ledger.State.Calibrations());
        TestLedger.Ok(ledger.Append(ledger.Signed(EntryKinds.Revoke, new RevokeStatement(device.Id, 1, null).ToBody(), ledger.Warehouse)));
        Assert.Equal(LedgerFailures.RevokedDevice, Code(ledger.Append(ledger.Signed(EntryKinds.Calibrate, Calibration().ToBody(), ledger.Warehouse))));
    }

    [Theory]
    [InlineData("offset -0.3\npoint 0 0.1\npoint 40 39.8", "either one 'offset' line or two 'point' lines")]
    [InlineData("point 0 0.1", "either one 'offset' line or two 'point' lines")]
    [InlineData("point 5 0.1\npoint 5 39.8", "same raw value")]
    [InlineData("offset -0.30", "is not a decimal")]
    [InlineData("point 0 0.1 2\npoint 40 39.8", "'<raw decimal> <reference decimal>'")]
    public void Calibrate_MalformedCorrection_IsRefused(string correction, string message)
    {
        var (ledger, _) = Enrolled();
        var body = Calibration().ToBody().ToList();
        body.RemoveAll(f => f.Key == "offset");
        body.InsertRange(3, correction.Split('\n').Select(l => EntryField.ParseLine(l)!.Value));
        var result = ledger.Append(ledger.Signed(EntryKinds.Calibrate, body, ledger.Warehouse));
        Assert.Equal(LedgerFailures.EntryField, Code(result));
        Assert.Contains(message, result.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Statement_RoundTripsThroughItsBody()
    {
        var statement = Calibration(correction: new SensorCorrection.TwoPoint(-20, -19.5m, 25, 25.25m));
        Assert.Equal(
            "device gw-01\nsensor t1\nunit Cel\npoint -20 -19.5\npoint 25 25.25\ncertificate DKD-K-12345-2026-07\nlaboratory Shanghai Institute of Measurement\ncalibrated 1000\ndue 9000",
            string.Join('\n', statement.ToBody()));
        Assert.Equal(statement, TestLedger.Ok(CalibrateStatement.FromBody(statement.ToBody().ToList())));
    }
}
