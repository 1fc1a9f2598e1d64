using System.Globalization;
using EdgeGateway.Configuration;
using EdgeGateway.Mqtt;
using EdgeGateway.Sensors;
using Firmware.Contracts;
using Firmware.Contracts.Mqtt;
using Firmware.Contracts.Readings;

namespace EdgeGateway.Telemetry;

/// <summary>Why a sensor-node message was dropped: stable codes, counted in <c>status</c>.</summary>
public static class NodeDropReasons
{
    /// <summary>Not a SenML pack or zigbee2mqtt object: invalid JSON, wrong types, binary, empty, no value.</summary>
    public const string Malformed = "malformed";

    /// <summary>Over the size or record limits (or over the transport's receive limit).</summary>
    public const string Oversize = "oversize";

    /// <summary>A SenML must-understand field (name ending in <c>_</c>) this gateway does not know.</summary>
    public const string MustUnderstand = "must-understand";

    /// <summary>The node id is not on the allow-list (or not a valid node id).</summary>
    public const string UnknownNode = "unknown-node";

    /// <summary>A message on a topic the gateway did not subscribe to.</summary>
    public const string UnknownTopic = "unknown-topic";

    /// <summary>A temperature, humidity or pressure record without the SenML unit of that quantity.</summary>
    public const string WrongUnit = "wrong-unit";

    /// <summary>A value outside the plausible range of its quantity.</summary>
    public const string Implausible = "implausible";

    /// <summary>A valid message with no temperature, humidity or pressure in it.</summary>
    public const string NoReadings = "no-readings";

    /// <summary>A record time too far ahead of the gateway's clock or too old.</summary>
    public const string BadTime = "bad-time";

    /// <summary>A retained message the broker replayed on subscribing: old news, possibly already stored.</summary>
    public const string Retained = "retained";

    /// <summary>Dropped unread because the gateway fell behind (the receive queue was full).</summary>
    public const string QueueFull = "queue-full";

    /// <summary>Every code, in the order <c>status</c> prints them.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Malformed, Oversize, MustUnderstand, UnknownNode, UnknownTopic, WrongUnit, Implausible, NoReadings, BadTime, Retained, QueueFull];
}

/// <summary>
/// Turns a message from a sensor node or a zigbee2mqtt bridge into measurements for the device
/// log, or says why it is dropped. A message is taken whole or not at all: one bad record drops
/// the message, so a node's readings never arrive half. Pure: the time comes in as an argument.
/// </summary>
/// <remarks>
/// Node records whose quantity is not one the log knows (battery, RSSI, …) are ignored, as
/// zigbee2mqtt's non-reading fields are; a message with nothing else is dropped as
/// <see cref="NodeDropReasons.NoReadings"/> so that a misnamed record shows up in <c>status</c>.
/// </remarks>
public sealed class NodeMessageDecoder
{
    /// <summary>How far ahead of the gateway's clock a reading may be (clock drift on a node).</summary>
    public static readonly TimeSpan MaxAhead = TimeSpan.FromMinutes(5);

    /// <summary>How old a reading may be (a node sending a backlog after an outage).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(7);

    private readonly MqttTopics _topics;
    private readonly Dictionary<string, MqttNodeSettings> _nodes;
    private readonly Dictionary<string, Zigbee2MqttDeviceSettings> _zigbee;
    private readonly PlausibilityLimits _limits;

