namespace EdgeGateway.Mqtt;

/// <summary>Where an <see cref="IMqttClient"/> is in its connection life.</summary>
public enum MqttConnectionState
{
    /// <summary>Created; <see cref="IMqttClient.ConnectAsync"/> has not been called.</summary>
    NotStarted,

    /// <summary>A connection attempt is in progress (TCP, TLS, CONNECT/CONNACK).</summary>
    Connecting,

    /// <summary>The broker accepted the connection; queued messages are flowing.</summary>
    Connected,

    /// <summary>The last attempt failed or the connection dropped for a reason that may pass by itself
    /// (network, broker restart); the client is waiting to try again. See <see cref="IMqttClient.LastFailure"/>.</summary>
    Reconnecting,

    /// <summary>The broker or TLS refused the last attempt for a reason that needs someone to act
    /// (credentials, authorisation, certificates); the client still retries with backoff, so a fix on the
    /// broker side needs no gateway restart. See <see cref="IMqttClient.LastFailure"/>.</summary>
    Refused,

    /// <summary>Disposed; nothing more will be sent or received.</summary>
    Disposed,
}
