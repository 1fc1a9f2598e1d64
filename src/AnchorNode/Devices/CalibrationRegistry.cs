using AnchorNode.Ledger;
using AnchorNode.Storage;
using Firmware.Contracts;
using Firmware.Contracts.Calibration;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Devices;

/// <summary>
/// Sensor calibrations: <c>calibrate</c> statements signed with this node's member key and appended
/// through the ordering port, and the list of each device's sensors with the calibration in force.
/// </summary>
public sealed class CalibrationRegistry
{
    private readonly ILedgerSequencer _sequencer;
    private readonly StatementSigner _signer;
    private readonly NodeReaders _readers;
    private readonly GatewayStatusService _statusReports;
    private readonly TimeProvider _time;

    /// <summary>A registry appending through <paramref name="sequencer"/>; sensors come from enrolments and <paramref name="statusReports"/>.</summary>
    public CalibrationRegistry(ILedgerSequencer sequencer, StatementSigner signer, NodeReaders readers, GatewayStatusService statusReports, TimeProvider time)
    {
        _sequencer = sequencer;
        _signer = signer;
        _readers = readers;
        _statusReports = statusReports;
        _time = time;
    }

    /// <summary>The unit of <paramref name="sensorId"/> as the device's enrolment in force lists it, or why there is none.</summary>
    public Result<string> UnitOf(string deviceId, string sensorId)
    {
        using var lease = _readers.Rent();
        var device = lease.Reader.State.Device(deviceId);
        if (device is null)
        {
            return Result<string>.Fail(LedgerFailures.UnknownDevice, $"device '{deviceId}' was never enrolled");
        }
        return device.Sensors.FirstOrDefault(s => s.SensorId == sensorId) is { } sensor && Senml.UnitOf(sensor.Quantity) is { } unit
            ? unit
            : Result<string>.Fail(LedgerFailures.UnknownSensor, $"the enrolment of '{deviceId}' lists no sensor '{sensorId}' with a unit (temperature, humidity or pressure)");
    }

    /// <summary>Records a calibration; the entry's index is its identity.</summary>
    public async Task<Result<AppendedEntry>> RecordAsync(CalibrateStatement calibration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        var check = calibration.Check();
        if (!check.Succeeded)
        {
            return check.Failure!;
        }
        return await _sequencer.AppendAsync(new LedgerProposal(_signer.Sign(EntryKinds.Calibrate, calibration.ToBody())), cancellationToken);
    }

    /// <summary>
    /// The device's sensors with a unit, from its enrolment and its latest status report, each with
    /// its calibrations and the status of the one in force now; null when the device was never enrolled.
    /// </summary>
    public DeviceCalibrations? List(string deviceId, int dueSoonDays)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        _statusReports.Latest().TryGetValue(deviceId, out var report);
        using var lease = _readers.Rent();
        var state = lease.Reader.State;
        if (state.Device(deviceId) is not { } device)
        {
            return null;
        }
        return new DeviceCalibrations(deviceId, now, state.Size, dueSoonDays, Sensors(state, device, report?.Report, now, dueSoonDays));
    }

    /// <summary>
    /// The sensors with a unit that <paramref name="device"/>'s enrolment and its latest status
    /// <paramref name="report"/> list (the enrolment's quantity wins), each with its calibrations and
    /// the status of the one in force at <paramref name="nowMs"/>, by sensor id (ordinal).
    /// </summary>
    public static IReadOnlyList<SensorCalibrations> Sensors(ILedgerState state, DeviceRecord device, GatewayStatusReport? report, long nowMs, int dueSoonDays)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(device);
        var sensors = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var reported in (report?.Sensors ?? []).Where(s => Senml.UnitOf(s.Quantity) is not null))
        {
            sensors[reported.Id] = reported.Quantity;
        }
        foreach (var enrolled in device.Sensors.Where(s => Senml.UnitOf(s.Quantity) is not null))
        {
            sensors[enrolled.SensorId] = enrolled.Quantity;
        }
        return sensors.Select(s =>
        {
            var history = state.Calibrations(device.DeviceId, s.Key);
            var inForce = CalibrationRecord.InForce(history, nowMs);
            return new SensorCalibrations(s.Key, s.Value, Senml.UnitOf(s.Value)!, CalibrationStatus.Of(inForce, nowMs, dueSoonDays), inForce?.Index,
                history.Select(CalibrationView.Of).ToList());
        }).ToList();
    }
}
