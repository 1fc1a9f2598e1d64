using System.Reflection;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using EdgeGateway.Alarms;
using EdgeGateway.Board;
using EdgeGateway.ColdRoom;
using EdgeGateway.Configuration;
using EdgeGateway.Keys;
using EdgeGateway.Log;
using EdgeGateway.Sensors;
using EdgeGateway.Storage;
using EdgeGateway.Telemetry;
using EdgeGateway.Uplink;
using Firmware.Contracts.Notes;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Daemon;

/// <summary>What <c>run</c> runs: the data folder, its configuration, the clock and the sources.</summary>
public sealed record DaemonSettings
{
    /// <summary>The data folder (key, configuration, database).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>The validated configuration.</summary>
    public required GatewayConfig Config { get; init; }

    /// <summary>Gateway time: the system clock, or a scaled one under <c>--simulate --speed</c>.</summary>
    public required TimeProvider Clock { get; init; }

    /// <summary>The sensor sources to read.</summary>
    public required IReadOnlyList<ISensorSource> Sources { get; init; }

    /// <summary>What source discovery noted (skipped devices), logged at start.</summary>
    public IReadOnlyList<string> SourceNotes { get; init; } = [];

    /// <summary>Where leaf salts come from.</summary>
    public ISaltSource Salts { get; init; } = CryptographicSaltSource.Instance;

    /// <summary>The board's buses for door contacts and alarm outputs; null (a simulation) runs neither.</summary>
    public IBoardBuses? Buses { get; init; }

    /// <summary>The lowest level logged.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;
}

/// <summary>
/// The daemon: opens (and verifies) the device log before anything starts, then runs the log
/// writer, the sensor pumps and the uplink until SIGTERM or Ctrl-C. Stopping goes in order: the
/// uplink and the sources stop first, then the writer commits what was read, appends a
/// <c>gateway-stop</c> event and seals, so nothing read is lost and the last leaves are signed.
/// </summary>
/// <remarks>
/// A small hand-written host rather than a generic one: a gateway board has little memory, and
/// this needs nothing but two signal handlers and three tasks.
/// </remarks>
public sealed partial class GatewayDaemon
{
    private readonly ILogger<GatewayDaemon> _logger;

    private GatewayDaemon(ILogger<GatewayDaemon> logger) => _logger = logger;

    /// <summary>The version written in the <c>gateway-start</c> event.</summary>
    public static string Version { get; } =
        typeof(GatewayDaemon).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    /// <summary>Runs until stopped; returns the exit code (see <see cref="ExitCodes"/>).</summary>
    /// <exception cref="DeviceKeyException">When the key file is missing, too open, or not usable.</exception>
    /// <exception cref="LogIntegrityException">When the stored log does not match what the device signed.</exception>
    /// <exception cref="IOException">When the database is missing or not this version's.</exception>
    public static async Task<int> RunAsync(DaemonSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var config = settings.Config;
        var databasePath = GatewayDatabase.PathIn(settings.DataDirectory);
        using var signer = DeviceKeyFile.Load(Path.Combine(settings.DataDirectory, DeviceKeyFile.FileName), config.DeviceId);
        using var log = DeviceLog.Open(databasePath, config.DeviceId, signer, settings.Salts);
        using var loggers = new LogfmtLoggerFactory(Console.Out, Console.Error, settings.LogLevel, TimeProvider.System);
        return await new GatewayDaemon(loggers.CreateLogger<GatewayDaemon>()).RunAsync(settings, log, signer, databasePath, loggers, cancellationToken);
    }

