using System.Threading.Channels;
using EdgeGateway.Configuration;
using EdgeGateway.Log;
using EdgeGateway.Storage;
using EdgeGateway.Uplink;
using Firmware.Contracts.Notes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Daemon;

/// <summary>Hosts the <see cref="UplinkWorker"/> when a node is configured.</summary>
internal sealed partial class UplinkService(
    GatewayConfig config, string databasePath, INoteSigner signer, LogWriter writer, Channel<LogInput> channel,
    TimeProvider clock, ILoggerFactory loggers, ILogger<UplinkService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (config.Node.Url is null)
        {
            LogNoNode();
            return;
        }
        await Task.Yield();
        using var store = SqliteUplinkStore.Open(databasePath);
        using var client = HttpAnchorClient.Create(config.Node.Url, config.Node.RequestTimeout, config.Node.CaCertificateFile);
        using var deviceKey = NoteVerifierKey.FromSpki(signer.KeyName, signer.PublicKey.Span);
        var worker = new UplinkWorker(config.DeviceId, client, store, deviceKey, config.Uplink, clock, new Random(),
            (e, ct) => channel.Writer.WriteAsync(LogInput.From(e), ct), loggers.CreateLogger<UplinkWorker>());
        writer.CheckpointSealed += _ => worker.NotifySealed();
        LogNode(config.Node.Url.ToString());
        await worker.RunAsync(stoppingToken);
    }

    [LoggerMessage(EventId = 401, EventName = "no-node", Level = LogLevel.Warning, Message = "no node.url in gateway.json: readings are kept and sealed here but not anchored")]
    private partial void LogNoNode();

    [LoggerMessage(EventId = 402, EventName = "node", Level = LogLevel.Information, Message = "anchoring on {Url}")]
    private partial void LogNode(string url);
}
