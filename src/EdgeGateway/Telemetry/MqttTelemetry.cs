using System.Globalization;
using System.Threading.Channels;
using EdgeGateway.Configuration;
using EdgeGateway.Log;
using System.Security.Cryptography;
using EdgeGateway.Mqtt;
using EdgeGateway.Mqtt.Broker;
using EdgeGateway.Sensors;
using EdgeGateway.Storage;
using Firmware.Contracts.Mqtt;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Telemetry;

/// <summary>The MQTT states recorded for <c>status</c>.</summary>
public static class MqttStates
{
    /// <summary>Not connected yet.</summary>
    public const string Connecting = "connecting";

    /// <summary>Connected; telemetry flows.</summary>
    public const string Connected = "connected";

    /// <summary>The connection failed or dropped for a reason that may pass (network, broker restart); retrying.</summary>
    public const string Reconnecting = "reconnecting";

    /// <summary>The broker or TLS refused the gateway (credentials, certificates); retrying, but someone must act.</summary>
    public const string Refused = "refused";

    /// <summary>MQTT is configured but cannot run here (unusable settings); the gateway runs without it.</summary>
    public const string Unavailable = "unavailable";

    /// <summary>The daemon stopped.</summary>
    public const string Stopped = "stopped";
}

/// <summary>Everything the daemon needs to start MQTT: settings, the gateway's identity and its state at start.</summary>
public sealed record MqttTelemetrySetup
{
    /// <summary>The <c>mqtt</c> section of gateway.json.</summary>
    public required MqttSettings Settings { get; init; }

    /// <summary>This gateway's device id.</summary>
    public required string DeviceId { get; init; }

    /// <summary>The gateway database (for the status rows).</summary>
    public required string DatabasePath { get; init; }

    /// <summary>Zones with alarm rules.</summary>
    public IReadOnlyCollection<string> AlarmZones { get; init; } = [];

    /// <summary>Alarms active at start.</summary>
    public IReadOnlyList<Alarms.ActiveAlarm> ActiveAlarms { get; init; } = [];

    /// <summary>The log size at start.</summary>
    public long LogSize { get; init; }

    /// <summary>What the node had committed at start.</summary>
    public long CommittedSize { get; init; }
}