    /// <param name="settings">The allow-list and the zigbee2mqtt mappings.</param>
    /// <param name="limits">Plausible value ranges (the same as for wired sensors).</param>
    public NodeMessageDecoder(MqttSettings settings, PlausibilityLimits limits)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _topics = new MqttTopics(settings.TopicPrefix);
        _nodes = settings.Nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
        _zigbee = settings.Zigbee2MqttDevices.ToDictionary(d => MqttTopics.Zigbee2Mqtt(d.Name, settings.Zigbee2MqttBaseTopic), StringComparer.Ordinal);
        _limits = limits;
        SubscriptionFilters = [_topics.AllNodes, .. _zigbee.Keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>What the gateway subscribes to: every node's SenML topic (the allow-list is applied here, so
    /// that unknown nodes are counted) and each mapped zigbee2mqtt device.</summary>
    public IReadOnlyList<string> SubscriptionFilters { get; }

    /// <summary>The sensor id of a node's quantity: <c>mqtt/&lt;node id&gt;/&lt;quantity&gt;</c>.</summary>
    public static string NodeSensorId(string nodeId, string quantity) => $"mqtt/{nodeId}/{quantity}";

    /// <summary>The zone of every sensor id these nodes and devices produce.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Zones(MqttSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var node in settings.Nodes)
        {
            if (node.Zone is { } zone)
            {
                foreach (var quantity in new[] { Senml.Temperature, Senml.Humidity, Senml.Pressure })
                {
                    yield return new(NodeSensorId(node.Id, quantity), zone);
                }
            }
        }
        foreach (var device in settings.Zigbee2MqttDevices)
        {
            if (device.Zone is { } zone)
            {
                yield return new(device.SensorId, zone);
            }
        }
    }

