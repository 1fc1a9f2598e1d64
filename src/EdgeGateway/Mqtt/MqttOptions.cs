using System.Text;

namespace EdgeGateway.Mqtt;

/// <summary>How an <see cref="IMqttClient"/> connects and how much it may hold. Check with
/// <see cref="Validate"/>; clients refuse invalid options.</summary>
public sealed record MqttOptions
{
    /// <summary>Largest payload MQTT can carry (the 268,435,455-byte remaining length less a small header).</summary>
    public const int ProtocolMaxPayloadBytes = 268_435_455 - 65_536;

    /// <summary>Broker host name or IP address (no scheme, no port). With TLS this is also the name the
    /// broker's certificate must carry.</summary>
    public required string Host { get; init; }

    /// <summary>Broker port; 1883 is plain MQTT, 8883 is MQTT over TLS.</summary>
    public int Port { get; init; } = 1883;

    /// <summary>Client identifier. Required for a persistent session; when empty (clean session only)
    /// the broker assigns one.</summary>
    public string ClientId { get; init; } = "";

    /// <summary>MQTT protocol version.</summary>
    public MqttProtocolVersion ProtocolVersion { get; init; } = MqttProtocolVersion.V311;

    /// <summary>True: the broker forgets the session on disconnect. False: a persistent session: the broker
    /// keeps subscriptions and queues QoS 1 messages for this <see cref="ClientId"/> while it is away.</summary>
    public bool CleanSession { get; init; } = true;

    /// <summary>MQTT 5 persistent sessions only: how long the broker keeps the session after a disconnect;
    /// null means it never expires (what MQTT 3.1.1 persistent sessions do). Ignored with a clean session.</summary>
    public TimeSpan? SessionExpiry { get; init; }

    /// <summary>Keep-alive interval (whole seconds, 5 s to 65,535 s). A silent connection is detected within
    /// about 1.5 times this.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Username and password, if the broker wants them.</summary>
    public MqttCredentials? Credentials { get; init; }

    /// <summary>Credentials made afresh for every connection attempt (a token that expires, such as an IoT Hub
    /// SAS token); when set, it is used instead of <see cref="Credentials"/>.</summary>
    public Func<MqttCredentials>? CredentialsProvider { get; init; }

    /// <summary>TLS settings; null for plain TCP.</summary>
    public MqttTlsOptions? Tls { get; init; }

    /// <summary>Last Will: published by the broker if this client vanishes without a DISCONNECT
    /// (power loss, crash, network gone past the keep-alive). Not published on a graceful dispose.</summary>
    public MqttMessage? Will { get; init; }

    /// <summary>First delay before reconnecting; doubles per failed attempt up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest delay between reconnect attempts.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Most messages the outgoing queue holds (see <see cref="IMqttClient.TryPublish"/> for what
    /// happens when it is full).</summary>
    public int QueueCapacity { get; init; } = 10_000;

    /// <summary>Most topic and payload bytes the outgoing queue holds; with <see cref="QueueCapacity"/> this
    /// bounds the memory queued messages can take while the broker is away.</summary>
    public long QueueCapacityBytes { get; init; } = 8L * 1024 * 1024;

    /// <summary>Largest payload accepted by <see cref="IMqttClient.TryPublish"/>.</summary>
    public int MaxPayloadBytes { get; init; } = 256 * 1024;

    /// <summary>Most messages handed to the connection at once and not yet written (QoS 0) or acknowledged
    /// (QoS 1): the QoS 1 in-flight window. The rest wait in the bounded queue, where the overflow policy
    /// can see them.</summary>
    public int MaxInFlight { get; init; } = 100;

    /// <summary>Most received messages held for the reader of <see cref="IMqttClient.Messages"/>.</summary>
    public int ReceiveQueueCapacity { get; init; } = 10_000;

    /// <summary>Largest received payload passed on to <see cref="IMqttClient.Messages"/>. A larger one is not
    /// copied: it is counted in <see cref="MqttClientStatistics.ReceiveOversized"/> and
    /// dropped, so a broker without a message size limit cannot make the receive queue hold huge messages.</summary>
    public int MaxReceivePayloadBytes { get; init; } = 256 * 1024;

