using System.Globalization;
using AnchorNode.Dashboard;
using AnchorNode.Devices;
using AnchorNode.Storage;
using Firmware.Contracts.Calibration;

namespace AnchorNode.Notifications;

/// <summary>An alarm leaf (start or end) as an <c>alarm.started</c> or <c>alarm.ended</c> notification carries it.</summary>
/// <param name="DeviceId">The gateway whose log holds the leaf.</param>
/// <param name="Sequence">The leaf's sequence in that log.</param>
/// <param name="State"><c>start</c> or <c>end</c>.</param>
/// <param name="Zone">The zone.</param>
/// <param name="Rule">The rule.</param>
/// <param name="Sensor">The sensor, if the leaf names one.</param>
/// <param name="Severity"><c>warning</c> or <c>alarm</c>.</param>
/// <param name="TimeMs">The leaf's time (the gateway's clock).</param>
/// <param name="Value">The value at the transition, if the leaf has one.</param>
/// <param name="Unit">Its SenML unit.</param>
public sealed record AlarmTransitionNotice(string DeviceId, long Sequence, string State, string Zone, string Rule, string? Sensor, string Severity, long TimeMs, double? Value, string? Unit);

/// <summary>A sensor whose calibration needs the operator, as a <c>calibration.*</c> notification carries it.</summary>
/// <param name="DeviceId">The gateway.</param>
/// <param name="SensorId">The sensor.</param>
/// <param name="Quantity">Its quantity.</param>
/// <param name="Status"><c>due-soon</c>, <c>overdue</c> or <c>missing</c>.</param>
/// <param name="Certificate">The certificate of the calibration in force, if any.</param>
/// <param name="Laboratory">Its laboratory.</param>
/// <param name="DueMs">Its due date, Unix ms.</param>
public sealed record CalibrationNotice(string DeviceId, string SensorId, string Quantity, string Status, string? Certificate, string? Laboratory, long? DueMs);

/// <summary>
/// Tells the operator's contacts what needs them, through the outbox: every alarm leaf the node
/// commits (<c>alarm.started</c>, <c>alarm.ended</c>, warnings and alarms alike), and every sensor whose
/// calibration falls due soon, is overdue or is missing (<c>calibration.*</c>).
/// </summary>
/// <remarks>
/// An alarm leaf is marked (<c>notified_ms</c>) in the transaction that adds its notification, so each is
/// told once, also across restarts. Leaves older than <see cref="AlarmHorizon"/> when first seen (a
/// backlog of weeks, or an index rebuilt from an old database) are marked without a notification: the
/// alarm history and the reports hold them, and a flood of stale alarms would bury the current ones.
/// Calibrations are looked at once per <see cref="CalibrationInterval"/>; a calibration notification's
/// event key names the sensor, the status and the due date, so the outbox sends it once per
/// calibration and status, however often it is checked. A check with nothing to tell writes nothing.
/// </remarks>
public sealed class OperatorEventWatcher
{
    /// <summary>How old an alarm leaf may be, by the node's clock, and still be notified.</summary>
    public static readonly TimeSpan AlarmHorizon = TimeSpan.FromHours(24);

    /// <summary>How often calibrations are looked at: their status changes by the day, alarms by the second.</summary>
    public static readonly TimeSpan CalibrationInterval = TimeSpan.FromHours(1);

    private readonly NodeDatabase _database;
    private readonly NodeReaders _readers;
    private readonly GatewayStatusService _reports;
    private readonly NotificationRecipients _recipients;
    private readonly NotificationDispatcher _dispatcher;
    private readonly string _consortium;
    private readonly string _member;
    private readonly int _dueSoonDays;
    private long _nextCalibrationMs = long.MinValue;