    /// <summary>
    /// The measurements in <paramref name="message"/>, received at <paramref name="nowMs"/> (gateway
    /// time), or a failure whose code is one of <see cref="NodeDropReasons"/> and whose message names
    /// the sender and what was wrong.
    /// </summary>
    public Result<IReadOnlyList<Measurement>> Decode(MqttMessage message, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_topics.NodeIdOf(message.Topic) is { } nodeId)
        {
            return Drop(message, $"node {nodeId}", DecodeNode(nodeId, message, nowMs));
        }
        if (_zigbee.TryGetValue(message.Topic, out var device))
        {
            return Drop(message, $"zigbee2mqtt device '{device.Name}'", DecodeZigbee(device, message, nowMs));
        }
        if (message.Topic.StartsWith(_topics.Prefix + "/nodes/", StringComparison.Ordinal) && message.Topic.EndsWith("/senml", StringComparison.Ordinal))
        {
            return Result<IReadOnlyList<Measurement>>.Fail(NodeDropReasons.UnknownNode,
                $"topic '{Shorten(message.Topic)}': the node id is not 1-64 characters of A-Z a-z 0-9 . _ -");
        }
        return Result<IReadOnlyList<Measurement>>.Fail(NodeDropReasons.UnknownTopic, $"topic '{Shorten(message.Topic)}' is not a sensor-node or mapped zigbee2mqtt topic");
    }

    // A retained message is checked after the sender is known, so that an unknown node still counts as one.
    private static Result<IReadOnlyList<Measurement>> Drop(MqttMessage message, string sender, Result<IReadOnlyList<Measurement>> decoded)
    {
        if (!decoded.Succeeded)
        {
            return Result<IReadOnlyList<Measurement>>.Fail(decoded.Failure!.Code, $"{sender}: {decoded.Failure.Message}");
        }
        if (message.Retain)
        {
            return Result<IReadOnlyList<Measurement>>.Fail(NodeDropReasons.Retained,
                $"{sender}: the broker replayed a retained message on subscribing; it is not a new reading (publish readings without the retain flag)");
        }
        return decoded;
    }

    private Result<IReadOnlyList<Measurement>> DecodeNode(string nodeId, MqttMessage message, long nowMs)
    {
        if (!_nodes.ContainsKey(nodeId))
        {
            return Fail(NodeDropReasons.UnknownNode, "not on the allow-list (mqtt.nodes in gateway.json)");
        }
        var pack = SenmlPack.Parse(message.Payload.Span, nowMs);
        if (!pack.Succeeded)
        {
            var code = pack.Failure!.Code switch
            {
                SenmlPack.TooLargeCode => NodeDropReasons.Oversize,
                SenmlPack.MustUnderstandCode => NodeDropReasons.MustUnderstand,
                _ => NodeDropReasons.Malformed,
            };
            return Fail(code, pack.Failure.Message);
        }
        var readings = new List<Measurement>(pack.Value.Count);
        var index = 0;
        foreach (var record in pack.Value)
        {
            index++;
            var quantityName = QuantityOf(record.Name);
            if (ParseQuantity(quantityName) is not { } quantity)
            {
                continue;
            }
            if (record.Value is not { } value)
            {
                return Fail(NodeDropReasons.Malformed, $"record {index} ({record.Name}) has no numeric value");
            }
            var unit = SenmlUnits.For(quantity);
            if (!string.Equals(record.Unit, unit, StringComparison.Ordinal))
            {
                return Fail(NodeDropReasons.WrongUnit,
                    $"record {index} ({record.Name}) is in '{record.Unit ?? "(no unit)"}'; {quantityName} must be in '{unit}'");
            }
            var checkedReading = Check(NodeSensorId(nodeId, quantityName), quantity, record.TimeMs, value, nowMs, $"record {index} ({record.Name})");
            if (!checkedReading.Succeeded)
            {
                return Fail(checkedReading.Failure!.Code, checkedReading.Failure.Message);
            }
            readings.Add(checkedReading.Value);
        }
        return readings.Count == 0
            ? Fail(NodeDropReasons.NoReadings, "the pack has no temperature (Cel), humidity (%RH) or pressure (Pa) record; the last segment of a record's name is its quantity")
            : Result<IReadOnlyList<Measurement>>.Ok(readings);
    }

    private Result<IReadOnlyList<Measurement>> DecodeZigbee(Zigbee2MqttDeviceSettings device, MqttMessage message, long nowMs)
    {
        var parsed = Zigbee2MqttPayload.Parse(message.Payload.Span);
        if (!parsed.Succeeded)
        {
            var code = parsed.Failure!.Code switch
            {
                Zigbee2MqttPayload.TooLargeCode => NodeDropReasons.Oversize,
                Zigbee2MqttPayload.NoReadingsCode => NodeDropReasons.NoReadings,
                _ => NodeDropReasons.Malformed,
            };
            return Fail(code, parsed.Failure.Message);
        }
        var readings = new List<Measurement>(parsed.Value.Count);
        foreach (var value in parsed.Value)
        {
            var quantity = ParseQuantity(value.Quantity)!.Value;
            var checkedReading = Check(device.SensorId, quantity, nowMs, value.Value, nowMs, value.Quantity);
            if (!checkedReading.Succeeded)
            {
                return Fail(checkedReading.Failure!.Code, checkedReading.Failure.Message);
            }
            readings.Add(checkedReading.Value);
        }
        return readings;
    }

    private Result<Measurement> Check(string sensorId, Quantity quantity, long timeMs, double value, long nowMs, string what)
    {
        if (timeMs > nowMs + (long)MaxAhead.TotalMilliseconds || timeMs < nowMs - (long)MaxAge.TotalMilliseconds)
        {
            return Result<Measurement>.Fail(NodeDropReasons.BadTime, Invariant(
                $"{what}: time {ReadingLeaf.FormatTime(Math.Clamp(timeMs, 0, ReadingLeaf.MaxTimeMs))} is more than {MaxAhead.TotalMinutes} minutes ahead of the gateway's clock or more than {MaxAge.TotalDays} days old; check the node's clock"));
        }
        var classified = _limits.Classify(new SensorInfo(sensorId, "mqtt", quantity, SenmlUnits.For(quantity)), timeMs, value);
        return classified switch
        {
            Measurement m => m,
            SensorFault fault => Result<Measurement>.Fail(NodeDropReasons.Implausible, $"{what}: {fault.Detail}"),
            _ => throw new InvalidOperationException("plausibility classification returned neither a measurement nor a fault"),
        };
    }

    // RFC 8428 names are free-form; nodes name records <node>/<quantity> or <urn>:<quantity>.
    private static string QuantityOf(string name)
    {
        var cut = name.LastIndexOfAny(['/', ':']);
        return cut < 0 ? name : name[(cut + 1)..];
    }

    private static Quantity? ParseQuantity(string name) => name switch
    {
        Senml.Temperature => Quantity.Temperature,
        Senml.Humidity => Quantity.Humidity,
        Senml.Pressure => Quantity.Pressure,
        _ => null,
    };

    private static Result<IReadOnlyList<Measurement>> Fail(string code, string message) => Result<IReadOnlyList<Measurement>>.Fail(code, message);

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..117] + "...";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
