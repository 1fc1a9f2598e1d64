namespace EdgeGateway.Mqtt;

/// <summary>Base type of the errors the MQTT client reports.</summary>
public class MqttException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MqttException() { }

    /// <summary>Creates the exception.</summary>
    public MqttException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public MqttException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// A connection attempt failed for a reason that will not pass by itself (see
/// <see cref="MqttConnectionFailure.Permanent"/>). Thrown by <see cref="IMqttClient.ConnectAsync"/>.
/// </summary>
public sealed class MqttConnectException : MqttException
{
    /// <summary>Creates the exception.</summary>
    public MqttConnectException() { }

    /// <summary>Creates the exception.</summary>
    public MqttConnectException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public MqttConnectException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for a failed attempt.</summary>
    public MqttConnectException(MqttConnectionFailure failure)
        : base((failure ?? throw new ArgumentNullException(nameof(failure))).Message)
    {
        Failure = failure;
    }

    /// <summary>What went wrong, if known.</summary>
    public MqttConnectionFailure? Failure { get; }
}

/// <summary>The broker refused a subscription (SUBACK 0x80), or it could not be sent.</summary>
public sealed class MqttSubscribeException : MqttException
{
    /// <summary>Creates the exception.</summary>
    public MqttSubscribeException() { }

    /// <summary>Creates the exception.</summary>
    public MqttSubscribeException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public MqttSubscribeException(string message, Exception innerException) : base(message, innerException) { }
}
