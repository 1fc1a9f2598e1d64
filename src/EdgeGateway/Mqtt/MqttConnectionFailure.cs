namespace EdgeGateway.Mqtt;

/// <summary>Why a connection attempt failed or a connection ended.</summary>
public enum MqttFailureKind
{
    /// <summary>The broker could not be reached: name lookup, refused or unreachable TCP, timeout.</summary>
    Network,

    /// <summary>An established connection dropped (broker gone, network, keep-alive timeout).</summary>
    ConnectionLost,

    /// <summary>The broker rejected the username/password or the client is not authorised.</summary>
    NotAuthorized,

    /// <summary>The broker's certificate did not verify against the configured CA, or its name did not
    /// match the host.</summary>
    TlsVerificationFailed,

    /// <summary>Another TLS failure, e.g. the broker required or rejected the client certificate.</summary>
    Tls,

    /// <summary>The broker refused the CONNECT for another reason (client id, protocol version, banned,
    /// unavailable, busy).</summary>
    Refused,

    /// <summary>The broker broke the protocol or sent something malformed.</summary>
    Protocol,
}

/// <summary>A failed connection attempt or a dropped connection.</summary>
/// <param name="Kind">Category.</param>
/// <param name="Message">What happened and what to do, for logs and status output.</param>
/// <param name="Permanent">True when retrying cannot help until someone changes the gateway's or the
/// broker's configuration (credentials, certificates, client id); the client keeps retrying anyway.</param>
/// <param name="OccurredAt">When it was observed.</param>
public sealed record MqttConnectionFailure(MqttFailureKind Kind, string Message, bool Permanent, DateTimeOffset OccurredAt);
