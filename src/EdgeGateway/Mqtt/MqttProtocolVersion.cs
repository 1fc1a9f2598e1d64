namespace EdgeGateway.Mqtt;

/// <summary>MQTT protocol versions; the values are those of the CONNECT packet's protocol level.</summary>
public enum MqttProtocolVersion
{
    /// <summary>MQTT 3.1.1 (OASIS standard, 2014).</summary>
    V311 = 4,

    /// <summary>MQTT 5.0 (OASIS standard, 2019).</summary>
    V5 = 5,
}