    /// <summary>A watcher telling <paramref name="recipients"/>' operator contacts.</summary>
    public OperatorEventWatcher(NodeDatabase database, NodeReaders readers, GatewayStatusService reports, NotificationRecipients recipients, NotificationDispatcher dispatcher,
        string consortium, string member, int dueSoonDays, TimeProvider time)
    {
        _database = database;
        _readers = readers;
        _reports = reports;
        _recipients = recipients;
        _dispatcher = dispatcher;
        _consortium = consortium;
        _member = member;
        _dueSoonDays = dueSoonDays;
        Time = time;
    }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>Records the notifications due now; returns how many events it recorded (the outbox keeps each once, however often it is called).</summary>
    public int Check()
    {
        var nowMs = Time.GetUtcNow().ToUnixTimeMilliseconds();
        IReadOnlyList<DashboardCalibration> calibrations = [];
        var looked = nowMs >= _nextCalibrationMs;
        bool unnotifiedLeaves;
        using (var lease = _readers.Rent())
        {
            if (looked)
            {
                calibrations = DashboardCalibration.Flags(lease.Reader.State, _reports.Latest(), nowMs, _dueSoonDays);
            }
            using var unnotified = lease.Reader.Command("SELECT EXISTS (SELECT 1 FROM alarm_leaves WHERE notified_ms IS NULL)", 0);
            unnotifiedLeaves = Convert.ToInt64(unnotified.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 1;
        }
        // Nothing to tell: no write transaction on the node's database.
        var recorded = calibrations.Count == 0 && !unnotifiedLeaves ? [] : _dispatcher.Record<object>(_database, connection =>
        {
            var notices = new List<object>();
            using var fresh = connection.CreateCommand();
            fresh.CommandText = $"SELECT {AlarmLeafReader.SelectColumns("a")} FROM alarm_leaves a WHERE a.notified_ms IS NULL ORDER BY a.time_ms, a.device, a.seq";
            var leaves = AlarmLeafReader.Read(fresh);
            using var mark = connection.CreateCommand();
            mark.CommandText = "UPDATE alarm_leaves SET notified_ms = $now WHERE device = $device AND seq = $seq";
            mark.Parameters.AddWithValue("$now", nowMs);
            mark.Parameters.AddWithValue("$device", "");
            mark.Parameters.AddWithValue("$seq", 0L);
            var horizon = nowMs - (long)AlarmHorizon.TotalMilliseconds;
            foreach (var leaf in leaves)
            {
                mark.Parameters[0].Value = leaf.TimeMs >= horizon ? nowMs : 0L;
                mark.Parameters[1].Value = leaf.DeviceId;
                mark.Parameters[2].Value = leaf.Sequence;
                mark.ExecuteNonQuery();
                if (leaf.TimeMs >= horizon)
                {
                    var notice = new AlarmTransitionNotice(leaf.DeviceId, leaf.Sequence, leaf.State, leaf.Zone, leaf.Rule, leaf.Sensor, leaf.Severity, leaf.TimeMs, leaf.Value, leaf.Unit);
                    NotificationOutbox.Add(connection, Message(notice, _consortium, _member, nowMs).For(_recipients.Operator));
                    notices.Add(notice);
                }
            }
            foreach (var flag in calibrations)
            {
                var notice = new CalibrationNotice(flag.DeviceId, flag.SensorId, flag.Quantity, flag.Status, flag.Certificate, flag.Laboratory, flag.DueMs);
                NotificationOutbox.Add(connection, Message(notice, _consortium, _member, nowMs).For(_recipients.Operator));
                notices.Add(notice);
            }
            return notices;
        });
        if (looked)
        {
            _nextCalibrationMs = nowMs + (long)CalibrationInterval.TotalMilliseconds;
        }
        return recorded.Count;
    }

    /// <summary>The message of an alarm leaf; its event key names the leaf.</summary>
    public static NotificationMessage Message(AlarmTransitionNotice alarm, string consortium, string member, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(alarm);
        var started = alarm.State == "start";
        var type = started ? "alarm.started" : "alarm.ended";
        var value = alarm.Value is { } v ? string.Create(CultureInfo.InvariantCulture, $" at {v} {alarm.Unit}") : "";
        var sensor = alarm.Sensor is null ? "" : $" on {alarm.Sensor}";
        var time = DateTimeOffset.FromUnixTimeMilliseconds(alarm.TimeMs).ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
        var subject = $"{(alarm.Severity == "warning" ? "Warning" : "Alarm")} '{alarm.Rule}' {(started ? "started" : "ended")} in zone {alarm.Zone}{sensor}{value}, {time} ({alarm.DeviceId}, leaf {alarm.Sequence})";
        return new NotificationMessage(type, $"{type}/{alarm.DeviceId}/{alarm.Sequence}", consortium, member, nowMs, subject, Alarm: alarm);
    }

    /// <summary>The message of a calibration flag; its event key names the sensor, the status and the due date.</summary>
    public static NotificationMessage Message(CalibrationNotice calibration, string consortium, string member, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        var type = "calibration." + calibration.Status;
        var due = calibration.DueMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : null;
        var subject = calibration.Status switch
        {
            CalibrationStatus.Overdue => $"Calibration overdue since {due}: {calibration.DeviceId} {calibration.SensorId} ({calibration.Quantity}), certificate {calibration.Certificate}",
            CalibrationStatus.DueSoon => $"Calibration due on {due}: {calibration.DeviceId} {calibration.SensorId} ({calibration.Quantity}), certificate {calibration.Certificate}",
            _ => $"No calibration on record: {calibration.DeviceId} {calibration.SensorId} ({calibration.Quantity})",
        };
        return new NotificationMessage(type, $"{type}/{calibration.DeviceId}/{calibration.SensorId}/{calibration.DueMs?.ToString(CultureInfo.InvariantCulture) ?? "none"}",
            consortium, member, nowMs, subject, Calibration: calibration);
    }
}
