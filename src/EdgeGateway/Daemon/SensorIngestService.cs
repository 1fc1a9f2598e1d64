using System.Threading.Channels;
using EdgeGateway.Log;
using EdgeGateway.Sensors;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Daemon;

/// <summary>What sensor discovery noted, for the log.</summary>
internal sealed record SourceNotes(IReadOnlyList<string> Lines);

/// <summary>
/// Pumps every sensor source into the log writer's channel. The bounded channel makes a slow
/// disk hold the sources back rather than grow memory. On stop the channel is completed, which
/// tells the writer that no more events come.
/// </summary>
internal sealed partial class SensorIngestService(
    IReadOnlyList<ISensorSource> sources, SourceNotes notes, Channel<LogInput> channel, TimeProvider clock, ILogger<SensorIngestService> logger)
    : BackgroundService
{
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(5);

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var note in notes.Lines)
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

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        channel.Writer.TryComplete();
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
                    await channel.Writer.WriteAsync(LogInput.From(e), stoppingToken);
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
                // Sources report sensor trouble as fault events; an exception is a defect, and
                // the other sources must keep going.
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

    [LoggerMessage(EventId = 305, EventName = "discovery", Level = LogLevel.Information, Message = "{Note}")]
    private partial void LogNote(string note);

    [LoggerMessage(EventId = 302, EventName = "no-sources", Level = LogLevel.Warning, Message = "no sensor source is configured or found; the gateway keeps its log and uplink running")]
    private partial void LogNoSources();

    [LoggerMessage(EventId = 303, EventName = "source-ended", Level = LogLevel.Warning, Message = "source {Source} ended; restarting it")]
    private partial void LogSourceEnded(string source);

    [LoggerMessage(EventId = 304, EventName = "source-failed", Level = LogLevel.Error, Message = "source {Source} failed; restarting it")]
    private partial void LogSourceFailed(Exception exception, string source);
}
