namespace EdgeGateway.Mqtt;

/// <summary>A snapshot of an <see cref="IMqttClient"/>'s counters since it was created.</summary>
/// <remarks>
/// Every message given to <see cref="IMqttClient.TryPublish"/> ends in exactly one of: still queued
/// (<see cref="QueueLength"/>), handed to the connection (or waiting to be resent) and not yet finished (<see cref="InFlight"/>),
/// <see cref="Delivered"/>, <see cref="DroppedOverflow"/>, <see cref="Coalesced"/>, <see cref="Rejected"/>,
/// <see cref="LostOnDisconnect"/>, <see cref="Failed"/> or <see cref="DiscardedAtShutdown"/>.
/// </remarks>
public sealed record MqttClientStatistics
{
    /// <summary>Messages accepted into the outgoing queue.</summary>
    public long Accepted { get; init; }

    /// <summary>Messages refused because the queue was full of messages the policy does not drop.</summary>
    public long Rejected { get; init; }

    /// <summary>Queued QoS 0 non-retained messages dropped, oldest first, to make room for newer ones.</summary>
    public long DroppedOverflow { get; init; }

    /// <summary>Queued retained messages replaced by a newer retained message for the same topic.</summary>
    public long Coalesced { get; init; }

    /// <summary>Messages handed to the connection (a QoS 1 message resent after a reconnect counts again).</summary>
    public long Published { get; init; }

    /// <summary>QoS 0 messages written to the socket and QoS 1 messages acknowledged by the broker (PUBACK).</summary>
    public long Delivered { get; init; }

    /// <summary>QoS 0 messages handed to the connection but not yet written when it dropped.
    /// (QoS 1 messages are kept and resent after reconnecting.)</summary>
    public long LostOnDisconnect { get; init; }

    /// <summary>Messages not sent because they exceed the broker's maximum packet size (MQTT 5 CONNACK), or that the
    /// broker rejected in an MQTT 5 PUBACK.</summary>
    public long Failed { get; init; }

    /// <summary>Messages still queued or unacknowledged when the client was disposed.</summary>
    public long DiscardedAtShutdown { get; init; }

    /// <summary>Messages received on subscriptions.</summary>
    public long Received { get; init; }

    /// <summary>Received messages dropped, oldest first, because nobody read <see cref="IMqttClient.Messages"/> fast enough.</summary>
    public long ReceiveDropped { get; init; }

    /// <summary>Received messages dropped unread because their payload was over <see cref="MqttOptions.MaxReceivePayloadBytes"/>.</summary>
    public long ReceiveOversized { get; init; }

    /// <summary>Connections the broker accepted (CONNACK success), the first included.</summary>
    public long Connections { get; init; }

    /// <summary>Connections after the first: how often the client reconnected by itself.</summary>
    public long Reconnects => Math.Max(0, Connections - 1);

    /// <summary>Connection attempts that failed and connections that dropped.</summary>
    public long ConnectionFailures { get; init; }

    /// <summary>Established connections that dropped (<see cref="MqttFailureKind.ConnectionLost"/>), counted
    /// apart from the failed attempts to reconnect that follow them.</summary>
    public long ConnectionsLost { get; init; }

    /// <summary>Exceptions caught in the receive handler (each is logged; the connection carried on).</summary>
    public long CallbackFaults { get; init; }

    /// <summary>Messages waiting in the outgoing queue now.</summary>
    public int QueueLength { get; init; }

    /// <summary>Messages handed to the connection and not yet written (QoS 0) or acknowledged (QoS 1), or waiting to be resent, now.</summary>
    public int InFlight { get; init; }
}
