using Firmware.Contracts.Calibration;
using Firmware.Contracts.Ledger;

namespace EdgeGateway.Alarms;

/// <summary>
/// The sensor calibrations this gateway last fetched from the node (<c>GET /v1/devices/{id}/calibrations</c>),
/// applied to readings before the alarm engine judges them: a reading is corrected by the calibration in
/// force at its time (docs/spec-ledger.md §3.6), so alarm leaves carry the corrected value. The leaves of
/// the readings themselves keep the raw value. Replaced whole when a new answer arrives; read by the log
/// writer's thread.
/// </summary>
public sealed class CalibratedReadings
{
    private volatile Table _table = new(null, new Dictionary<string, Sensor>(StringComparer.Ordinal));

    /// <summary>The answer in use, or null before the first one.</summary>
    public DeviceCalibrations? Current => _table.Answer;

    /// <summary>Uses <paramref name="answer"/> from now on; calibrations whose correction does not read are left out (and counted).</summary>
    /// <returns>How many calibrations were left out.</returns>
    public int Use(DeviceCalibrations answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var sensors = new Dictionary<string, Sensor>(StringComparer.Ordinal);
        var skipped = 0;
        foreach (var sensor in answer.Sensors ?? [])
        {
            var history = new List<(long CalibratedMs, SensorCorrection Correction)>();
            foreach (var calibration in (sensor.Calibrations ?? []).OrderBy(c => c.LedgerIndex))
            {
                var correction = calibration.Correction();
                if (correction.Succeeded && (history.Count == 0 || history[^1].CalibratedMs < calibration.CalibratedMs))
                {
                    history.Add((calibration.CalibratedMs, correction.Value));
                }
                else
                {
                    skipped++;
                }
            }
            if (history.Count > 0 && sensor.SensorId is not null && sensor.Unit is not null)
            {
                sensors[sensor.SensorId] = new Sensor(sensor.Unit, history);
            }
        }
        _table = new Table(answer, sensors);
        return skipped;
    }

    /// <summary><paramref name="reading"/> with its value corrected by the calibration in force at its time, or as it is when none applies.</summary>
    public AlarmReading Correct(AlarmReading reading)
    {
        if (!_table.Sensors.TryGetValue(reading.SensorId, out var sensor) || sensor.Unit != reading.Unit)
        {
            return reading;
        }
        SensorCorrection? inForce = null;
        foreach (var (calibratedMs, correction) in sensor.History)
        {
            if (calibratedMs > reading.TimeMs)
            {
                break;
            }
            inForce = correction;
        }
        return inForce is null ? reading : reading with { Value = inForce.Apply(reading.Value) };
    }

    private sealed record Sensor(string Unit, IReadOnlyList<(long CalibratedMs, SensorCorrection Correction)> History);

    private sealed record Table(DeviceCalibrations? Answer, IReadOnlyDictionary<string, Sensor> Sensors);
}
