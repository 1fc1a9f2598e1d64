using EdgeGateway.Mqtt;
using EdgeGateway.Storage;
using GatewayStatus = Firmware.Contracts.Mqtt.GatewayStatus;
using Firmware.Contracts.Mqtt;
using Firmware.Contracts.Readings;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Telemetry;

/// <summary>What the node committed, as the uplink reports it.</summary>
/// <param name="Size">The device checkpoint size the node anchored.</param>
/// <param name="Root">Its root, hex.</param>
/// <param name="LedgerIndex">The anchor entry's ledger index.</param>
public sealed record AnchorProgress(long Size, string Root, long LedgerIndex);

/// <summary>
/// Publishes the gateway's live telemetry (docs/spec.md §9) from what the log writer and the uplink
/// report: every reading's leaf once it is committed, alarm events and the retained alarm state of
/// each zone, sealed/anchored progress, and the retained gateway status. Never blocks the caller:
/// messages go to the client's bounded queue, whose overflow policy drops the oldest live readings
/// first; nothing here can fail a commit.
/// </summary>
public sealed partial class TelemetryPublisher
{
    private readonly IMqttClient _client;
    private readonly MqttTopics _topics;
    private readonly string _deviceId;
    private readonly TelemetryCounters _counters;
    private readonly TimeProvider _clock;
    private readonly ILogger<TelemetryPublisher> _logger;
    private readonly Lock _gate = new();
    // Zone → active alarms by rule and sensor; zones with rules are listed even when all clear. Keys are
    // strings rather than tuples: collections over reference types share JIT-compiled code, which counts on a board.
    private readonly SortedDictionary<string, SortedDictionary<string, ActiveAlarm>> _alarms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _readingTopics = new(StringComparer.Ordinal);
    private long _logSize;
    private long _committedSize;
    private int _stopped;

    /// <param name="client">The MQTT client.</param>
    /// <param name="topics">The topic layout.</param>
    /// <param name="deviceId">This gateway.</param>
    /// <param name="alarmZones">Zones that have alarm rules: their state is published even when all clear.</param>
    /// <param name="activeAlarms">Alarms active when the gateway starts (from the database).</param>
    /// <param name="logSize">The log size at start.</param>
    /// <param name="committedSize">What the node had committed at start.</param>
    /// <param name="counters">Where publishing is counted.</param>
    /// <param name="clock">Gateway time, for the <c>time</c> fields.</param>
    /// <param name="logger">Logger.</param>
    public TelemetryPublisher(IMqttClient client, MqttTopics topics, string deviceId, IEnumerable<string> alarmZones,
        IEnumerable<Alarms.ActiveAlarm> activeAlarms, long logSize, long committedSize, TelemetryCounters counters, TimeProvider clock,
        ILogger<TelemetryPublisher> logger)
    {
        ArgumentNullException.ThrowIfNull(alarmZones);
        ArgumentNullException.ThrowIfNull(activeAlarms);
        _client = client;
        _topics = topics;
        _deviceId = deviceId;
        _counters = counters;
        _clock = clock;
        _logger = logger;
        _logSize = logSize;
        _committedSize = committedSize;
        foreach (var zone in alarmZones)
        {
            ZoneAlarms(zone);
        }
        foreach (var alarm in activeAlarms)
        {
            ZoneAlarms(alarm.Zone)[AlarmKey(alarm.RuleId, alarm.SensorId)] = new ActiveAlarm(alarm.RuleId, alarm.SinceMs, alarm.Value, alarm.Unit, alarm.SensorId, alarm.Severity);
        }
    }

    /// <summary>The Last Will: set on the client before it connects.</summary>
    public static MqttMessage LastWill(MqttTopics topics, string deviceId)
    {
        ArgumentNullException.ThrowIfNull(topics);
        return new MqttMessage(topics.Status(deviceId), MqttPayloadWriter.Write(GatewayStatus.LastWill),
            MqttQos.AtLeastOnce, retain: true);
    }

