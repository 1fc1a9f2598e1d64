using System.Security.Cryptography;
using System.Text;
using AnchorNode.Storage;
using Microsoft.Data.Sqlite;

namespace AnchorNode.Notifications;

/// <summary>A notification to one recipient, as the outbox holds it.</summary>
/// <param name="Id">The delivery id: the same on every attempt (<c>X-EdgeTrace-Delivery</c>, the email's Message-Id).</param>
/// <param name="Event">The event's key, e.g. <c>gateway.offline/gw-1/1700000000000</c>.</param>
/// <param name="Channel"><see cref="NotificationOutbox.Webhook"/> or <see cref="NotificationOutbox.Email"/>.</param>
/// <param name="Target">The webhook URL or the email address.</param>
/// <param name="SecretFile">The webhook's secret file (absolute); null for email.</param>
/// <param name="Subject">One line for people (the email subject).</param>
/// <param name="Body">The JSON body.</param>
/// <param name="CreatedMs">When the event was recorded, node time.</param>
/// <param name="Status"><c>pending</c>, <c>delivered</c> or <c>failed</c> (attempts used up).</param>
/// <param name="Attempts">Attempts made so far.</param>
/// <param name="NextMs">When the next attempt is due.</param>
/// <param name="LastError">Why the last attempt failed.</param>
public sealed record OutboxItem(
    string Id, string Event, string Channel, string Target, string? SecretFile, string Subject, string Body,
    long CreatedMs, string Status, int Attempts, long NextMs, string? LastError);

/// <summary>What the outbox holds, by status.</summary>
public sealed record OutboxSummary(int Pending, int Delivered, int Failed, IReadOnlyList<OutboxItem> Undelivered);

/// <summary>
/// The durable outbox (table <c>notifications</c>): rows are added in the transaction that records
/// their cause, so a notification exists exactly when its event does; delivery reads due rows and
/// records each attempt. A restart loses nothing: pending rows are simply due again.
/// </summary>
public sealed class NotificationOutbox
{
    /// <summary>The webhook channel.</summary>
    public const string Webhook = "webhook";

    /// <summary>The email channel.</summary>
    public const string Email = "email";

    private readonly NodeDatabase _database;

    /// <summary>An outbox in <paramref name="database"/>.</summary>
    public NotificationOutbox(NodeDatabase database) => _database = database;

    /// <summary>
    /// The delivery id of <paramref name="eventKey"/> for one recipient: derived, so recording the same
    /// event twice adds no second notification.
    /// </summary>
    public static string DeliveryId(string eventKey, string channel, string target) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{eventKey}\n{channel}\n{target}")))[..32];

    /// <summary>Adds <paramref name="items"/> on <paramref name="connection"/>, inside the caller's open transaction.</summary>
    public static void Add(SqliteConnection connection, IEnumerable<OutboxItem> items)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(items);
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO notifications (id, event, channel, target, secret_file, subject, body, created_ms, status, attempts, next_ms)
            VALUES ($id, $event, $channel, $target, $secret, $subject, $body, $created, 'pending', 0, $created)
            ON CONFLICT (id) DO NOTHING
            """;
        string[] names = ["$id", "$event", "$channel", "$target", "$secret", "$subject", "$body", "$created"];
        foreach (var name in names)
        {
            insert.Parameters.Add(new SqliteParameter(name, null));
        }
        foreach (var item in items)
        {
            object?[] values = [item.Id, item.Event, item.Channel, item.Target, item.SecretFile, item.Subject, item.Body, item.CreatedMs];
            for (var i = 0; i < values.Length; i++)
            {
                insert.Parameters[i].Value = values[i] ?? DBNull.Value;
            }
            insert.ExecuteNonQuery();
        }
    }

    /// <summary>Pending notifications due at <paramref name="nowMs"/>, oldest first.</summary>
    public IReadOnlyList<OutboxItem> Due(long nowMs, int limit)
    {
        using var connection = _database.OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = Select + " WHERE status = 'pending' AND next_ms <= $now ORDER BY next_ms, created_ms LIMIT $limit";
        command.Parameters.AddWithValue("$now", nowMs);
        command.Parameters.AddWithValue("$limit", limit);
        return Read(command);
    }

    /// <summary>Every notification, newest first (at most <paramref name="limit"/>).</summary>
    public IReadOnlyList<OutboxItem> All(int limit)
    {
        using var connection = _database.OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = Select + " ORDER BY created_ms DESC, id LIMIT $limit";
        command.Parameters.AddWithValue("$limit", limit);
        return Read(command);
    }

    /// <summary>Counts by status, and the pending and failed notifications (newest first, at most <paramref name="limit"/>).</summary>
    public OutboxSummary Summary(int limit)
    {
        using var connection = _database.OpenReader();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT status, count(*) FROM notifications GROUP BY status";
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        using (var rows = count.ExecuteReader())
        {
            while (rows.Read())
            {
                counts[rows.GetString(0)] = rows.GetInt32(1);
            }
        }
        using var list = connection.CreateCommand();
        list.CommandText = Select + " WHERE status <> 'delivered' ORDER BY created_ms DESC, id LIMIT $limit";
        list.Parameters.AddWithValue("$limit", limit);
        return new OutboxSummary(counts.GetValueOrDefault("pending"), counts.GetValueOrDefault("delivered"), counts.GetValueOrDefault("failed"), Read(list));
    }

    /// <summary>Records a successful attempt.</summary>
    public void Delivered(string id, long nowMs) =>
        Update("UPDATE notifications SET status = 'delivered', attempts = attempts + 1, last_error = NULL, done_ms = $now WHERE id = $id", id, nowMs, null);

    /// <summary>Records a failed attempt: due again at <paramref name="nextMs"/>, or failed for good when <paramref name="nextMs"/> is null.</summary>
    public void Failed(string id, long nowMs, long? nextMs, string error) =>
        Update(nextMs is { } next
                ? $"UPDATE notifications SET attempts = attempts + 1, last_error = $error, next_ms = {next} WHERE id = $id"
                : "UPDATE notifications SET status = 'failed', attempts = attempts + 1, last_error = $error, done_ms = $now WHERE id = $id",
            id, nowMs, error);

    private const string Select = "SELECT id, event, channel, target, secret_file, subject, body, created_ms, status, attempts, next_ms, last_error FROM notifications";

    private void Update(string sql, string id, long nowMs, string? error)
    {
        using var connection = _database.OpenWriter();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", id);
        if (sql.Contains("$now", StringComparison.Ordinal))
        {
            command.Parameters.AddWithValue("$now", nowMs);
        }
        if (sql.Contains("$error", StringComparison.Ordinal))
        {
            command.Parameters.AddWithValue("$error", error is { Length: > 1000 } ? error[..1000] : error);
        }
        command.ExecuteNonQuery();
    }

    private static List<OutboxItem> Read(SqliteCommand command)
    {
        using var rows = command.ExecuteReader();
        var items = new List<OutboxItem>();
        while (rows.Read())
        {
            items.Add(new OutboxItem(rows.GetString(0), rows.GetString(1), rows.GetString(2), rows.GetString(3), rows.IsDBNull(4) ? null : rows.GetString(4),
                rows.GetString(5), rows.GetString(6), rows.GetInt64(7), rows.GetString(8), rows.GetInt32(9), rows.GetInt64(10), rows.IsDBNull(11) ? null : rows.GetString(11)));
        }
        return items;
    }
}
