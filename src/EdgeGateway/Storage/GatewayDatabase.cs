using Microsoft.Data.Sqlite;

namespace EdgeGateway.Storage;

/// <summary>
/// The gateway's SQLite database: opening with the pragmas durability needs, and the schema.
/// </summary>
/// <remarks>
/// WAL journal, <c>synchronous=FULL</c> on every writing connection: a commit returns only after
/// the write-ahead log is on disk, which is what "acknowledged" means for a reading. Incremental
/// auto-vacuum lets pruning give space back to the file system.
/// </remarks>
public static class GatewayDatabase
{
    /// <summary>The database file's name in the data folder.</summary>
    public const string FileName = "gateway.db";

    /// <summary>The schema version this code writes (PRAGMA user_version).</summary>
    public const int SchemaVersion = 1;

    private static int s_initialised;

    private const string Schema = """
        CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value) WITHOUT ROWID;
        -- One row per leaf of the device log. hash is level 0 of the Merkle hash store.
        CREATE TABLE leaves (seq INTEGER PRIMARY KEY, hash BLOB NOT NULL, bytes BLOB NOT NULL);
        -- Stored interior levels 4, 8, ... of the Merkle hash store.
        CREATE TABLE merkle_nodes (level INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID;
        -- Signed checkpoints, by size: one root per size, ever.
        CREATE TABLE checkpoints (size INTEGER PRIMARY KEY, root BLOB NOT NULL, time_ms INTEGER NOT NULL, note TEXT NOT NULL);
        -- The alarm engine's memory, saved with the leaves it produced.
        CREATE TABLE alarm_state (rule TEXT NOT NULL, sensor TEXT NOT NULL, state TEXT NOT NULL, PRIMARY KEY (rule, sensor)) WITHOUT ROWID;
        """;

    /// <summary>Loads the bundled SQLite once per process.</summary>
    public static void Initialise()
    {
        if (Interlocked.Exchange(ref s_initialised, 1) == 0)
        {
            SQLitePCL.Batteries_V2.Init();
        }
    }

    /// <summary>The database path in a data folder.</summary>
    public static string PathIn(string dataDirectory) => Path.Combine(dataDirectory, FileName);

