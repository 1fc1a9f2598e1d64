using AnchorNode.Storage;

namespace AnchorNode.Notifications;

/// <summary>An alarm that stayed unacknowledged too long, as a notification carries it.</summary>
/// <param name="DeviceId">The gateway whose log holds the alarm.</param>
/// <param name="Sequence">The alarm's start leaf.</param>
/// <param name="Zone">The zone.</param>
/// <param name="Rule">The rule.</param>
/// <param name="Sensor">The sensor, if the leaf names one.</param>
/// <param name="Severity"><c>warning</c> or <c>alarm</c>.</param>
/// <param name="StartMs">When it started (the leaf's time).</param>
/// <param name="Value">The value at the start.</param>
/// <param name="Unit">Its SenML unit.</param>
/// <param name="EscalateAfterMs">How long an alarm may stay unacknowledged (<c>alarms.escalateAfterMs</c>).</param>
public sealed record AlarmEscalation(string DeviceId, long Sequence, string Zone, string Rule, string? Sensor, string Severity, long StartMs, double? Value, string? Unit, long EscalateAfterMs);

/// <summary>
/// Escalates alarms that stay active and unacknowledged longer than <c>alarms.escalateAfterMs</c>: an
/// <c>alarm.escalated</c> notification to the operator's contacts through the outbox. The alarm's
/// <c>escalated_ms</c> is set in the transaction that adds the notification, so each alarm escalates
/// once, also across restarts; an alarm acknowledged or ended before its time never escalates.
/// </summary>
public sealed class AlarmEscalationWatcher
{
    private readonly NodeDatabase _database;
    private readonly NotificationRecipients _recipients;
    private readonly NotificationDispatcher _dispatcher;
    private readonly string _consortium;
    private readonly string _member;
    private readonly long _escalateAfterMs;

    /// <summary>A watcher escalating after <paramref name="escalateAfterMs"/>.</summary>
    public AlarmEscalationWatcher(NodeDatabase database, NotificationRecipients recipients, NotificationDispatcher dispatcher, string consortium, string member,
        long escalateAfterMs, TimeProvider time)
    {
        _database = database;
        _recipients = recipients;
        _dispatcher = dispatcher;
        _consortium = consortium;
        _member = member;
        _escalateAfterMs = escalateAfterMs;
        Time = time;
    }

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; }

    /// <summary>Escalates every alarm due now; returns those escalated.</summary>
    public IReadOnlyList<AlarmEscalation> Check()
    {
        var nowMs = Time.GetUtcNow().ToUnixTimeMilliseconds();
        return _dispatcher.Record(_database, connection =>
        {
            var escalated = new List<AlarmEscalation>();
            using var due = connection.CreateCommand();
            due.CommandText = $"""
                SELECT {AlarmLeafReader.SelectColumns("a")} FROM alarm_leaves a
                WHERE a.state = 'start' AND a.escalated_ms IS NULL AND a.time_ms <= $cutoff
                  AND NOT EXISTS (SELECT 1 FROM acknowledgements k WHERE k.device = a.device AND k.alarm = a.seq)
                  AND NOT EXISTS (SELECT 1 FROM alarm_leaves e WHERE e.device = a.device AND e.state = 'end' AND e.seq > a.seq
                                  AND e.zone = a.zone AND e.rule = a.rule AND e.sensor IS a.sensor)
                ORDER BY a.time_ms, a.device, a.seq
                """;
            due.Parameters.AddWithValue("$cutoff", nowMs - _escalateAfterMs);
            var alarms = AlarmLeafReader.Read(due);
            using var mark = connection.CreateCommand();
            mark.CommandText = "UPDATE alarm_leaves SET escalated_ms = $now WHERE device = $device AND seq = $seq";
            mark.Parameters.AddWithValue("$now", nowMs);
            mark.Parameters.AddWithValue("$device", "");
            mark.Parameters.AddWithValue("$seq", 0L);
            foreach (var alarm in alarms)
            {
                mark.Parameters[1].Value = alarm.DeviceId;
                mark.Parameters[2].Value = alarm.Sequence;
                mark.ExecuteNonQuery();
                var escalation = new AlarmEscalation(alarm.DeviceId, alarm.Sequence, alarm.Zone, alarm.Rule, alarm.Sensor, alarm.Severity, alarm.TimeMs, alarm.Value, alarm.Unit, _escalateAfterMs);
                NotificationOutbox.Add(connection, Message(escalation, _consortium, _member, nowMs).For(_recipients.Operator));
                escalated.Add(escalation);
            }
            return escalated;
        });
    }

    /// <summary>The message of <paramref name="escalation"/>; its event key names the alarm, so it is one event however often it is recorded.</summary>
    public static NotificationMessage Message(AlarmEscalation escalation, string consortium, string member, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(escalation);
        var sensor = escalation.Sensor is null ? "" : $" on {escalation.Sensor}";
        var subject = $"Alarm not acknowledged for more than {escalation.EscalateAfterMs / 60_000} min: {escalation.Severity} '{escalation.Rule}' in zone {escalation.Zone}{sensor} ({escalation.DeviceId}, leaf {escalation.Sequence})";
        return new NotificationMessage("alarm.escalated", $"alarm.escalated/{escalation.DeviceId}/{escalation.Sequence}", consortium, member, nowMs, subject, Escalation: escalation);
    }
}
