using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeGateway.Mqtt;

namespace EdgeGateway.Telemetry;

/// <summary>
/// What the gateway did with MQTT since it started, updated from the writer, uplink and ingestion
/// threads. A snapshot goes into the database for <c>status</c>.
/// </summary>
public sealed class TelemetryCounters
{
    private readonly long[] _dropped = new long[NodeDropReasons.All.Count];
    private long _readings;
    private long _alarmEvents;
    private long _alarmStates;
    private long _progress;
    private long _status;
    private long _refused;
    private long _publishErrors;
    private long _nodeMessages;
    private long _nodeReadings;
    private long _changes;

    /// <summary>Bumped by every update; lets the recorder skip writing when nothing changed.</summary>
    public long Version => Interlocked.Read(ref _changes);

    /// <summary>A live reading was queued.</summary>
    public void ReadingPublished() => Bump(ref _readings);

    /// <summary>An alarm start or end event was queued.</summary>
    public void AlarmEventPublished() => Bump(ref _alarmEvents);

    /// <summary>A zone's retained alarm state was queued.</summary>
    public void AlarmStatePublished() => Bump(ref _alarmStates);

    /// <summary>A sealed or anchored event was queued.</summary>
    public void ProgressPublished() => Bump(ref _progress);

    /// <summary>A retained status was queued.</summary>
    public void StatusPublished() => Bump(ref _status);

    /// <summary>The outgoing queue refused a message (full of messages its policy keeps).</summary>
    public void PublishRefused() => Bump(ref _refused);

    /// <summary>A message could not be built or handed to the client (a defect; logged).</summary>
    public void PublishError() => Bump(ref _publishErrors);

    /// <summary>A node or zigbee2mqtt message was stored, with its readings.</summary>
    public void NodeMessageIngested(int readings)
    {
        Interlocked.Increment(ref _nodeMessages);
        Interlocked.Add(ref _nodeReadings, readings);
        Interlocked.Increment(ref _changes);
    }

    /// <summary>A node or zigbee2mqtt message was dropped for <paramref name="reason"/> (one of <see cref="NodeDropReasons"/>).</summary>
    public void NodeMessageDropped(string reason)
    {
        var index = IndexOf(reason);
        Interlocked.Increment(ref _dropped[index]);
        Interlocked.Increment(ref _changes);
    }

    /// <summary>How many were dropped for <paramref name="reason"/>.</summary>
    public long Dropped(string reason) => Interlocked.Read(ref _dropped[IndexOf(reason)]);

    /// <summary>The counters, with the client's (its receive drops count as dropped messages).</summary>
    public TelemetrySnapshot Snapshot(MqttClientStatistics? client)
    {
        var dropped = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < _dropped.Length; i++)
        {
            dropped[NodeDropReasons.All[i]] = Interlocked.Read(ref _dropped[i]);
        }
        if (client is not null)
        {
            dropped[NodeDropReasons.QueueFull] += client.ReceiveDropped;
            dropped[NodeDropReasons.Oversize] += client.ReceiveOversized;
        }
        return new TelemetrySnapshot
        {
            ReadingsPublished = Interlocked.Read(ref _readings),
            AlarmEventsPublished = Interlocked.Read(ref _alarmEvents),
            AlarmStatesPublished = Interlocked.Read(ref _alarmStates),
            ProgressPublished = Interlocked.Read(ref _progress),
            StatusPublished = Interlocked.Read(ref _status),
            PublishRefused = Interlocked.Read(ref _refused),
            PublishErrors = Interlocked.Read(ref _publishErrors),
            Delivered = client?.Delivered ?? 0,
            DroppedOverflow = client?.DroppedOverflow ?? 0,
            LostOnDisconnect = client?.LostOnDisconnect ?? 0,
            QueueLength = client?.QueueLength ?? 0,
            Connections = client?.Connections ?? 0,
            ConnectionFailures = client?.ConnectionFailures ?? 0,
            NodeMessagesReceived = client?.Received ?? 0,
            NodeMessagesIngested = Interlocked.Read(ref _nodeMessages),
            NodeReadingsIngested = Interlocked.Read(ref _nodeReadings),
            NodeMessagesDropped = dropped,
        };
    }

    private static int IndexOf(string reason)
    {
        for (var i = 0; i < NodeDropReasons.All.Count; i++)
        {
            if (string.Equals(NodeDropReasons.All[i], reason, StringComparison.Ordinal))
            {
                return i;
            }
        }
        throw new ArgumentException($"'{reason}' is not a node drop reason", nameof(reason));
    }

    private void Bump(ref long counter)
    {
        Interlocked.Increment(ref counter);
        Interlocked.Increment(ref _changes);
    }
}

