using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AnchorNode.Storage;

/// <summary>
/// Copies the write-ahead log into the database file in the background. The writer connection has
/// automatic checkpoints turned off, so that an acknowledged commit never waits for a checkpoint;
/// this service keeps the WAL from growing instead (PASSIVE: it never blocks the writer or readers).
/// </summary>
public sealed partial class WalCheckpointService : BackgroundService
{
    private const long Threshold = 16L << 20;

    private readonly NodeDatabase _database;
    private readonly TimeProvider _time;
    private readonly ILogger<WalCheckpointService> _logger;

    /// <summary>Checkpoints <paramref name="database"/>.</summary>
    public WalCheckpointService(NodeDatabase database, TimeProvider time, ILogger<WalCheckpointService> logger)
    {
        _database = database;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500), _time);
        using var connection = _database.OpenWriter();
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            var wal = new FileInfo(_database.Path + "-wal");
            if (!wal.Exists || wal.Length < Threshold)
            {
                continue;
            }
            try
            {
                NodeDatabase.Execute(connection, "PRAGMA wal_checkpoint(PASSIVE);");
            }
            catch (Microsoft.Data.Sqlite.SqliteException e)
            {
                LogFailed(_logger, e.Message);
            }
        }
        // On shutdown copy everything, so the next start finds a small WAL.
        NodeDatabase.Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "WAL checkpoint failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
