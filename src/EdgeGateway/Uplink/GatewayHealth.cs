using EdgeGateway.Alarms;
using EdgeGateway.Log;
using EdgeGateway.Sensors;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;

namespace EdgeGateway.Uplink;

/// <summary>
/// What the status report says about sensors and alarms, kept up to date from the leaves the log
/// writer commits (so it reports exactly what the signed log holds): each sensor's last good reading
/// and current fault, the active alarms and the last alarm starts and ends. Thread-safe; the writer
/// calls <see cref="OnCommitted"/>, the reporter takes snapshots.
/// </summary>
public sealed class GatewayHealth
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, AlarmRule> _rules;
    private readonly int _recentCapacity;
    private readonly SortedDictionary<string, ReportedSensor> _sensors = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, ReportedAlarm> _active = new(StringComparer.Ordinal);
    private readonly Queue<ReportedAlarmEvent> _recent = new();

    /// <param name="sensors">The sensors known at start (sensor nodes over MQTT appear with their first leaf).</param>
    /// <param name="zoneOf">The zone of a sensor id, or null.</param>
    /// <param name="activeAlarms">Alarms active at start (from the database).</param>
    /// <param name="rules">The alarm rules, for each alarm's quantity and kind.</param>
    /// <param name="recentCapacity">How many alarm events to remember.</param>
    public GatewayHealth(IEnumerable<SensorInfo> sensors, Func<string, string?> zoneOf, IEnumerable<ActiveAlarm> activeAlarms, IEnumerable<AlarmRule> rules,
        int recentCapacity = 20)
    {
        ArgumentNullException.ThrowIfNull(sensors);
        ArgumentNullException.ThrowIfNull(zoneOf);
        ArgumentNullException.ThrowIfNull(activeAlarms);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(recentCapacity, GatewayStatusNote.MaxRecentAlarms);
        _recentCapacity = recentCapacity;
        _rules = rules.ToDictionary(r => r.Id, StringComparer.Ordinal);
        foreach (var sensor in sensors)
        {
            var quantity = LeafDrafts.QuantityName(sensor.Quantity);
            _sensors.TryAdd(SensorKey(sensor.Id, quantity), new ReportedSensor(sensor.Id, quantity, sensor.Zone ?? zoneOf(sensor.Id), null, null, null, null));
        }
        foreach (var alarm in activeAlarms)
        {
            _active[AlarmKey(alarm.RuleId, alarm.SensorId)] = Active(alarm.Zone, alarm.SensorId, alarm.RuleId, alarm.SinceMs, alarm.Value, alarm.Unit, alarm.Severity);
        }
    }

    /// <summary>Takes in leaves just committed, in order.</summary>
    public void OnCommitted(IReadOnlyList<ReadingLeaf> leaves)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        lock (_gate)
        {
            foreach (var leaf in leaves)
            {
                var c = leaf.Content;
                switch (c.Kind)
                {
                    case LeafKind.Measurement:
                    case LeafKind.Observation:
                        if (c.SensorId is { } good && c.Quantity is { } measured)
                        {
                            _sensors[SensorKey(good, measured)] = new ReportedSensor(good, measured, c.Zone, c.TimeMs, null, null, null);
                        }
                        break;
                    case LeafKind.Fault:
                        if (c.SensorId is { } bad && c.Quantity is { } quantity)
                        {
                            var key = SensorKey(bad, quantity);
                            var before = _sensors.GetValueOrDefault(key);
                            // A fault run starts at its first fault; the same fault repeating keeps that time.
                            var since = before?.Fault is not null ? before.FaultSinceMs : c.TimeMs;
                            _sensors[key] = new ReportedSensor(bad, quantity, c.Zone ?? before?.Zone, before?.LastValueMs, c.StringValue, c.Detail, since);
                        }
                        break;
                    case LeafKind.Alarm when c.Zone is { } zone && c.Rule is { } rule:
                        OnAlarm(zone, rule, c.SensorId, c.StringValue == "start", c);
                        break;
                    case LeafKind.Event when GatewayAlarms.Transition(c) is { } started:
                        OnAlarm(GatewayAlarms.Zone, GatewayAlarms.DiskFullRule, GatewayAlarms.DiskSensor, started, c);
                        break;
                }
            }
        }
    }

    private void OnAlarm(string zone, string rule, string? sensor, bool started, LeafContent leaf)
    {
        if (started)
        {
            _active[AlarmKey(rule, sensor ?? "")] = Active(zone, sensor ?? "", rule, leaf.TimeMs, leaf.Value, leaf.Unit, AlarmSeverity.Of(leaf.Severity));
        }
        else
        {
            _active.Remove(AlarmKey(rule, sensor ?? ""));
        }
        _recent.Enqueue(new ReportedAlarmEvent(zone, sensor, rule, started ? "start" : "end", leaf.TimeMs, leaf.Value, leaf.Unit, leaf.Sequence, AlarmSeverity.Of(leaf.Severity)));
        while (_recent.Count > _recentCapacity)
        {
            _recent.Dequeue();
        }
    }

    /// <summary>Sensors, active alarms and recent alarm events as of now, within the report's limits.</summary>
    public (IReadOnlyList<ReportedSensor> Sensors, IReadOnlyList<ReportedAlarm> Active, IReadOnlyList<ReportedAlarmEvent> Recent) Snapshot()
    {
        lock (_gate)
        {
            return (_sensors.Values.Take(GatewayStatusNote.MaxSensors).ToList(),
                _active.Values.Take(GatewayStatusNote.MaxActiveAlarms).ToList(),
                _recent.ToList());
        }
    }

    private ReportedAlarm Active(string zone, string sensor, string rule, long sinceMs, double? value, string? unit, string severity)
    {
        var configured = _rules.GetValueOrDefault(rule);
        var kind = configured is null ? null : configured.IsCumulative ? "cumulative" : configured.IsNoData ? "no-data" : "limit";
        return new ReportedAlarm(zone, sensor, rule, configured?.Quantity, kind, sinceMs, value, unit, severity);
    }

    private static string SensorKey(string id, string quantity) => id + "\n" + quantity;

    private static string AlarmKey(string rule, string sensor) => rule + "\n" + sensor;
}