/// <summary>The MQTT counters as <c>status</c> shows them (JSON field names in the database and in <c>status --json</c>).</summary>
public sealed record TelemetrySnapshot
{
    /// <summary>Live readings queued for publishing.</summary>
    public long ReadingsPublished { get; init; }

    /// <summary>Alarm start/end events queued.</summary>
    public long AlarmEventsPublished { get; init; }

    /// <summary>Retained zone alarm states queued.</summary>
    public long AlarmStatesPublished { get; init; }

    /// <summary>Sealed/anchored progress events queued.</summary>
    public long ProgressPublished { get; init; }

    /// <summary>Retained status messages queued.</summary>
    public long StatusPublished { get; init; }

    /// <summary>Messages the outgoing queue refused.</summary>
    public long PublishRefused { get; init; }

    /// <summary>Messages that could not be built or queued (logged).</summary>
    public long PublishErrors { get; init; }

    /// <summary>Messages written (QoS 0) or acknowledged by the broker (QoS 1).</summary>
    public long Delivered { get; init; }

    /// <summary>Queued live readings dropped, oldest first, while the broker was away.</summary>
    public long DroppedOverflow { get; init; }

    /// <summary>QoS 0 messages lost with a dropped connection.</summary>
    public long LostOnDisconnect { get; init; }

    /// <summary>Messages waiting to be sent now.</summary>
    public long QueueLength { get; init; }

    /// <summary>Connections the broker accepted (reconnects included).</summary>
    public long Connections { get; init; }

    /// <summary>Failed connection attempts and dropped connections.</summary>
    public long ConnectionFailures { get; init; }

    /// <summary>Sensor-node and zigbee2mqtt messages received.</summary>
    public long NodeMessagesReceived { get; init; }

    /// <summary>Of those, stored in the device log.</summary>
    public long NodeMessagesIngested { get; init; }

    /// <summary>Readings they carried.</summary>
    public long NodeReadingsIngested { get; init; }

    /// <summary>Dropped messages per reason (<see cref="NodeDropReasons"/>).</summary>
    public IReadOnlyDictionary<string, long> NodeMessagesDropped { get; init; } = new Dictionary<string, long>();

    /// <summary>The JSON form (what <see cref="FromJson"/> reads).</summary>
    /// <remarks>Written by hand: the daemon writes it every few seconds and need not load the serializer for it.</remarks>
    public string ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("readingsPublished", ReadingsPublished);
            w.WriteNumber("alarmEventsPublished", AlarmEventsPublished);
            w.WriteNumber("alarmStatesPublished", AlarmStatesPublished);
            w.WriteNumber("progressPublished", ProgressPublished);
            w.WriteNumber("statusPublished", StatusPublished);
            w.WriteNumber("publishRefused", PublishRefused);
            w.WriteNumber("publishErrors", PublishErrors);
            w.WriteNumber("delivered", Delivered);
            w.WriteNumber("droppedOverflow", DroppedOverflow);
            w.WriteNumber("lostOnDisconnect", LostOnDisconnect);
            w.WriteNumber("queueLength", QueueLength);
            w.WriteNumber("connections", Connections);
            w.WriteNumber("connectionFailures", ConnectionFailures);
            w.WriteNumber("nodeMessagesReceived", NodeMessagesReceived);
            w.WriteNumber("nodeMessagesIngested", NodeMessagesIngested);
            w.WriteNumber("nodeReadingsIngested", NodeReadingsIngested);
            w.WriteStartObject("nodeMessagesDropped");
            foreach (var (reason, count) in NodeMessagesDropped)
            {
                w.WriteNumber(reason, count);
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Parses the JSON form; null when it is not one.</summary>
    public static TelemetrySnapshot? FromJson(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(json, TelemetryJsonContext.Default.TelemetrySnapshot);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>JSON of the telemetry snapshot, without reflection.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(TelemetrySnapshot))]
internal sealed partial class TelemetryJsonContext : JsonSerializerContext;
