using Firmware.Contracts.Conditions;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Readings;
using Microsoft.Data.Sqlite;

namespace AnchorNode.Storage;

/// <summary>
/// The <c>suppression_events</c> index: every <c>suppression-start</c> and <c>suppression-end</c>
/// event leaf with a zone and a reason (docs/spec.md §2.8) in this node's copy of the device logs.
/// The dashboard pairs them into suppressed spans without decoding every stored upload. Kept in the
/// upload's transaction; rebuilt from the stored leaves when a database from before the index is
/// opened.
/// </summary>
internal static class SuppressionEvents
{
    public const string InsertSql = """
        INSERT OR IGNORE INTO suppression_events (device, seq, time_ms, code, zone, reason)
        VALUES ($device, $seq, $time, $code, $zone, $reason)
        """;

    public static readonly string[] Parameters = ["$device", "$seq", "$time", "$code", "$zone", "$reason"];

    private const string BuiltKey = "suppression_index";

    /// <summary>True for a leaf that opens or closes a suppressed span.</summary>
    public static bool IsIndexed(LeafContent content) => LotConditions.IsSuppression(content);

    /// <summary>Builds the index from the stored leaves once, inside <paramref name="tx"/>.</summary>
    public static void EnsureBuilt(SqliteConnection connection, SqliteTransaction tx) =>
        StoredLeafIndex.EnsureBuilt(connection, tx, BuiltKey, LeafKind.Event, IsIndexed, InsertSql, Parameters, Bind);

    public static void Bind(SqliteCommand insert, string deviceId, LeafContent content)
    {
        object?[] values = [deviceId, content.Sequence, content.TimeMs, content.StringValue, content.Zone, content.Reason];
        for (var i = 0; i < values.Length; i++)
        {
            insert.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }
}

/// <summary>Reads <c>suppression_events</c>.</summary>
public static class SuppressionReader
{
    /// <summary>
    /// The suppressed spans of every device (docs/spec.md §2.8) that are open or ended at or after
    /// <paramref name="sinceMs"/>, newest start first.
    /// </summary>
    public static List<SuppressedSpan> SuppressedSpans(this NodeReader reader, long sinceMs)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var command = reader.Command("SELECT device, seq, time_ms, code, zone, reason FROM suppression_events ORDER BY device, seq", 0);
        var leaves = new List<LeafContent>();
        using (var rows = command.ExecuteReader())
        {
            while (rows.Read())
            {
                leaves.Add(new LeafContent
                {
                    DeviceId = rows.GetString(0),
                    Sequence = rows.GetInt64(1),
                    TimeMs = rows.GetInt64(2),
                    Kind = LeafKind.Event,
                    StringValue = rows.GetString(3),
                    Zone = rows.GetString(4),
                    Reason = rows.GetString(5),
                });
            }
        }
        return leaves.GroupBy(l => l.DeviceId, StringComparer.Ordinal)
            .SelectMany(d => LotConditions.SpansOf(d.Key, d))
            .Where(s => s.ToMs is not { } end || end >= sinceMs)
            .OrderByDescending(s => s.FromMs).ThenBy(s => s.DeviceId, StringComparer.Ordinal).ThenBy(s => s.Zone, StringComparer.Ordinal)
            .ToList();
    }
}
