using System.Text.Json.Serialization;

namespace AnchorNode.Configuration;

/// <summary>
/// What the node does with alarms (<c>alarms</c> in <c>node.json</c>): whether the operator is told of
/// alarm starts and ends and of calibrations that need them, and when an unacknowledged alarm escalates.
/// </summary>
public sealed record AlarmSettings
{
    /// <summary>
    /// How long an alarm may stay active and unacknowledged before an <c>alarm.escalated</c> notification
    /// goes to the operator's contacts (once per alarm); 0 turns escalation off. Default 30 minutes.
    /// </summary>
    [JsonPropertyName("escalateAfterMs")]
    public long EscalateAfterMs { get; set; } = 1_800_000;

    /// <summary>
    /// Whether the operator's contacts are told of every alarm leaf's start and end (<c>alarm.started</c>,
    /// <c>alarm.ended</c>) and of sensors whose calibration is due soon, overdue or missing
    /// (<c>calibration.*</c>). Default true; needs <c>notifications</c>.
    /// </summary>
    [JsonPropertyName("notifyOperator")]
    public bool NotifyOperator { get; set; } = true;

    /// <summary>How often alarms are checked for notifications and escalation.</summary>
    [JsonPropertyName("checkIntervalMs")]
    public int CheckIntervalMs { get; set; } = 10_000;

    /// <summary>Checks the values; null when usable. Messages name the member of node.json.</summary>
    public string? Problem() =>
        EscalateAfterMs is < 0 or > 30L * 86_400_000 ? $"alarms.escalateAfterMs must be between 0 (off) and 2592000000 (30 days), got {EscalateAfterMs}"
        : CheckIntervalMs is < 10 or > 3_600_000 ? $"alarms.checkIntervalMs must be between 10 and 3600000, got {CheckIntervalMs}"
        : null;
}
