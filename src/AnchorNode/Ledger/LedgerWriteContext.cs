using AnchorNode.Storage;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Microsoft.Data.Sqlite;

namespace AnchorNode.Ledger;

/// <summary>
/// What code running inside the writer's transaction may use: the connection, the hash tiles, the
/// ledger state and the ledger's Merkle log. Owned by the writer; never shared across threads.
/// </summary>
public sealed class LedgerWriteContext : IDisposable
{
    private readonly SqliteCommand _insertEntry;
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private MerkleLog? _ledger;

    internal LedgerWriteContext(SqliteConnection connection, string consortium)
    {
        Connection = connection;
        Tiles = new SqliteTileStore(connection);
        State = new SqliteLedgerState(connection, consortium);
        _insertEntry = connection.CreateCommand();
        _insertEntry.CommandText = "INSERT INTO entries (idx, kind, bytes) VALUES ($idx, $kind, $bytes)";
        _insertEntry.Parameters.Add("$idx", SqliteType.Integer);
        _insertEntry.Parameters.Add("$kind", SqliteType.Text);
        _insertEntry.Parameters.Add("$bytes", SqliteType.Blob);
    }

    /// <summary>The writer connection (a transaction is open while work runs).</summary>
    public SqliteConnection Connection { get; }

    /// <summary>Merkle hash tiles of every log.</summary>
    public SqliteTileStore Tiles { get; }

    /// <summary>The ledger state.</summary>
    public SqliteLedgerState State { get; }

    /// <summary>The ledger's Merkle log, in step with <see cref="State"/> once <see cref="Resync"/> ran.</summary>
    public MerkleLog Ledger => _ledger ?? throw new InvalidOperationException("the ledger log is not loaded; call Resync inside the transaction");

    /// <summary>
    /// A command for <paramref name="sql"/> with <paramref name="parameters"/> (names, in order),
    /// created once and reused: set <c>Parameters[i].Value</c> and execute.
    /// </summary>
    public SqliteCommand Command(string sql, params string[] parameters)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                command.Parameters.Add(new SqliteParameter(name, null));
            }
            _commands.Add(sql, command);
        }
        return command;
    }

    /// <summary>Runs a statement on the writer connection.</summary>
    public void Execute(string sql) => NodeDatabase.Execute(Connection, sql);

    /// <inheritdoc/>
    public void Dispose()
    {
        _insertEntry.Dispose();
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }
        State.Dispose();
        Tiles.Dispose();
    }

    /// <summary>
    /// Reloads the ledger log's right edge when another process (a CLI command) appended since this
    /// writer last looked: the database, not this process, is the source of truth for the size.
    /// </summary>
    internal void Resync(bool force = false)
    {
        var size = State.Size;
        if (force || _ledger is null || _ledger.Size != size)
        {
            _ledger = new MerkleLog(Tiles.Log(0), size);
        }
    }

    internal void Invalidate() => _ledger = null;

    internal void InsertEntry(long index, LedgerEntry entry)
    {
        _insertEntry.Parameters[0].Value = index;
        _insertEntry.Parameters[1].Value = entry.Kind;
        _insertEntry.Parameters[2].Value = entry.Bytes.ToArray();
        _insertEntry.ExecuteNonQuery();
    }
}
