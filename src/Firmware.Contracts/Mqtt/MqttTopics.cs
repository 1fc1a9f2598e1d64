namespace Firmware.Contracts.Mqtt;

/// <summary>
/// The MQTT topic layout. Everything a gateway publishes lives under
/// <c>&lt;prefix&gt;/&lt;gateway id&gt;/…</c>; sensor nodes publish under <c>&lt;prefix&gt;/nodes/&lt;node id&gt;/senml</c>.
/// The prefix defaults to <c>edgetrace</c>. MQTT carries live telemetry and alarms only: custody of
/// readings never depends on it (a broker's PUBACK does not mean the message is on disk).
/// </summary>
public sealed class MqttTopics
{
    /// <summary>The default topic prefix.</summary>
    public const string DefaultPrefix = "edgetrace";

    /// <summary>The topic layout under <paramref name="prefix"/>.</summary>
    public MqttTopics(string prefix = DefaultPrefix)
    {
        if (!IsValidLevelPath(prefix))
        {
            throw new ArgumentException($"MQTT topic prefix '{prefix}' must be non-empty, without '+', '#', NUL or empty levels", nameof(prefix));
        }
        Prefix = prefix;
    }

    /// <summary>The prefix.</summary>
    public string Prefix { get; }

    /// <summary>Retained <see cref="GatewayStatus"/>; the Last Will sets it to offline.</summary>
    public string Status(string gatewayId) => $"{Prefix}/{gatewayId}/status";

    /// <summary>Live readings of one sensor: a SenML pack with one record per reading (not retained).</summary>
    public string Readings(string gatewayId, string sensorId) => $"{Prefix}/{gatewayId}/readings/{sensorId}";

    /// <summary>Subscription filter for every reading of a gateway.</summary>
    public string AllReadings(string gatewayId) => $"{Prefix}/{gatewayId}/readings/#";

    /// <summary>Retained <see cref="ZoneAlarmState"/> of one zone.</summary>
    public string AlarmState(string gatewayId, string zone) => $"{Prefix}/{gatewayId}/alarms/{zone}";

    /// <summary>Alarm start and end events (<see cref="AlarmEvent"/>, not retained).</summary>
    public string AlarmEvents(string gatewayId) => $"{Prefix}/{gatewayId}/alarm-events";

    /// <summary>Checkpoint sealed / anchored events (<see cref="ProgressEvent"/>, not retained).</summary>
    public string Progress(string gatewayId) => $"{Prefix}/{gatewayId}/progress";

    /// <summary>Where sensor node <paramref name="nodeId"/> publishes its SenML packs.</summary>
    public string NodeSenml(string nodeId) => $"{Prefix}/nodes/{nodeId}/senml";

    /// <summary>Subscription filter for every sensor node.</summary>
    public string AllNodes => $"{Prefix}/nodes/+/senml";

    /// <summary>The node id of a <see cref="NodeSenml"/> topic, or null when the topic is not one.</summary>
    public string? NodeIdOf(string topic)
    {
        var head = $"{Prefix}/nodes/";
        // "<prefix>/nodes/senml" starts and ends right but has no id between the two.
        if (topic.Length <= head.Length + "/senml".Length || !topic.StartsWith(head, StringComparison.Ordinal) || !topic.EndsWith("/senml", StringComparison.Ordinal))
        {
            return null;
        }
        var id = topic[head.Length..^"/senml".Length];
        return IsValidNodeId(id) ? id : null;
    }

    /// <summary>The zigbee2mqtt topic of a device with <paramref name="friendlyName"/>.</summary>
    public static string Zigbee2Mqtt(string friendlyName, string baseTopic = "zigbee2mqtt") => $"{baseTopic}/{friendlyName}";

    /// <summary>A node id: 1–64 of A-Z a-z 0-9 . _ - (no topic separators or wildcards).</summary>
    public static bool IsValidNodeId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 64 && id.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or '-');

    private static bool IsValidLevelPath(string? path) =>
        !string.IsNullOrEmpty(path) && !path.Contains('+') && !path.Contains('#') && !path.Contains('\0')
        && path.Split('/').All(level => level.Length > 0);
}
