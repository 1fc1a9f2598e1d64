using System.Globalization;
using Microsoft.Data.Sqlite;

namespace AnchorNode.Storage;

/// <summary>
/// The node's SQLite file: opens connections with the settings each use needs and creates the
/// schema. WAL lets readers (proofs, status, exports) run beside the single writer; the writer
/// commits with synchronous=FULL because a commit is what the node acknowledges.
/// </summary>
public sealed class NodeDatabase
{
    /// <summary>How long a connection waits for another process's write lock.</summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(30);

    static NodeDatabase() => SQLitePCL.Batteries_V2.Init();

    /// <summary>The database at <paramref name="path"/> (created by <see cref="EnsureCreated"/>).</summary>
    public NodeDatabase(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Creates the file and tables when missing; checks the schema version otherwise.</summary>
    /// <exception cref="InvalidOperationException">When the file has another schema version.</exception>
    public void EnsureCreated()
    {
        using var connection = Open(SqliteOpenMode.ReadWriteCreate);
        Execute(connection, Schema.Pragmas);
        Execute(connection, "PRAGMA journal_mode = WAL;");
        using var tx = connection.BeginTransaction();
        Execute(connection, Schema.Create, tx);
        using var read = connection.CreateCommand();
        read.Transaction = tx;
        read.CommandText = "SELECT value FROM meta WHERE key = 'schema'";
        var version = read.ExecuteScalar() as string;
        if (version is null)
        {
            Execute(connection, $"INSERT INTO meta (key, value) VALUES ('schema', '{Schema.Version}'), ('ledger_size', '0')", tx);
        }
        else if (version != Schema.Version.ToString(CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException(
                $"{Path} has schema version {version}, made by another EdgeTrace version; this node reads version {Schema.Version}. "
                + "Start a new data folder and replay the ledger into it, or for the demo run './edgetrace demo --fresh'");
        }
        EpcObservations.EnsureBuilt(connection, tx);
        AlarmLeaves.EnsureBuilt(connection, tx);
        SuppressionEvents.EnsureBuilt(connection, tx);
        Measurements.EnsureBuilt(connection, tx);
        tx.Commit();
    }

    /// <summary>
    /// A connection for the writer: synchronous=FULL, so a commit is on disk when it returns; no
    /// automatic WAL checkpoints (<see cref="WalCheckpointer"/> runs them off the commit path), and the
    /// WAL file cut back when the log starts over after one (journal_size_limit), so that its size
    /// on disk is what is yet to be checkpointed; savepoint journals in memory rather than in a
    /// temporary file opened per transaction.
    /// </summary>
    public SqliteConnection OpenWriter()
    {
        var connection = Open(SqliteOpenMode.ReadWrite);
        Execute(connection, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 0; PRAGMA temp_store = MEMORY;");
        return connection;
    }

    /// <summary>A read-only connection.</summary>
    public SqliteConnection OpenReader()
    {
        var connection = Open(SqliteOpenMode.ReadOnly);
        // Proofs read random tiles of a file that may be gigabytes: map it rather than copy pages.
        Execute(connection, "PRAGMA query_only = ON; PRAGMA cache_size = -16384; PRAGMA mmap_size = 17179869184;");
        return connection;
    }

    private SqliteConnection Open(SqliteOpenMode mode)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = mode,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        };
        var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        Execute(connection, $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};");
        return connection;
    }

    internal static void Execute(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
