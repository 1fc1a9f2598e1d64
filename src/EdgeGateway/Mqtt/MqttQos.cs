namespace EdgeGateway.Mqtt;

/// <summary>The delivery guarantees the client supports. QoS 2 is deliberately absent: live telemetry
/// does not need exactly-once, and readings reach the node over HTTP, not MQTT.</summary>
public enum MqttQos
{
    /// <summary>QoS 0: sent once, may be lost.</summary>
    AtMostOnce = 0,

    /// <summary>QoS 1: resent until the broker acknowledges it (PUBACK), may arrive twice.</summary>
    AtLeastOnce = 1,
}
