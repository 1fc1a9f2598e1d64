using System.Threading.Channels;
using EdgeGateway.Log;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Daemon;

/// <summary>
/// Hosts the <see cref="LogWriter"/>. Registered first so that it stops last: by then the sensor
/// sources have stopped and the channel is complete, and the writer commits what is left.
/// </summary>
internal sealed partial class LogWriterService(
    LogWriter writer, DeviceLog log, Channel<LogInput> channel, GatewayRunState state, IHostApplicationLifetime lifetime, ILogger<LogWriterService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await writer.RunAsync(channel.Reader, stoppingToken);
        }
        catch (LogIntegrityException e)
        {
            LogIntegrity(e.Message);
            state.Fail(ExitCodes.Integrity);
            lifetime.StopApplication();
        }
        catch (Exception e)
        {
            LogFailed(e);
            state.Fail(ExitCodes.Failure);
            lifetime.StopApplication();
        }
        finally
        {
            log.Dispose();
        }
    }

    [LoggerMessage(EventId = 201, EventName = "integrity-failure", Level = LogLevel.Critical, Message = "STOPPING: {Reason}")]
    private partial void LogIntegrity(string reason);

    [LoggerMessage(EventId = 202, EventName = "writer-failed", Level = LogLevel.Critical, Message = "STOPPING: the device log writer failed; readings not yet acknowledged were not stored")]
    private partial void LogFailed(Exception exception);
}