    /// <summary>
    /// Creates a new database for <paramref name="deviceId"/>; fails if the file exists.
    /// </summary>
    /// <exception cref="IOException">When the file exists.</exception>
    public static void Create(string path, string deviceId, long nowMs)
    {
        if (File.Exists(path))
        {
            throw new IOException($"{path} already exists");
        }
        Initialise();
        using (var connection = new SqliteConnection(ConnectionString(path, SqliteOpenMode.ReadWriteCreate)))
        {
            connection.Open();
            // auto_vacuum must be chosen before the first table exists.
            Execute(connection, "PRAGMA auto_vacuum = INCREMENTAL;");
            ApplyWritePragmas(connection);
            using var tx = connection.BeginTransaction();
            Execute(connection, Schema, tx);
            using (var insert = connection.CreateCommand())
            {
                insert.Transaction = tx;
                insert.CommandText = "INSERT INTO meta(key, value) VALUES ($k, $v);";
                var k = insert.Parameters.Add("$k", SqliteType.Text);
                var v = insert.Parameters.AddWithValue("$v", DBNull.Value);
                foreach (var (key, value) in new (string, object)[]
                {
                    (MetaKeys.DeviceId, deviceId), (MetaKeys.LogSize, 0L), (MetaKeys.PrunedBelow, 0L),
                    (MetaKeys.NodeCommittedSize, 0L), (MetaKeys.CreatedMs, nowMs),
                })
                {
                    k.Value = key;
                    v.Value = value;
                    insert.ExecuteNonQuery();
                }
            }
            Execute(connection, $"PRAGMA user_version = {SchemaVersion};", tx);
            tx.Commit();
        }
        SqliteConnection.ClearAllPools();
        DirectorySync.Sync(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>Opens an existing database for writing, with the durability pragmas.</summary>
    /// <exception cref="IOException">When the file is missing or its schema is not this version's.</exception>
    public static SqliteConnection OpenReadWrite(string path)
    {
        if (!File.Exists(path))
        {
            throw new IOException($"the database {path} does not exist; create the data folder with `{EdgeTrace.CommandLine.Programs.Gateway} init --data DIR`");
        }
        Initialise();
        var connection = new SqliteConnection(ConnectionString(path, SqliteOpenMode.ReadWrite));
        try
        {
            connection.Open();
            ApplyWritePragmas(connection);
            CheckSchema(connection, path);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens the database read-only, for <c>status</c> while the daemon runs: WAL lets it read a
    /// consistent snapshot without blocking the writer.
    /// </summary>
    public static SqliteConnection OpenReadOnly(string path)
    {
        if (!File.Exists(path))
        {
            throw new IOException($"the database {path} does not exist; create the data folder with `{EdgeTrace.CommandLine.Programs.Gateway} init --data DIR`");
        }
        Initialise();
        var connection = new SqliteConnection(ConnectionString(path, SqliteOpenMode.ReadOnly));
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout = 5000;");
            CheckSchema(connection, path);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Bytes on disk: the database file and its write-ahead log.</summary>
    public static long DiskBytes(string path)
    {
        static long SizeOf(string p) => File.Exists(p) ? new FileInfo(p).Length : 0;
        return SizeOf(path) + SizeOf(path + "-wal");
    }

    /// <summary>The page cache of one connection, in KiB: appends touch few pages, and a board has little memory.</summary>
    public const int CacheKibibytes = 512;

    /// <summary>Bytes of database pages in use, free pages excluded.</summary>
    public static long UsedBytes(SqliteConnection connection, SqliteTransaction? tx = null) => Scalar<long>(connection, UsedBytesSql, tx);

    internal const string UsedBytesSql =
        "SELECT (p.page_count - f.freelist_count) * s.page_size FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() s;";

    internal static void Execute(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    internal static T Scalar<T>(SqliteConnection connection, string sql, SqliteTransaction? tx = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return (T)Convert.ChangeType(command.ExecuteScalar()!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string ConnectionString(string path, SqliteOpenMode mode) => new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = mode,
        // One long-lived connection per role; pooling would only keep closed ones alive.
        Pooling = false,
        DefaultTimeout = 30,
    }.ToString();

    private static void ApplyWritePragmas(SqliteConnection connection)
    {
        var mode = Scalar<string>(connection, "PRAGMA journal_mode = WAL;");
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new IOException($"the database cannot use write-ahead logging (journal mode is {mode}); is the file system read-only?");
        }
        Execute(connection, $"""
            PRAGMA synchronous = FULL;
            PRAGMA busy_timeout = 5000;
            PRAGMA cache_size = -{CacheKibibytes};
            PRAGMA journal_size_limit = 8388608;
            PRAGMA foreign_keys = OFF;
            """);
    }

    private static void CheckSchema(SqliteConnection connection, string path)
    {
        var version = Scalar<long>(connection, "PRAGMA user_version;");
        if (version != SchemaVersion)
        {
            throw new IOException(version == 0
                ? $"{path} is not an EdgeGateway database (no schema)"
                : $"{path} has schema version {version}; this EdgeGateway reads version {SchemaVersion}");
        }
    }
}

/// <summary>Keys of the <c>meta</c> table.</summary>
public static class MetaKeys
{
    /// <summary>The device the log belongs to.</summary>
    public const string DeviceId = "device_id";

    /// <summary>Leaves in the log (the next sequence number).</summary>
    public const string LogSize = "log_size";

    /// <summary>Leaves below this sequence were pruned after the node committed them.</summary>
    public const string PrunedBelow = "pruned_below";

    /// <summary>The node's committed size, as it last said.</summary>
    public const string NodeCommittedSize = "node_committed_size";

    /// <summary>When the node last said it.</summary>
    public const string NodeCommittedMs = "node_committed_ms";

    /// <summary>The ledger index of the last anchor entry.</summary>
    public const string NodeLedgerIndex = "node_ledger_index";

    /// <summary>The base URL of the node the uplink anchors on (one of node.urls).</summary>
    public const string NodeUrl = "node_url";

    /// <summary>The uplink's state: ok, offline, unknown-device, blocked, diverged.</summary>
    public const string UplinkState = "uplink_state";

    /// <summary>What the uplink last reported, for people.</summary>
    public const string UplinkDetail = "uplink_detail";

    /// <summary>When the uplink state was set.</summary>
    public const string UplinkMs = "uplink_ms";

    /// <summary>Set while the disk budget refuses new readings: since when.</summary>
    public const string DiskFullSinceMs = "disk_full_since_ms";

    /// <summary>Why readings are refused: <see cref="DiskFullCauses.Budget"/> or <see cref="DiskFullCauses.FileSystem"/>.</summary>
    public const string DiskFullCause = "disk_full_cause";

    /// <summary>Readings refused while the disk budget was exhausted.</summary>
    public const string RefusedReadings = "refused_readings";

    /// <summary>The configured disk budget in bytes, for status.</summary>
    public const string DiskBudgetBytes = "disk_budget_bytes";

    /// <summary>When the database was created.</summary>
    public const string CreatedMs = "created_ms";

    /// <summary>The MQTT connection's state: connecting, connected, reconnecting, refused, unavailable, stopped.</summary>
    public const string MqttState = "mqtt_state";

    /// <summary>What the MQTT connection last reported, for people.</summary>
    public const string MqttDetail = "mqtt_detail";

    /// <summary>When the MQTT state was recorded.</summary>
    public const string MqttMs = "mqtt_ms";

    /// <summary>The MQTT counters since the daemon started (JSON).</summary>
    public const string MqttCounters = "mqtt_counters";

    /// <summary>The gateway time of the last status report sent (reports must go on increasing across restarts).</summary>
    public const string StatusReportMs = "status_report_ms";
}

/// <summary>Why the gateway refuses readings (<see cref="MetaKeys.DiskFullCause"/>).</summary>
public static class DiskFullCauses
{
    /// <summary>The database reached <c>storage.maxDatabaseMegabytes</c> with nothing left to prune.</summary>
    public const string Budget = "budget";

    /// <summary>The data folder's file system is full (or nearly: less than the headroom is free).</summary>
    public const string FileSystem = "file-system";
}
