namespace EdgeGateway.Mqtt;

/// <summary>An application message, outgoing or received.</summary>
/// <remarks>
/// A class rather than a record: records compare the payload memory by reference, which would make two
/// messages with the same bytes unequal. Nothing is validated here; <see cref="IMqttClient.TryPublish"/>
/// validates what it is given against the client's limits.
/// </remarks>
public sealed class MqttMessage
{
    /// <summary>Creates a message.</summary>
    /// <param name="topic">Topic name; for publishing: no wildcards, not empty.</param>
    /// <param name="payload">Payload bytes. The client copies them when the message is queued.</param>
    /// <param name="qos">Delivery guarantee.</param>
    /// <param name="retain">Whether the broker keeps it as the topic's last known value.</param>
    public MqttMessage(string topic, ReadOnlyMemory<byte> payload, MqttQos qos = MqttQos.AtMostOnce, bool retain = false)
    {
        ArgumentNullException.ThrowIfNull(topic);
        Topic = topic;
        Payload = payload;
        Qos = qos;
        Retain = retain;
    }

    /// <summary>Topic name.</summary>
    public string Topic { get; }

    /// <summary>Payload bytes.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>Delivery guarantee (for received messages: the QoS the broker delivered it with).</summary>
    public MqttQos Qos { get; }

    /// <summary>Retain flag (for received messages: set when the broker sent a stored retained message).</summary>
    public bool Retain { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Topic} ({Payload.Length} bytes, QoS {(int)Qos}{(Retain ? ", retained" : "")})";
}
