using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AnchorNode.Storage;

/// <summary>
/// Runs the node's <see cref="WalCheckpointer"/> in the background every half second. (When the node
/// stops, closing its last connection copies the rest of the log into the database file.)
/// </summary>
public sealed partial class WalCheckpointService : BackgroundService
{
    private readonly WalCheckpointer _wal;
    private readonly TimeProvider _time;
    private readonly ILogger<WalCheckpointService> _logger;

    /// <summary>Runs <paramref name="wal"/>.</summary>
    public WalCheckpointService(WalCheckpointer wal, TimeProvider time, ILogger<WalCheckpointService> logger)
    {
        _wal = wal;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500), _time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                _wal.CheckpointIfLarge();
            }
            catch (Microsoft.Data.Sqlite.SqliteException e)
            {
                LogFailed(_logger, e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "WAL checkpoint failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
