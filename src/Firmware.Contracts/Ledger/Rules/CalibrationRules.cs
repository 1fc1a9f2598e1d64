using Firmware.Contracts.Readings;

namespace Firmware.Contracts.Ledger.Rules;

/// <summary>
/// A sensor's calibration, signed by an operator member: the device's enrolment in force lists the
/// sensor with a quantity measured in the statement's unit, and the calibration is later than the
/// sensor's previous one, which it supersedes from its own calibration time on.
/// </summary>
internal sealed class CalibrateRule : IEntryRule
{
    public string Kind => EntryKinds.Calibrate;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var statement = StatementEntries.Read(entry, state);
        if (!statement.Succeeded)
        {
            return statement.Failure!;
        }
        var calibrate = CalibrateStatement.From(statement.Value);
        if (!calibrate.Succeeded)
        {
            return calibrate.Failure!;
        }
        var signers = StatementEntries.Signers(entry, state, signatures, MemberRoles.Operator);
        if (!signers.Succeeded)
        {
            return signers.Failure!;
        }
        var c = calibrate.Value;
        var device = state.Device(c.DeviceId);
        if (device is null)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.UnknownDevice, $"device '{c.DeviceId}' was never enrolled");
        }
        if (!device.IsActive)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.RevokedDevice, $"the enrolment of '{device.DeviceId}' was revoked at ledger index {device.RevocationIndex}");
        }
        var sensor = device.Sensors.FirstOrDefault(s => s.SensorId == c.SensorId);
        if (sensor is null || Senml.UnitOf(sensor.Quantity) is not { } unit)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.UnknownSensor, sensor is null
                ? $"the enrolment of '{device.DeviceId}' (ledger index {device.EnrolmentIndex}) lists no sensor '{c.SensorId}'"
                : $"sensor '{c.SensorId}' of '{device.DeviceId}' measures {sensor.Quantity}, which has no unit to calibrate");
        }
        if (unit != c.Unit)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.EntryField, $"sensor '{c.SensorId}' measures {sensor.Quantity} in {unit}, not {c.Unit}");
        }
        var previous = state.Calibrations(c.DeviceId, c.SensorId);
        if (previous.Count > 0 && previous[^1].Statement.CalibratedMs >= c.CalibratedMs)
        {
            return new Failure(LedgerFailures.TimeOrder,
                $"sensor '{c.SensorId}' of '{c.DeviceId}' was calibrated at {previous[^1].Statement.CalibratedMs} (ledger index {previous[^1].Index}); a new calibration must be later, not {c.CalibratedMs}")
            { LedgerIndex = previous[^1].Index };
        }
        var operatorName = signers.Value.First(s => s.Roles.HasFlag(MemberRoles.Operator)).Name;
        return new Effect(c, operatorName, statement.Value);
    }

    private sealed class Effect(CalibrateStatement calibrate, string operatorName, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            state.AddCalibration(new CalibrationRecord(index, operatorName, calibrate));
            state.AddStatement(statement.Hash, index);
        }
    }
}
