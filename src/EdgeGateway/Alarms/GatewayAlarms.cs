using Firmware.Contracts.Readings;

namespace EdgeGateway.Alarms;

/// <summary>
/// Alarms about the gateway itself rather than a zone's readings. Raised and cleared by the event
/// leaves that record them (so they say exactly what the signed log holds) and reported like zone
/// alarms: in the status report to the node and on MQTT, under the zone <see cref="Zone"/>.
/// </summary>
public static class GatewayAlarms
{
    /// <summary>The zone gateway alarms are reported under.</summary>
    public const string Zone = "gateway";

    /// <summary>The rule of the disk-full alarm: readings are refused because the disk is full.</summary>
    public const string DiskFullRule = "disk-full";

    /// <summary>The sensor id the disk-full alarm names: the gateway's data storage.</summary>
    public const string DiskSensor = "gateway/disk";

    /// <summary>The event leaf code that starts the disk-full alarm.</summary>
    public const string DiskFullEvent = "disk-full";

    /// <summary>The event leaf code that ends it.</summary>
    public const string DiskResumedEvent = "disk-resumed";

    /// <summary>
    /// The alarm transition an event leaf records: true for a start, false for an end, null when
    /// the leaf is not a gateway alarm's event.
    /// </summary>
    public static bool? Transition(LeafContent leaf)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        return leaf.Kind != LeafKind.Event ? null : leaf.StringValue switch
        {
            DiskFullEvent => true,
            DiskResumedEvent => false,
            _ => null,
        };
    }

    /// <summary>The disk-full alarm as active since <paramref name="sinceMs"/>.</summary>
    public static ActiveAlarm DiskFull(long sinceMs) => new(DiskFullRule, Zone, DiskSensor, sinceMs, null, null);
}
