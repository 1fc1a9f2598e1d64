using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AnchorNode.Notifications;

/// <summary>
/// Runs a watcher's check at once and then every interval, on the watcher's clock. A round that fails
/// (e.g. on a locked database) is logged and the next one runs: the watching never stops by itself.
/// </summary>
/// <param name="check">One round.</param>
/// <param name="what">What a round checks, for the log: e.g. "alarms for escalation".</param>
/// <param name="interval">Between rounds.</param>
/// <param name="time">The clock the rounds tick on.</param>
/// <param name="logger">Where a failed round is logged.</param>
public sealed partial class PeriodicCheckService(Action check, string what, TimeSpan interval, TimeProvider time, ILogger<PeriodicCheckService> logger) : BackgroundService
{
    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        do
        {
            try
            {
                check();
            }
#pragma warning disable CA1031 // a locked database or a bad round must not stop the watching
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogFailed(logger, what, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Checking {What} failed; trying again at the next interval")]
    private static partial void LogFailed(ILogger logger, string what, Exception exception);
}
