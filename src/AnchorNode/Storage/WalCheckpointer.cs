using Microsoft.Data.Sqlite;

namespace AnchorNode.Storage;

/// <summary>
/// Keeps a database's write-ahead log from growing: once the <c>-wal</c> file passes a size, a
/// PASSIVE checkpoint copies it into the database file (it never waits for, or blocks, the writer or
/// readers), and the next write starts the log over. The writer connection has automatic checkpoints
/// turned off, so that an acknowledged commit never waits for one; whatever writes through it calls
/// this instead: the node's <see cref="WalCheckpointService"/> on a timer, a cosigner's replica after
/// each entry it replays.
/// </summary>
public sealed class WalCheckpointer : IDisposable
{
    /// <summary>The default size past which the log is checkpointed.</summary>
    public const long DefaultThresholdBytes = 16L << 20;

    private readonly NodeDatabase _database;
    private readonly Lock _gate = new();
    private SqliteConnection? _connection;
    private long _checkpoints;

    /// <summary>Checkpoints <paramref name="database"/> once its log passes <paramref name="thresholdBytes"/>.</summary>
    public WalCheckpointer(NodeDatabase database, long thresholdBytes = DefaultThresholdBytes)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentOutOfRangeException.ThrowIfLessThan(thresholdBytes, 1);
        _database = database;
        ThresholdBytes = thresholdBytes;
    }

    /// <summary>The size past which the log is checkpointed.</summary>
    public long ThresholdBytes { get; }

    /// <summary>The <c>-wal</c> file.</summary>
    public string WalPath => _database.Path + "-wal";

    /// <summary>How many checkpoints ran.</summary>
    public long Checkpoints => Interlocked.Read(ref _checkpoints);

    /// <summary>Runs a PASSIVE checkpoint when the log is larger than <see cref="ThresholdBytes"/>; true when one ran.</summary>
    /// <exception cref="SqliteException">When SQLite cannot checkpoint (the caller logs it and tries again later).</exception>
    public bool CheckpointIfLarge()
    {
        var wal = new FileInfo(WalPath);
        if (!wal.Exists || wal.Length < ThresholdBytes)
        {
            return false;
        }
        lock (_gate)
        {
            _connection ??= _database.OpenWriter();
            NodeDatabase.Execute(_connection, "PRAGMA wal_checkpoint(PASSIVE);");
            Interlocked.Increment(ref _checkpoints);
        }
        return true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            _connection?.Dispose();
            _connection = null;
        }
    }
}
