using System.Threading.Channels;
using EdgeGateway.Log;
using EdgeGateway.Sensors;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Daemon;

/// <summary>
/// Pumps every sensor source into the log writer's channel. The bounded channel makes a slow disk
/// hold the sources back rather than grow memory. A source that ends or throws is restarted:
/// sources report sensor trouble as fault events, so an exception is a defect, and the other
/// sources must keep going.
/// </summary>
internal sealed partial class SensorPump(IReadOnlyList<ISensorSource> sources, ChannelWriter<LogInput> channel, TimeProvider clock, ILogger<SensorPump> logger)
{
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(5);

    /// <summary>Runs every source until <paramref name="stoppingToken"/> fires.</summary>
    public Task RunAsync(IReadOnlyList<string> notes, CancellationToken stoppingToken)
    {
        foreach (var note in notes)
        {
            LogNote(note);
        }
        foreach (var source in sources)
        {
            LogSource(source.Name, source.Sensors.Count);
        }
        if (sources.Count == 0)
        {
            LogNoSources();
        }
        return Task.WhenAll(sources.Select(s => PumpAsync(s, stoppingToken)));
    }

    private async Task PumpAsync(ISensorSource source, CancellationToken stoppingToken)
    {
        await Task.Yield();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var e in source.ReadAsync(stoppingToken))
                {
                    await channel.WriteAsync(LogInput.From(e), stoppingToken);
                }
                if (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                LogSourceEnded(source.Name);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (ChannelClosedException)
            {
                return;
            }
            catch (Exception e)
            {
                LogSourceFailed(e, source.Name);
            }
            try
            {
                await Task.Delay(RestartDelay, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 301, EventName = "source", Level = LogLevel.Information, Message = "reading source {Source} with {Channels} channels")]
    private partial void LogSource(string source, int channels);

    [LoggerMessage(EventId = 302, EventName = "no-sources", Level = LogLevel.Warning, Message = "no sensor source is configured or found; the gateway keeps its log and uplink running")]
    private partial void LogNoSources();

    [LoggerMessage(EventId = 303, EventName = "source-ended", Level = LogLevel.Warning, Message = "source {Source} ended; restarting it")]
    private partial void LogSourceEnded(string source);

    [LoggerMessage(EventId = 304, EventName = "source-failed", Level = LogLevel.Error, Message = "source {Source} failed; restarting it")]
    private partial void LogSourceFailed(Exception exception, string source);

    [LoggerMessage(EventId = 305, EventName = "discovery", Level = LogLevel.Information, Message = "{Note}")]
    private partial void LogNote(string note);
}