    /// <summary>
    /// Publishes what <paramref name="leaves"/> (just committed, in order) say: a live reading for each
    /// measurement, observation and fault, and for each alarm leaf its event and the zone's new state.
    /// Called on the writer's thread after the commit returned.
    /// </summary>
    public void OnCommitted(IReadOnlyList<ReadingLeaf> leaves)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        foreach (var leaf in leaves)
        {
            // Nothing here may fail the writer that called: a leaf that cannot be reported is counted and logged.
            try
            {
                var content = leaf.Content;
                switch (content.Kind)
                {
                    case LeafKind.Measurement:
                    case LeafKind.Observation:
                    case LeafKind.Fault:
                        if (content.SensorId is { } sensor && Publish(new MqttMessage(ReadingTopic(sensor), SenmlPack.FromLeaf(leaf))))
                        {
                            _counters.ReadingPublished();
                        }
                        break;
                    case LeafKind.Alarm:
                        OnAlarm(content.Zone!, content.Rule!, content.SensorId, content.StringValue == "start", content);
                        break;
                    case LeafKind.Event when Alarms.GatewayAlarms.Transition(content) is { } started:
                        OnAlarm(Alarms.GatewayAlarms.Zone, Alarms.GatewayAlarms.DiskFullRule, Alarms.GatewayAlarms.DiskSensor, started, content);
                        break;
                }
            }
            catch (Exception e)
            {
                _counters.PublishError();
                LogPublishFailed(e, leaf.Content.Sequence);
            }
        }
        if (leaves.Count > 0)
        {
            Interlocked.Exchange(ref _logSize, leaves[^1].Content.Sequence + 1);
        }
    }

    /// <summary>A checkpoint was sealed: a <c>sealed</c> progress event and a fresh status.</summary>
    public void OnSealed(StoredCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        Guarded(() =>
        {
            PublishProgress(new ProgressEvent("sealed", checkpoint.Size, checkpoint.Root.ToHex(), null, checkpoint.TimeMs));
            PublishOnline();
        });
    }

    /// <summary>The node committed up to a checkpoint: an <c>anchored</c> progress event and a fresh status.</summary>
    public void OnAnchored(AnchorProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        Interlocked.Exchange(ref _committedSize, progress.Size);
        Guarded(() =>
        {
            PublishProgress(new ProgressEvent("anchored", progress.Size, progress.Root, progress.LedgerIndex, NowMs()));
            PublishOnline();
        });
    }

    /// <summary>
    /// Publishes every retained topic again: the status and each zone's alarm state. At start and after
    /// every reconnect, since a broker restarted without persistence has forgotten them.
    /// </summary>
    public void PublishRetained()
    {
        PublishOnline();
        List<ZoneAlarmState> states;
        lock (_gate)
        {
            var now = NowMs();
            states = _alarms.Select(z => new ZoneAlarmState(z.Key, z.Value.Values.ToList(), now)).ToList();
        }
        foreach (var state in states)
        {
            PublishAlarmState(state);
        }
    }

    /// <summary>The retained <c>online</c> status with the current sizes.</summary>
    public void PublishOnline() =>
        PublishStatus(new GatewayStatus(GatewayStatus.Online, NowMs(), LogSize: Interlocked.Read(ref _logSize), CommittedSize: Interlocked.Read(ref _committedSize)));

    /// <summary>
    /// The retained <c>offline</c> status of a stop the gateway chose: <see cref="GatewayStatus.ShutdownReason"/> after
    /// the final commit, <see cref="GatewayStatus.FailedReason"/> when it stops on a failure.
    /// </summary>
    public void PublishStopped(string reason)
    {
        Interlocked.Exchange(ref _stopped, 1);
        PublishStatus(new GatewayStatus(GatewayStatus.Offline, NowMs(), reason));
    }

    /// <summary>Whether <see cref="PublishStopped"/> was called.</summary>
    public bool StoppedPublished => Volatile.Read(ref _stopped) != 0;

    private void OnAlarm(string zone, string rule, string? sensor, bool started, LeafContent content)
    {
        ZoneAlarmState state;
        lock (_gate)
        {
            var active = ZoneAlarms(zone);
            var key = AlarmKey(rule, sensor);
            if (started)
            {
                active[key] = new ActiveAlarm(rule, content.TimeMs, content.Value, content.Unit, sensor, AlarmSeverity.Of(content.Severity));
            }
            else
            {
                active.Remove(key);
            }
            state = new ZoneAlarmState(zone, active.Values.ToList(), content.TimeMs);
        }
        var alarmEvent = new AlarmEvent(zone, rule, started ? "start" : "end", content.TimeMs, sensor, content.Value, content.Unit, content.Sequence, AlarmSeverity.Of(content.Severity));
        if (Publish(new MqttMessage(_topics.AlarmEvents(_deviceId), MqttPayloadWriter.Write(alarmEvent), MqttQos.AtLeastOnce)))
        {
            _counters.AlarmEventPublished();
        }
        PublishAlarmState(state);
    }

    private void PublishAlarmState(ZoneAlarmState state)
    {
        if (Publish(new MqttMessage(_topics.AlarmState(_deviceId, state.Zone), MqttPayloadWriter.Write(state),
                MqttQos.AtLeastOnce, retain: true)))
        {
            _counters.AlarmStatePublished();
        }
    }

    private void PublishProgress(ProgressEvent progress)
    {
        if (Publish(new MqttMessage(_topics.Progress(_deviceId), MqttPayloadWriter.Write(progress))))
        {
            _counters.ProgressPublished();
        }
    }

    private void PublishStatus(GatewayStatus status)
    {
        if (Publish(new MqttMessage(_topics.Status(_deviceId), MqttPayloadWriter.Write(status),
                MqttQos.AtLeastOnce, retain: true)))
        {
            _counters.StatusPublished();
        }
    }

    private bool Publish(MqttMessage message)
    {
        try
        {
            if (_client.TryPublish(message))
            {
                return true;
            }
            _counters.PublishRefused();
            return false;
        }
        catch (Exception e) when (e is ArgumentException or ObjectDisposedException)
        {
            _counters.PublishError();
            LogMessageFailed(e, message.Topic);
            return false;
        }
    }

    // The writer and the uplink call in here: a defect in reporting must not fail them.
    private void Guarded(Action publish)
    {
        try
        {
            publish();
        }
        catch (Exception e)
        {
            _counters.PublishError();
            LogReportFailed(e);
        }
    }

    private SortedDictionary<string, ActiveAlarm> ZoneAlarms(string zone)
    {
        lock (_gate)
        {
            if (!_alarms.TryGetValue(zone, out var active))
            {
                active = new SortedDictionary<string, ActiveAlarm>(StringComparer.Ordinal);
                _alarms[zone] = active;
            }
            return active;
        }
    }

    // Rule ids and sensor ids never contain a line feed.
    private static string AlarmKey(string rule, string? sensor) => $"{rule}\n{sensor}";

    // The writer's thread is the only caller; sensors are a small fixed set (wired, simulated, allow-listed nodes).
    private string ReadingTopic(string sensorId)
    {
        if (!_readingTopics.TryGetValue(sensorId, out var topic))
        {
            topic = _topics.Readings(_deviceId, sensorId);
            _readingTopics[sensorId] = topic;
        }
        return topic;
    }

    private long NowMs() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    [LoggerMessage(EventId = 511, EventName = "mqtt-publish-failed", Level = LogLevel.Error,
        Message = "could not publish what leaf {Sequence} says (the leaf itself is stored)")]
    private partial void LogPublishFailed(Exception exception, long sequence);

    [LoggerMessage(EventId = 513, EventName = "mqtt-report-failed", Level = LogLevel.Error, Message = "could not publish a progress or status message")]
    private partial void LogReportFailed(Exception exception);

    [LoggerMessage(EventId = 512, EventName = "mqtt-queue-failed", Level = LogLevel.Error, Message = "could not queue a message for {Topic}")]
    private partial void LogMessageFailed(Exception exception, string topic);
}
