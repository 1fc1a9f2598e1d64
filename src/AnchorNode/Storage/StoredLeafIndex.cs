using System.Text;
using Firmware.Contracts.Readings;
using Microsoft.Data.Sqlite;

namespace AnchorNode.Storage;

/// <summary>
/// Indexes derived from this node's stored device leaves (<see cref="EpcObservations"/>,
/// <see cref="Measurements"/>): kept in each upload's transaction, and built from the stored
/// leaves once when a database from before the index is opened (a <c>meta</c> key marks it done).
/// </summary>
internal static class StoredLeafIndex
{
    /// <summary>Unless <paramref name="builtKey"/> says it was done, hands every stored leaf of <paramref name="kind"/> that <paramref name="indexed"/> accepts to <paramref name="add"/>, inside <paramref name="tx"/>.</summary>
    public static void EnsureBuilt(SqliteConnection connection, SqliteTransaction tx, string builtKey, LeafKind kind, Func<LeafContent, bool> indexed, Action<string, LeafContent> add)
    {
        using (var check = connection.CreateCommand())
        {
            check.Transaction = tx;
            check.CommandText = $"SELECT 1 FROM meta WHERE key = '{builtKey}'";
            if (check.ExecuteScalar() is not null)
            {
                return;
            }
        }
        // Cheap pre-filter: a leaf of the kind has its wire name, quoted, in its bytes.
        var needle = Encoding.UTF8.GetBytes($"\"{kind.ToWire()}\"");
        using (var chunks = connection.CreateCommand())
        {
            chunks.Transaction = tx;
            chunks.CommandText = "SELECT l.device, c.leaves FROM leaf_chunks c JOIN device_logs l ON l.log = c.log";
            using var reader = chunks.ExecuteReader();
            while (reader.Read())
            {
                var device = reader.GetString(0);
                foreach (var stored in LeafChunk.Decode((byte[])reader.GetValue(1)))
                {
                    if (stored.Bytes.Span.IndexOf(needle) >= 0 && ReadingLeaf.Parse(stored.Bytes.Span) is { Succeeded: true } leaf && indexed(leaf.Value.Content))
                    {
                        add(device, leaf.Value.Content);
                    }
                }
            }
        }
        using var done = connection.CreateCommand();
        done.Transaction = tx;
        done.CommandText = $"INSERT INTO meta (key, value) VALUES ('{builtKey}', '1')";
        done.ExecuteNonQuery();
    }

    /// <summary>Unless <paramref name="builtKey"/> says it was done, runs <paramref name="insertSql"/> (with <paramref name="parameters"/>, bound by <paramref name="bind"/>) for every stored leaf of <paramref name="kind"/> that <paramref name="indexed"/> accepts, inside <paramref name="tx"/>.</summary>
    public static void EnsureBuilt(SqliteConnection connection, SqliteTransaction tx, string builtKey, LeafKind kind, Func<LeafContent, bool> indexed,
        string insertSql, IEnumerable<string> parameters, Action<SqliteCommand, string, LeafContent> bind)
    {
        using var insert = Prepare(connection, tx, insertSql, parameters);
        EnsureBuilt(connection, tx, builtKey, kind, indexed, (device, content) =>
        {
            bind(insert, device, content);
            insert.ExecuteNonQuery();
        });
    }

    /// <summary>A command of <paramref name="sql"/> in <paramref name="tx"/> with <paramref name="parameters"/>.</summary>
    public static SqliteCommand Prepare(SqliteConnection connection, SqliteTransaction tx, string sql, IEnumerable<string> parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter(name, null));
        }
        return command;
    }
}
