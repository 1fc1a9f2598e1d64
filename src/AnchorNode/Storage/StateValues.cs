using Firmware.Contracts.Ledger;
using Microsoft.Data.Sqlite;

namespace AnchorNode.Storage;

/// <summary>
/// The ledger state map as of each checkpoint (table <c>state_values</c>): a row per key whose value
/// changed at a checkpoint's size, an empty value when the key went away. Bundles are proven against
/// checkpoints the ledger has since outgrown, so the map is kept for every size that was signed.
/// </summary>
public static class StateValues
{
    /// <summary>The map as of ledger size <paramref name="size"/> (the values recorded at the largest size not above it), by key.</summary>
    public static List<StateEntry> At(SqliteConnection connection, long size, SqliteTransaction? transaction = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            SELECT key, value FROM state_values s
            WHERE size = (SELECT max(size) FROM state_values WHERE key = s.key AND size <= $size)
            ORDER BY key
            """;
        command.Parameters.AddWithValue("$size", size);
        using var reader = command.ExecuteReader();
        var entries = new List<StateEntry>();
        while (reader.Read())
        {
            var value = reader.GetString(1);
            if (value.Length > 0)
            {
                entries.Add(new StateEntry(reader.GetString(0), value));
            }
        }
        return entries;
    }

    /// <summary>Records the map at <paramref name="size"/>: the keys whose value differs from <paramref name="previous"/> (the map as last recorded), and the keys gone.</summary>
    /// <returns>How many rows were written.</returns>
    public static int Record(SqliteConnection connection, long size, IReadOnlyList<StateEntry> current, IReadOnlyDictionary<string, string> previous, SqliteTransaction? transaction = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(previous);
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT OR REPLACE INTO state_values (key, size, value) VALUES ($key, $size, $value)";
        var key = insert.Parameters.Add("$key", SqliteType.Text);
        insert.Parameters.AddWithValue("$size", size);
        var value = insert.Parameters.Add("$value", SqliteType.Text);
        var written = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in current)
        {
            seen.Add(entry.Key);
            if (previous.TryGetValue(entry.Key, out var old) && old == entry.Value)
            {
                continue;
            }
            key.Value = entry.Key;
            value.Value = entry.Value;
            insert.ExecuteNonQuery();
            written++;
        }
        foreach (var gone in previous.Keys.Where(k => !seen.Contains(k)))
        {
            key.Value = gone;
            value.Value = "";
            insert.ExecuteNonQuery();
            written++;
        }
        return written;
    }
}
