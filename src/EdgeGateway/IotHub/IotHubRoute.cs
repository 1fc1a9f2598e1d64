using EdgeGateway.Configuration;
using EdgeGateway.Mqtt;
using Firmware.Contracts.Mqtt;
using Firmware.Contracts.Readings;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.IotHub;

/// <summary>
/// An optional output: every committed reading (measurement, RFID observation, sensor fault) is sent to an
/// Azure IoT Hub as device-to-cloud telemetry, a SenML pack per leaf, over MQTT with IoT Hub's own formats
/// (<see cref="IotHubMqtt"/>) and the gateway's MQTT client (reconnects, a bounded queue, QoS 1 resent
/// after a reconnect). The SAS token is made afresh for every connection, so one that expired (IoT Hub then
/// drops the connection) is replaced by the next attempt. Like MQTT, never the custody path.
/// </summary>
public sealed partial class IotHubRoute : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly string _topic;
    private readonly ILogger<IotHubRoute> _logger;

    private IotHubRoute(IMqttClient client, string topic, ILogger<IotHubRoute> logger)
    {
        _client = client;
        _topic = topic;
        _logger = logger;
    }

    /// <summary>The client (state and counters).</summary>
    public IMqttClient Client => _client;

    /// <summary>Creates the route; it connects in the background once <see cref="Start"/> is called.</summary>
    /// <exception cref="ArgumentException">The settings or the key cannot be used.</exception>
    public static IotHubRoute Create(IotHubSettings settings, byte[] deviceKey, TimeProvider clock, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(loggers);
        var key = deviceKey.ToArray();
        var client = new MqttNetClient(new MqttOptions
        {
            Host = settings.HostName,
            Port = settings.Port,
            ClientId = settings.DeviceId,
            ProtocolVersion = MqttProtocolVersion.V311,
            CleanSession = true,
            KeepAlive = TimeSpan.FromSeconds(60),
            Tls = new MqttTlsOptions(settings.CaCertificateFile ?? ""),
            CredentialsProvider = () => new MqttCredentials(
                IotHubMqtt.Username(settings.HostName, settings.DeviceId, settings.ApiVersion),
                IotHubMqtt.SasToken(settings.HostName, settings.DeviceId, key, clock.GetUtcNow() + settings.TokenLifetime)),
            ReconnectMinDelay = TimeSpan.FromSeconds(1),
            ReconnectMaxDelay = TimeSpan.FromMinutes(2),
            QueueCapacity = settings.QueueMessages,
            QueueCapacityBytes = 1024 * 1024,
            MaxPayloadBytes = 64 * 1024,
        }, loggers.CreateLogger<MqttNetClient>(), clock);
        return new IotHubRoute(client, IotHubMqtt.EventsTopic(settings.DeviceId), loggers.CreateLogger<IotHubRoute>());
    }

    /// <summary>Starts connecting; the gateway never waits for the hub.</summary>
    public void Start(CancellationToken stoppingToken) => _ = ConnectAsync(stoppingToken);

    /// <summary>Queues the readings among committed leaves (QoS 1; the oldest queued are dropped first only when
    /// the queue is full of readings, see the client's overflow policy).</summary>
    public void OnCommitted(IReadOnlyList<ReadingLeaf> leaves)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        foreach (var leaf in leaves)
        {
            if (leaf.Content.Kind is LeafKind.Measurement or LeafKind.Observation or LeafKind.Fault)
            {
                // QoS 0: a reading is kept in the signed log whatever happens here; the queue drops the oldest first.
                _client.TryPublish(new MqttMessage(_topic, SenmlPack.FromLeaf(leaf), MqttQos.AtMostOnce));
            }
        }
    }

    /// <summary>Sends what is queued (briefly) and disconnects.</summary>
    public ValueTask DisposeAsync() => _client.DisposeAsync();

    private async Task ConnectAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _client.ConnectAsync(stoppingToken);
            LogConnected();
        }
        catch (MqttConnectException e)
        {
            LogRefused(e.Message);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(EventId = 541, EventName = "iothub-connected", Level = LogLevel.Information, Message = "connected to the IoT Hub; readings are sent as device-to-cloud telemetry")]
    private partial void LogConnected();

    [LoggerMessage(EventId = 542, EventName = "iothub-refused", Level = LogLevel.Warning,
        Message = "the IoT Hub refused the gateway ({Reason}); check iotHub.hostName, deviceId and deviceKeyFile; retrying")]
    private partial void LogRefused(string reason);
}
