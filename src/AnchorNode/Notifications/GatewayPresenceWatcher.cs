using AnchorNode.Dashboard;
using AnchorNode.Storage;

namespace AnchorNode.Notifications;

/// <summary>
/// Tells the operator when a gateway goes offline and when it is back, by the dashboard's own rule
/// (<c>gatewayOfflineAfterMs</c> without a status report or upload). The state last notified is kept in
/// <c>gateway_presence</c> and changed in the transaction that adds the notifications, so a restart
/// neither repeats nor misses a change. A gateway's first observed state is recorded without a notification.
/// </summary>
public sealed class GatewayPresenceWatcher
{
    private readonly OperatorDashboard _dashboard;
    private readonly NodeDatabase _database;
    private readonly NotificationRecipients _recipients;
    private readonly NotificationDispatcher _dispatcher;
    private readonly string _consortium;
    private readonly string _member;
    private readonly TimeProvider _time;

    /// <summary>A watcher of <paramref name="dashboard"/>'s gateways.</summary>
    public GatewayPresenceWatcher(OperatorDashboard dashboard, NodeDatabase database, NotificationRecipients recipients, NotificationDispatcher dispatcher,
        string consortium, string member, TimeProvider time)
    {
        _dashboard = dashboard;
        _database = database;
        _recipients = recipients;
        _dispatcher = dispatcher;
        _consortium = consortium;
        _member = member;
        _time = time;
    }

    /// <summary>Compares every gateway's state now with the one last notified; returns the changes notified.</summary>
    public IReadOnlyList<GatewayPresenceChange> Check()
    {
        var (nowMs, gateways) = _dashboard.GatewaysNow();
        return _dispatcher.Record(_database, connection =>
        {
            var changes = new List<GatewayPresenceChange>();
            using var read = connection.CreateCommand();
            read.CommandText = "SELECT device, state FROM gateway_presence";
            var known = new Dictionary<string, string>(StringComparer.Ordinal);
            using (var rows = read.ExecuteReader())
            {
                while (rows.Read())
                {
                    known[rows.GetString(0)] = rows.GetString(1);
                }
            }
            using var upsert = connection.CreateCommand();
            upsert.CommandText = "INSERT INTO gateway_presence (device, state, changed_ms) VALUES ($device, $state, $now) ON CONFLICT (device) DO UPDATE SET state = excluded.state, changed_ms = excluded.changed_ms";
            upsert.Parameters.AddWithValue("$device", "");
            upsert.Parameters.AddWithValue("$state", "");
            upsert.Parameters.AddWithValue("$now", nowMs);
            foreach (var gateway in gateways.Where(g => g.State is "online" or "offline"))
            {
                var before = known.GetValueOrDefault(gateway.DeviceId);
                if (before == gateway.State)
                {
                    continue;
                }
                upsert.Parameters[0].Value = gateway.DeviceId;
                upsert.Parameters[1].Value = gateway.State;
                upsert.ExecuteNonQuery();
                if (before is not ("online" or "offline"))
                {
                    continue;
                }
                var change = new GatewayPresenceChange(gateway.DeviceId, gateway.Site, gateway.Zone, gateway.State, gateway.LastContactMs, _dashboard.OfflineAfterMs);
                NotificationOutbox.Add(connection, Message(change, nowMs).For(_recipients.Operator));
                changes.Add(change);
            }
            return changes;
        });
    }

    private NotificationMessage Message(GatewayPresenceChange change, long nowMs)
    {
        var type = $"gateway.{change.State}";
        var place = change.Zone is null ? "" : $" ({change.Site}/{change.Zone})";
        var subject = change.State == "offline"
            ? $"Gateway {change.DeviceId}{place} is offline: nothing heard for more than {change.OfflineAfterMs / 1000} s"
            : $"Gateway {change.DeviceId}{place} is back online";
        return new NotificationMessage(type, $"{type}/{change.DeviceId}/{nowMs}", _consortium, _member, nowMs, subject, Gateway: change);
    }

    /// <summary>The clock the watcher's service ticks on.</summary>
    internal TimeProvider Time => _time;
}