    /// <summary>How long disposing waits for queued messages to go out while connected.</summary>
    public TimeSpan ShutdownFlushTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Every problem with these options, each naming the field; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Host))
        {
            problems.Add("MqttOptions.Host is empty: give the broker's host name or IP address.");
        }
        else if (Host.Contains("://", StringComparison.Ordinal) || Host.Any(char.IsWhiteSpace))
        {
            problems.Add($"MqttOptions.Host '{Host}' is not a host name: give a name or IP address without scheme or spaces (e.g. 'broker.local').");
        }
        if (Port is < 1 or > 65_535)
        {
            problems.Add($"MqttOptions.Port {Port} is out of range: use 1 to 65535 (1883 for MQTT, 8883 for MQTT over TLS).");
        }
        if (!Enum.IsDefined(ProtocolVersion))
        {
            problems.Add($"MqttOptions.ProtocolVersion {(int)ProtocolVersion} is not supported: use V311 or V5.");
        }
        if (ClientId is null)
        {
            problems.Add("MqttOptions.ClientId is null: use an empty string to let the broker assign one.");
        }
        else
        {
            if (!CleanSession && ClientId.Length == 0)
            {
                problems.Add("MqttOptions.ClientId is empty but CleanSession is false: a persistent session needs a fixed client id.");
            }
            if (ClientId.Contains('\0', StringComparison.Ordinal) || Utf8Length(ClientId) is < 0 or > 65_535)
            {
                problems.Add("MqttOptions.ClientId must be valid text without NUL characters, at most 65535 bytes in UTF-8.");
            }
        }
        if (SessionExpiry is { } expiry && (expiry < TimeSpan.Zero || expiry.TotalSeconds >= uint.MaxValue))
        {
            problems.Add($"MqttOptions.SessionExpiry {expiry} is out of range: use 0 s to {uint.MaxValue - 1} s, or null for never.");
        }
        if (KeepAlive.TotalSeconds is < 5 or > 65_535)
        {
            problems.Add($"MqttOptions.KeepAlive {KeepAlive} is out of range: use 5 s to 65535 s.");
        }
        if (Credentials is { } credentials)
        {
            if (string.IsNullOrEmpty(credentials.Username))
            {
                problems.Add("MqttOptions.Credentials.Username is empty: give a username, or no credentials at all.");
            }
            else if (credentials.Username.Contains('\0', StringComparison.Ordinal) || Utf8Length(credentials.Username) is < 0 or > 65_535)
            {
                problems.Add("MqttOptions.Credentials.Username must be valid text without NUL characters, at most 65535 bytes in UTF-8.");
            }
            if (credentials.Password is { } password && (password.Contains('\0', StringComparison.Ordinal) || Utf8Length(password) is < 0 or > 65_535))
            {
                problems.Add("MqttOptions.Credentials.Password must be valid text without NUL characters, at most 65535 bytes in UTF-8.");
            }
        }
        if (Tls is { } tls)
        {
            CheckFile(problems, "MqttOptions.Tls.CaFile", tls.CaFile, required: false);
            CheckFile(problems, "MqttOptions.Tls.CertFile", tls.CertFile, required: false);
            CheckFile(problems, "MqttOptions.Tls.KeyFile", tls.KeyFile, required: false);
            if ((tls.CertFile is null) != (tls.KeyFile is null))
            {
                problems.Add("MqttOptions.Tls.CertFile and MqttOptions.Tls.KeyFile go together: give both for client-certificate authentication, or neither.");
            }
        }
        if (Will is { } will)
        {
            if (MqttTopic.CheckName(will.Topic) is { } topicProblem)
            {
                problems.Add($"MqttOptions.Will.Topic: {topicProblem}");
            }
            if (!Enum.IsDefined(will.Qos))
            {
                problems.Add($"MqttOptions.Will.Qos {(int)will.Qos} is not supported: use AtMostOnce or AtLeastOnce.");
            }
            if (will.Payload.Length > MaxPayloadBytes)
            {
                problems.Add($"MqttOptions.Will.Payload is {will.Payload.Length} bytes; the limit is MqttOptions.MaxPayloadBytes ({MaxPayloadBytes}).");
            }
        }
        if (ReconnectMinDelay < TimeSpan.FromMilliseconds(10))
        {
            problems.Add($"MqttOptions.ReconnectMinDelay {ReconnectMinDelay} is too short: use at least 10 ms so a broken broker is not hammered.");
        }
        if (ReconnectMaxDelay < ReconnectMinDelay || ReconnectMaxDelay > TimeSpan.FromDays(1))
        {
            problems.Add($"MqttOptions.ReconnectMaxDelay {ReconnectMaxDelay} must be at least ReconnectMinDelay ({ReconnectMinDelay}) and at most one day.");
        }
        if (MaxPayloadBytes is < 1 or > ProtocolMaxPayloadBytes)
        {
            problems.Add($"MqttOptions.MaxPayloadBytes {MaxPayloadBytes} is out of range: use 1 to {ProtocolMaxPayloadBytes}.");
        }
        if (QueueCapacity < 1)
        {
            problems.Add($"MqttOptions.QueueCapacity {QueueCapacity} must be at least 1.");
        }
        if (QueueCapacityBytes < MaxPayloadBytes + MqttTopic.MaxBytes)
        {
            problems.Add($"MqttOptions.QueueCapacityBytes {QueueCapacityBytes} must hold at least one message of MaxPayloadBytes plus a maximal topic ({(long)MaxPayloadBytes + MqttTopic.MaxBytes}).");
        }
        if (MaxInFlight is < 1 or > 65_535)
        {
            problems.Add($"MqttOptions.MaxInFlight {MaxInFlight} is out of range: use 1 to 65535.");
        }
        if (ReceiveQueueCapacity < 1)
        {
            problems.Add($"MqttOptions.ReceiveQueueCapacity {ReceiveQueueCapacity} must be at least 1.");
        }
        if (MaxReceivePayloadBytes is < 0 or > ProtocolMaxPayloadBytes)
        {
            problems.Add($"MqttOptions.MaxReceivePayloadBytes {MaxReceivePayloadBytes} is out of range: use 0 to {ProtocolMaxPayloadBytes}.");
        }
        if (ShutdownFlushTimeout < TimeSpan.Zero || ShutdownFlushTimeout > TimeSpan.FromMinutes(5))
        {
            problems.Add($"MqttOptions.ShutdownFlushTimeout {ShutdownFlushTimeout} is out of range: use 0 to 5 minutes.");
        }
        return problems;
    }

    /// <summary>Throws when <see cref="Validate"/> finds problems.</summary>
    /// <exception cref="ArgumentException">Lists every problem, each naming its field.</exception>
    public void ThrowIfInvalid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid MQTT options: " + string.Join(" ", problems));
        }
    }

    private static void CheckFile(List<string> problems, string field, string? path, bool required)
    {
        if (string.IsNullOrEmpty(path))
        {
            if (required) problems.Add($"{field} is empty: give the path of a PEM file.");
            return;
        }
        if (!File.Exists(path))
        {
            problems.Add($"{field} '{path}' does not exist or is not a file.");
        }
    }

    private static int Utf8Length(string text)
    {
        try
        {
            return new UTF8Encoding(false, true).GetByteCount(text);
        }
        catch (EncoderFallbackException)
        {
            return -1;
        }
    }
}

/// <summary>Username and password for the broker. <see cref="ToString"/> never shows the password.</summary>
/// <param name="Username">Username.</param>
/// <param name="Password">Password; null to send a username alone.</param>
public sealed record MqttCredentials(string Username, string? Password)
{
    /// <inheritdoc/>
    public override string ToString() => $"MqttCredentials {{ Username = {Username}, Password = {(Password is null ? "(none)" : "***")} }}";
}

/// <summary>TLS settings. The broker's certificate must chain to <see cref="CaFile"/> (or, when it is empty, to
/// the system's trust store) and carry the
/// configured host name (or IP address) as a subject alternative name; there is no switch to turn that off.</summary>
/// <param name="CaFile">PEM file with the CA certificate(s) trusted to sign the broker's certificate; empty: the
/// system's trust store (a public broker or cloud service).</param>
public sealed record MqttTlsOptions(string CaFile)
{
    /// <summary>PEM client certificate, for brokers that authenticate clients by certificate.</summary>
    public string? CertFile { get; init; }

    /// <summary>Unencrypted PEM private key of <see cref="CertFile"/> (protect it with file permissions;
    /// encrypted keys are refused rather than prompting on a terminal).</summary>
    public string? KeyFile { get; init; }
}