/// <summary>
/// The gateway's MQTT side: the client (with the Last Will), the <see cref="TelemetryPublisher"/>,
/// <see cref="NodeIngestion"/>, and a small loop that publishes the retained topics again after
/// every (re)connect and records the state and counters for <c>status</c>. Optional: when it cannot
/// start, the gateway runs without it and <c>status</c> says why.
/// </summary>
public sealed partial class MqttTelemetry : IAsyncDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RecordInterval = TimeSpan.FromSeconds(2);

    private readonly MqttTelemetrySetup _setup;
    private readonly IMqttClient _client;
    private readonly MqttNetBroker? _broker;
    private readonly NodeMessageDecoder _decoder;
    private readonly TimeProvider _clock;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<MqttTelemetry> _logger;
    private readonly SqliteTelemetryStore _store;
    private int _disposed;

    private MqttTelemetry(MqttTelemetrySetup setup, IMqttClient client, MqttNetBroker? broker, SqliteTelemetryStore store, TimeProvider clock, ILoggerFactory loggers)
    {
        _setup = setup;
        _client = client;
        _broker = broker;
        _store = store;
        _clock = clock;
        _loggers = loggers;
        _logger = loggers.CreateLogger<MqttTelemetry>();
        var topics = new MqttTopics(setup.Settings.TopicPrefix);
        _decoder = new NodeMessageDecoder(setup.Settings, PlausibilityLimits.Default);
        Publisher = new TelemetryPublisher(client, topics, setup.DeviceId, setup.AlarmZones, setup.ActiveAlarms, setup.LogSize, setup.CommittedSize,
            Counters, clock, loggers.CreateLogger<TelemetryPublisher>());
    }

    /// <summary>Publishes what the writer and the uplink report.</summary>
    public TelemetryPublisher Publisher { get; }

    /// <summary>The counters.</summary>
    public TelemetryCounters Counters { get; } = new();

    /// <summary>
    /// Starts the embedded broker when configured and creates the client for <paramref name="setup"/>, or
    /// returns null when MQTT cannot run here (settings the client refuses, the embedded broker's port
    /// taken): then it has logged one
    /// warning saying what to do and recorded the reason for <c>status</c>. Connecting starts in
    /// <see cref="RunAsync"/>.
    /// </summary>
    public static async Task<MqttTelemetry?> TryCreateAsync(MqttTelemetrySetup setup, TimeProvider clock, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(loggers);
        var logger = loggers.CreateLogger<MqttTelemetry>();
        var store = SqliteTelemetryStore.Open(setup.DatabasePath);
        string reason;
        MqttNetBroker? broker = null;
        try
        {
            var options = ClientOptions(setup);
            if (setup.Settings.Embedded is { } embedded)
            {
                // The gateway's own client logs in with a password made for this run only.
                var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
                broker = await MqttNetBroker.StartAsync(EmbeddedBroker.Options(embedded, setup, password), loggers.CreateLogger<MqttNetBroker>());
                options = options with { Credentials = new MqttCredentials(setup.Settings.ClientId, password) };
            }
            var client = new MqttNetClient(options, loggers.CreateLogger<MqttNetClient>(), TimeProvider.System);
            return new MqttTelemetry(setup, client, broker, store, clock, loggers);
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or FormatException or CryptographicException)
        {
            reason = e is IOException && broker is null && setup.Settings.Embedded is not null ? e.Message : $"the mqtt settings cannot be used: {e.Message}";
        }
        if (broker is not null) await broker.DisposeAsync();
        try
        {
            LogUnavailable(logger, reason);
            store.Record(MqttStates.Unavailable, reason, new TelemetryCounters().Snapshot(null).ToJson(), clock.GetUtcNow().ToUnixTimeMilliseconds());
        }
        finally
        {
            store.Dispose();
        }
        return null;
    }

    /// <summary>When MQTT is not configured: forgets the state an earlier run recorded, so <c>status</c> does not show it.</summary>
    public static void ClearRecord(string databasePath)
    {
        using var store = SqliteTelemetryStore.Open(databasePath);
        if (store.HasRecord())
        {
            store.Clear();
        }
    }

    /// <summary>The client options for <paramref name="setup"/>: the Last Will, TLS and credentials.</summary>
    /// <exception cref="IOException">When the password file cannot be read.</exception>
    public static MqttOptions ClientOptions(MqttTelemetrySetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        var s = setup.Settings;
        var topics = new MqttTopics(s.TopicPrefix);
        MqttCredentials? credentials = null;
        if (s.Username is { } username)
        {
            string? password = null;
            if (s.PasswordFile is { } file)
            {
                try
                {
                    password = File.ReadLines(file).FirstOrDefault() ?? "";
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new IOException($"mqtt.passwordFile '{file}' cannot be read: {e.Message}", e);
                }
            }
            credentials = new MqttCredentials(username, password);
        }
        return new MqttOptions
        {
            Host = s.Host,
            Port = s.Port,
            ClientId = s.ClientId,
            ProtocolVersion = s.Protocol,
            CleanSession = s.CleanSession,
            KeepAlive = s.KeepAlive,
            Credentials = credentials,
            Tls = s.CaCertificateFile is { } ca ? new MqttTlsOptions(ca) { CertFile = s.ClientCertificateFile, KeyFile = s.ClientKeyFile } : null,
            Will = TelemetryPublisher.LastWill(topics, setup.DeviceId),
            ReconnectMinDelay = s.ReconnectMin,
            ReconnectMaxDelay = s.ReconnectMax,
            QueueCapacity = s.QueueMessages,
            QueueCapacityBytes = s.QueueBytes,
            // Leaves are at most 2 KiB and status/alarm messages small; this only bounds a runaway.
            MaxPayloadBytes = 64 * 1024,
            ReceiveQueueCapacity = s.ReceiveQueueMessages,
            // Sensor-node packs are at most 16 KiB (SenML), zigbee2mqtt messages 8 KiB; anything larger is dropped
            // in the network thread without being copied, so the receive queue holds at most its capacity × 16 KiB.
            MaxReceivePayloadBytes = SenmlPack.MaxBytes,
        };
    }

    /// <summary>
    /// Connects (in the background: the gateway never waits for the broker), subscribes to the
    /// sensor-node topics, ingests node messages into <paramref name="log"/>, and keeps the retained
    /// topics and the status rows current, until <paramref name="stoppingToken"/> fires.
    /// </summary>
    public async Task RunAsync(ChannelWriter<LogInput> log, CancellationToken stoppingToken)
    {
        await Task.Yield();
        LogStarting(_setup.Settings.Host, _setup.Settings.Port, _setup.Settings.CaCertificateFile is null ? "plain" : "TLS",
            _setup.Settings.Nodes.Count, _setup.Settings.Zigbee2MqttDevices.Count);
        var connecting = ConnectAsync(stoppingToken);
        var subscribing = Task.WhenAll(_decoder.SubscriptionFilters.Select(f => SubscribeAsync(f, stoppingToken)));
        var ingestion = new NodeIngestion(_decoder, log, Counters, _clock, TimeProvider.System, _loggers.CreateLogger<NodeIngestion>())
            .RunAsync(_client.Messages, stoppingToken);
        try
        {
            await MaintainAsync(stoppingToken);
        }
        finally
        {
            await Quietly(ingestion);
            await Quietly(subscribing);
            await Quietly(connecting);
        }
    }

    /// <summary>
    /// The stop, after the log writer's last commit and the <c>offline</c> status
    /// (<see cref="TelemetryPublisher.PublishStopped"/>): sends what is queued (a couple of seconds at
    /// most), disconnects so that the broker does not publish the Last Will, and records the final counters.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        try
        {
            if (!Publisher.StoppedPublished)
            {
                // Stopping on an exception the daemon did not expect: say so rather than stay "online".
                Publisher.PublishStopped(Firmware.Contracts.Mqtt.GatewayStatus.FailedReason);
            }
            var wasConnected = _client.State == MqttConnectionState.Connected;
            await _client.DisposeAsync();
            if (_broker is not null) await _broker.DisposeAsync();
            Record(MqttStates.Stopped, wasConnected ? "stopped; offline status published" : "stopped while not connected to the broker");
        }
        finally
        {
            _store.Dispose();
        }
    }

    private async Task MaintainAsync(CancellationToken stoppingToken)
    {
        long connections = 0;
        long recordedVersion = -1;
        string? recordedState = null;
        string? recordedDetail = null;
        var lastRecord = TimeProvider.System.GetTimestamp();
        using var timer = new PeriodicTimer(Tick, TimeProvider.System);
        do
        {
            var statistics = _client.Statistics;
            if (statistics.Connections > connections)
            {
                connections = statistics.Connections;
                // Retained topics again: a broker restarted without persistence has forgotten them.
                Publisher.PublishRetained();
            }
            var (state, detail) = Describe();
            var due = TimeProvider.System.GetElapsedTime(lastRecord) >= RecordInterval && Counters.Version != recordedVersion;
            if (state != recordedState || detail != recordedDetail || due)
            {
                if (state != recordedState && recordedState is not null)
                {
                    LogState(state, detail);
                }
                recordedVersion = Counters.Version;
                recordedState = state;
                recordedDetail = detail;
                lastRecord = TimeProvider.System.GetTimestamp();
                Record(state, detail);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private (string State, string Detail) Describe()
    {
        var s = _setup.Settings;
        var broker = s.Embedded is { } embedded
            ? string.Create(CultureInfo.InvariantCulture, $"the embedded broker ({embedded.Bind}:{embedded.Port}{(embedded.TlsPort is { } tls ? $", TLS {tls}" : "")})")
            : string.Create(CultureInfo.InvariantCulture, $"{s.Host}:{s.Port}{(s.CaCertificateFile is null ? "" : " (TLS)")}");
        var failure = _client.LastFailure?.Message;
        return _client.State switch
        {
            MqttConnectionState.Connected => (MqttStates.Connected, $"connected to {broker}"),
            MqttConnectionState.Reconnecting => (MqttStates.Reconnecting, $"{broker}: {failure ?? "connection lost"}"),
            MqttConnectionState.Refused => (MqttStates.Refused, $"{broker}: {failure ?? "refused"}"),
            MqttConnectionState.Disposed => (MqttStates.Stopped, "stopped"),
            _ => (MqttStates.Connecting, failure is null ? $"connecting to {broker}" : $"{broker}: {failure}"),
        };
    }

    private void Record(string state, string detail)
    {
        try
        {
            _store.Record(state, detail, Counters.Snapshot(_client.Statistics).ToJson(), _clock.GetUtcNow().ToUnixTimeMilliseconds());
        }
        catch (Microsoft.Data.Sqlite.SqliteException e)
        {
            // A report only: the next one will try again.
            LogRecordFailed(e);
        }
    }

    private async Task ConnectAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _client.ConnectAsync(stoppingToken);
        }
        catch (MqttConnectException)
        {
            // The client logged it, keeps retrying, and the state shows it in status.
        }
    }

    private async Task SubscribeAsync(string filter, CancellationToken stoppingToken)
    {
        try
        {
            // QoS 1, and with a persistent session the broker keeps node messages while the gateway is away.
            await _client.SubscribeAsync(filter, MqttQos.AtLeastOnce, stoppingToken);
            LogSubscribed(filter);
        }
        catch (MqttSubscribeException e)
        {
            LogSubscribeFailed(filter, e.Message);
        }
    }

    private async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        catch (ChannelClosedException)
        {
            // The writer's channel closed: stopping.
        }
        catch (Exception e)
        {
            LogTaskFailed(e);
        }
    }

    [LoggerMessage(EventId = 501, EventName = "mqtt-unavailable", Level = LogLevel.Warning,
        Message = "MQTT is configured but not available, so the gateway runs without it (readings are stored and anchored as usual): {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 502, EventName = "mqtt-start", Level = LogLevel.Information,
        Message = "MQTT telemetry to {Host}:{Port} ({Transport}); {Nodes} sensor nodes and {Devices} zigbee2mqtt devices allowed")]
    private partial void LogStarting(string host, int port, string transport, int nodes, int devices);

    [LoggerMessage(EventId = 503, EventName = "mqtt-state", Level = LogLevel.Information, Message = "MQTT {State}: {Detail}")]
    private partial void LogState(string state, string detail);

    [LoggerMessage(EventId = 504, EventName = "mqtt-subscribed", Level = LogLevel.Information, Message = "subscribed to {Filter}")]
    private partial void LogSubscribed(string filter);

    [LoggerMessage(EventId = 505, EventName = "mqtt-subscribe-failed", Level = LogLevel.Error,
        Message = "the broker refused the subscription to {Filter}: {Reason}; readings from those sensor nodes are not received. Check the broker's ACL for this client")]
    private partial void LogSubscribeFailed(string filter, string reason);

    [LoggerMessage(EventId = 506, EventName = "mqtt-status-failed", Level = LogLevel.Warning, Message = "could not record the MQTT state for status; trying again later")]
    private partial void LogRecordFailed(Exception exception);

    [LoggerMessage(EventId = 507, EventName = "mqtt-task-failed", Level = LogLevel.Error, Message = "an MQTT task failed while stopping")]
    private partial void LogTaskFailed(Exception exception);
}