    private async Task<int> RunAsync(DaemonSettings settings, DeviceLog log, INoteSigner signer, string databasePath, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var config = settings.Config;
        // Bounded: a stalled disk holds the sources back instead of growing memory.
        var channel = Channel.CreateBounded<LogInput>(new BoundedChannelOptions(Math.Max(4096, 4 * config.Ingest.BatchMaxReadings))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var zones = ZoneMap(config, settings.Sources);
        var calibrations = new CalibratedReadings();
        using (var savedCalibrations = SqliteCalibrationStore.Open(databasePath))
        {
            CalibrationSync.LoadSaved(savedCalibrations, calibrations);
        }
        var writer = new LogWriter(
            log,
            new LeafDrafts(config.DeviceId, id => zones.GetValueOrDefault(id)),
            new AlarmEngine(config.Alarms, config.Suppressions, WatchedSensors(config, settings.Sources, zones)),
            new LogWriterOptions
            {
                BatchMaxEvents = config.Ingest.BatchMaxReadings,
                BatchMaxDelay = config.Ingest.BatchMaxDelay,
                SealInterval = config.Sealing.Interval,
                SealMaxLeaves = config.Sealing.MaxLeaves,
                MaxDatabaseBytes = config.Storage.MaxDatabaseBytes,
                ReserveBytes = config.Storage.ReserveBytes,
                Version = Version,
            },
            settings.Clock,
            TimeProvider.System,
            loggers.CreateLogger<LogWriter>(),
            calibrations);

        // Read before the writer owns the log: what the status reports say at start.
        var health = new GatewayHealth(settings.Sources.SelectMany(s => s.Sensors), id => zones.GetValueOrDefault(id), ActiveAlarms(log), config.Alarms);
        writer.LeavesCommitted += health.OnCommitted;

        // Alarm outputs follow the alarms the committed leaves hold (and those active at start).
        using var outputs = settings.Buses is { } board && config.Outputs.Count > 0
            ? new AlarmOutputs(config.Outputs, board, loggers.CreateLogger<AlarmOutputs>())
            : null;
        if (outputs is not null)
        {
            outputs.Update(ActiveAlarms(log).Select(a => (a.Zone, a.RuleId)));
            writer.LeavesCommitted += leaves =>
            {
                if (leaves.Any(l => l.Content.Kind is Firmware.Contracts.Readings.LeafKind.Alarm or Firmware.Contracts.Readings.LeafKind.Event))
                {
                    outputs.Update(health.Snapshot().Active.Select(a => (a.Zone, a.Rule)));
                }
            };
        }

        var cap = new YoungGenerationCap();
        writer.Committed += _ => cap.AfterCommit();

        // Read before the writer owns the log: what MQTT reports at start.
        await using var mqtt = await StartMqttAsync(config, log, databasePath, settings.Clock, loggers);
        if (mqtt is not null)
        {
            writer.LeavesCommitted += mqtt.Publisher.OnCommitted;
            writer.CheckpointSealed += mqtt.Publisher.OnSealed;
        }

        // The optional IoT Hub route: committed readings as device-to-cloud telemetry.
        await using var iotHub = config.IotHub is { } hub
            ? IotHub.IotHubRoute.Create(hub, ConfigFiles.DeviceKey(GatewayConfig.FileName, hub.DeviceKeyFile), TimeProvider.System, loggers)
            : null;
        if (iotHub is not null)
        {
            writer.LeavesCommitted += iotHub.OnCommitted;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        iotHub?.Start(stop.Token);
        void OnSignal(PosixSignalContext context)
        {
            // Handled here: the runtime must not end the process before the final commit.
            context.Cancel = true;
            if (!stop.IsCancellationRequested)
            {
                LogStopping(context.Signal.ToString());
                stop.Cancel();
            }
        }
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        var writing = Task.Run(() => writer.RunAsync(channel.Reader, CancellationToken.None), CancellationToken.None);
        var pumping = new SensorPump(settings.Sources, channel.Writer, settings.Clock, loggers.CreateLogger<SensorPump>())
            .RunAsync(settings.SourceNotes, stop.Token);
        var uploading = RunUplinkAsync(config, databasePath, signer, writer, calibrations, health, mqtt?.Publisher, channel.Writer, settings.Clock, loggers, stop.Token);
        var telemetry = mqtt?.RunAsync(channel.Writer, stop.Token) ?? Task.CompletedTask;
        var ticking = config.Alarms.Any(r => r.IsNoData) || config.Suppressions.Count > 0
            ? AlarmTicker.RunAsync(channel.Writer, settings.Clock, stop.Token)
            : Task.CompletedTask;
        var doors = settings.Buses is { } buses && config.Doors.Count > 0
            ? new DoorContacts(config.Doors, buses, settings.Clock, loggers.CreateLogger<DoorContacts>()).RunAsync(channel.Writer, stop.Token)
            : Task.CompletedTask;

        // The writer only ends by itself when it fails; otherwise run until a signal.
        var stopped = Task.Delay(Timeout.Infinite, stop.Token);
        await Task.WhenAny(writing, stopped);
        await stop.CancelAsync();
        await Quietly(uploading);
        await Quietly(pumping);
        await Quietly(telemetry);
        await Quietly(doors);
        await Quietly(ticking);
        channel.Writer.TryComplete();
        try
        {
            await writing;
            LogStopped(log.Size);
            mqtt?.Publisher.PublishStopped(Firmware.Contracts.Mqtt.GatewayStatus.ShutdownReason);
            return ExitCodes.Ok;
        }
        catch (LogIntegrityException e)
        {
            LogIntegrity(e.Message);
            mqtt?.Publisher.PublishStopped(Firmware.Contracts.Mqtt.GatewayStatus.FailedReason);
            return ExitCodes.Integrity;
        }
        catch (Exception e)
        {
            LogWriterFailed(e);
            mqtt?.Publisher.PublishStopped(Firmware.Contracts.Mqtt.GatewayStatus.FailedReason);
            return ExitCodes.Failure;
        }
    }

    // MQTT is optional: when it cannot start, the gateway runs without it (MqttTelemetry logged why).
    private static async Task<MqttTelemetry?> StartMqttAsync(GatewayConfig config, DeviceLog log, string databasePath, TimeProvider clock, ILoggerFactory loggers)
    {
        if (config.Mqtt is not { } settings)
        {
            MqttTelemetry.ClearRecord(databasePath);
            return null;
        }
        return await MqttTelemetry.TryCreateAsync(new MqttTelemetrySetup
        {
            Settings = settings,
            DeviceId = config.DeviceId,
            DatabasePath = databasePath,
            AlarmZones = config.Alarms.Select(r => r.Zone).Distinct(StringComparer.Ordinal).ToList(),
            ActiveAlarms = ActiveAlarms(log),
            LogSize = log.Size,
            CommittedSize = log.Store.GetMetaLong(MetaKeys.NodeCommittedSize) ?? 0,
        }, clock, loggers);
    }

    // The alarms active when the daemon starts: the zone alarms the engine saved, and the disk-full
    // alarm while readings are refused.
    private static List<ActiveAlarm> ActiveAlarms(DeviceLog log)
    {
        var active = log.Store.ReadAlarmStates()
            .Where(a => a.Active)
            .Select(a => new ActiveAlarm(a.RuleId, a.Zone, a.SensorId, a.ActiveSinceMs ?? 0, a.ActiveValue, a.ActiveUnit) { Severity = a.Severity ?? Firmware.Contracts.Readings.AlarmSeverity.Alarm })
            .ToList();
        if (log.Store.GetMetaLong(MetaKeys.DiskFullSinceMs) is { } since)
        {
            active.Add(GatewayAlarms.DiskFull(since));
        }
        return active;
    }

    private async Task RunUplinkAsync(GatewayConfig config, string databasePath, INoteSigner signer, LogWriter writer, CalibratedReadings calibrations, GatewayHealth health, TelemetryPublisher? telemetry,
        ChannelWriter<LogInput> channel, TimeProvider clock, ILoggerFactory loggers, CancellationToken stoppingToken)
    {
        if (config.Node.Url is null)
        {
            LogNoNode();
            return;
        }
        await Task.Yield();
        using var store = SqliteUplinkStore.Open(databasePath);
        using var client = new FailoverAnchorClient(config.Node.Urls, url => HttpAnchorClient.Create(url, config.Node.RequestTimeout, config.Node.CaCertificateFile),
            config.Node.PreferredRetry, TimeProvider.System, loggers.CreateLogger<FailoverAnchorClient>());
        using var deviceKey = NoteVerifierKey.FromSpki(signer.KeyName, signer.PublicKey.Span);
        var worker = new UplinkWorker(config.DeviceId, client, store, deviceKey, config.Uplink, clock, TimeProvider.System, new Random(),
            (e, ct) => channel.WriteAsync(LogInput.From(e), ct), loggers.CreateLogger<UplinkWorker>());
        writer.CheckpointSealed += _ => worker.NotifySealed();
        if (telemetry is not null)
        {
            worker.Anchored += (checkpoint, ledgerIndex) => telemetry.OnAnchored(new AnchorProgress(checkpoint.Size, checkpoint.Root.ToHex(), ledgerIndex));
        }
        // Its own connection: the worker's is not shared across threads.
        using var reportStore = SqliteUplinkStore.Open(databasePath);
        var reporter = new StatusReporter(config.DeviceId, client, reportStore, signer, health, Version, config.Uplink.StatusInterval, clock, TimeProvider.System,
            loggers.CreateLogger<StatusReporter>());
        worker.CycleCompleted += reporter.Notify;
        using var calibrationStore = SqliteCalibrationStore.Open(databasePath);
        var calibrationSync = new CalibrationSync(config.DeviceId, client, calibrationStore, calibrations, TimeProvider.System, loggers.CreateLogger<CalibrationSync>());
        worker.CycleCompleted += calibrationSync.Notify;
        LogNode(config.Node.Url.ToString(), config.Node.Urls.Count > 1 ? $"the preferred of {config.Node.Urls.Count} nodes" : "the only node configured");
        await Task.WhenAll(worker.RunAsync(stoppingToken), reporter.RunAsync(stoppingToken), calibrationSync.RunAsync(stoppingToken));
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
        catch (Exception e)
        {
            LogTaskFailed(e);
        }
    }

    // The sensors a zone's "no data" rules watch from the start: those the sources list (not RFID
    // readers, which are silent while no tag passes) and those the configuration names. Sensor nodes
    // and zigbee2mqtt devices are watched from their first message.
    private static IEnumerable<(string Zone, string SensorId)> WatchedSensors(GatewayConfig config, IReadOnlyList<ISensorSource> sources, Dictionary<string, string> zones)
    {
        var listed = sources.SelectMany(s => s.Sensors).Where(s => s.Quantity != Quantity.Tag).Select(s => s.Id).Concat(config.Sensors.Zones.Keys);
        foreach (var id in listed.Distinct(StringComparer.Ordinal))
        {
            if (zones.TryGetValue(id, out var zone))
            {
                yield return (zone, id);
            }
        }
    }

    private static Dictionary<string, string> ZoneMap(GatewayConfig config, IReadOnlyList<ISensorSource> sources)
    {
        var zones = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var info in sources.SelectMany(s => s.Sensors))
        {
            if (info.Zone is { } zone)
            {
                zones.TryAdd(info.Id, zone);
            }
        }
        foreach (var (sensor, zone) in config.Sensors.Zones)
        {
            zones[sensor] = zone;
        }
        if (config.Mqtt is { } mqtt)
        {
            foreach (var (sensor, zone) in NodeMessageDecoder.Zones(mqtt))
            {
                zones[sensor] = zone;
            }
        }
        return zones;
    }

    [LoggerMessage(EventId = 201, EventName = "integrity-failure", Level = LogLevel.Critical, Message = "STOPPING: {Reason}")]
    private partial void LogIntegrity(string reason);

    [LoggerMessage(EventId = 202, EventName = "writer-failed", Level = LogLevel.Critical, Message = "STOPPING: the device log writer failed; readings not yet acknowledged were not stored")]
    private partial void LogWriterFailed(Exception exception);

    [LoggerMessage(EventId = 203, EventName = "stopping", Level = LogLevel.Information, Message = "{Signal} received: stopping after the final commit and seal")]
    private partial void LogStopping(string signal);

    [LoggerMessage(EventId = 204, EventName = "stopped", Level = LogLevel.Information, Message = "stopped cleanly; log size {Size}")]
    private partial void LogStopped(long size);

    [LoggerMessage(EventId = 205, EventName = "task-failed", Level = LogLevel.Error, Message = "a gateway task failed while stopping")]
    private partial void LogTaskFailed(Exception exception);

    [LoggerMessage(EventId = 401, EventName = "no-node", Level = LogLevel.Warning, Message = "no node.url or node.urls in gateway.json: readings are kept and sealed here but not anchored")]
    private partial void LogNoNode();

    [LoggerMessage(EventId = 402, EventName = "node", Level = LogLevel.Information, Message = "anchoring on {Url}: {Reason}")]
    private partial void LogNode(string url, string reason);
}
