using System.Text;
using EdgeGateway.Sensors;
using Firmware.Contracts.Readings;

namespace EdgeGateway.Log;

/// <summary>
/// Turns what the gateway observes into leaf contents: one leaf per sensor event, never mixing
/// faults with good readings. Something that cannot be a valid leaf as reported (an id with
/// characters the format forbids, a value that is not finite) is not dropped: it becomes a fault
/// or an event leaf that says what was wrong.
/// </summary>
public sealed class LeafDrafts
{
    private readonly string _deviceId;
    private readonly Func<string, string?> _zoneOf;

    /// <param name="deviceId">The device whose log the leaves belong to.</param>
    /// <param name="zoneOf">The zone of a sensor id, or null.</param>
    public LeafDrafts(string deviceId, Func<string, string?> zoneOf)
    {
        _deviceId = deviceId;
        _zoneOf = zoneOf;
    }

    /// <summary>The zone of a sensor, or null.</summary>
    public string? ZoneOf(string sensorId) => _zoneOf(sensorId);

    /// <summary>The quantity name written in leaves.</summary>
    public static string QuantityName(Quantity quantity) => quantity switch
    {
        Quantity.Temperature => Senml.Temperature,
        Quantity.Humidity => Senml.Humidity,
        Quantity.Pressure => Senml.Pressure,
        Quantity.Tag => Senml.Epc,
        _ => throw new ArgumentOutOfRangeException(nameof(quantity), quantity, null),
    };

    /// <summary>The leaf for a sensor event at <paramref name="sequence"/>.</summary>
    public LeafContent ForSensorEvent(SensorEvent sensorEvent, long sequence)
    {
        ArgumentNullException.ThrowIfNull(sensorEvent);
        var zone = _zoneOf(sensorEvent.SensorId);
        var quantity = QuantityName(sensorEvent.Quantity);
        var time = Math.Clamp(sensorEvent.TimeMs, 0, ReadingLeaf.MaxTimeMs);
        return sensorEvent switch
        {
            Measurement m when double.IsFinite(m.Value) && Senml.UnitOf(quantity) == m.Unit => new LeafContent
            {
                DeviceId = _deviceId, Sequence = sequence, Kind = LeafKind.Measurement, TimeMs = time,
                SensorId = m.SensorId, Quantity = quantity, Zone = zone, Unit = m.Unit, Value = m.Value,
            },
            Measurement m => Fault(sequence, m.SensorId, quantity, zone, time, "invalid-value",
                $"the source reported {m.Value} {m.Unit} for {quantity}, which is not a finite value in {Senml.UnitOf(quantity)}"),
            TagObservation tag => new LeafContent
            {
                DeviceId = _deviceId, Sequence = sequence, Kind = LeafKind.Observation, TimeMs = time,
                SensorId = tag.SensorId, Quantity = Senml.Epc, Zone = zone, StringValue = tag.Value,
            },
            SensorFault fault => Fault(sequence, fault.SensorId, quantity, zone, time, fault.Code, fault.Detail),
            _ => throw new ArgumentException($"unknown sensor event {sensorEvent.GetType().Name}", nameof(sensorEvent)),
        };
    }

    /// <summary>
    /// A fallback for an event whose leaf the format refused: a fault leaf when the sensor id is
    /// usable, else a gateway event leaf carrying the refused content in its detail.
    /// </summary>
    public LeafContent ForRefusedEvent(SensorEvent sensorEvent, long sequence, string reason)
    {
        ArgumentNullException.ThrowIfNull(sensorEvent);
        var time = Math.Clamp(sensorEvent.TimeMs, 0, ReadingLeaf.MaxTimeMs);
        var described = Describe(sensorEvent);
        var candidate = Fault(sequence, sensorEvent.SensorId, QuantityName(sensorEvent.Quantity), _zoneOf(sensorEvent.SensorId), time,
            "invalid-reading", $"{reason}; reported: {described}");
        try
        {
            _ = ReadingLeaf.Create(candidate, new byte[ReadingLeaf.SaltLength]);
            return candidate;
        }
        catch (ArgumentException)
        {
            return ForGatewayEvent(new GatewayEvent("invalid-reading", $"{reason}; reported: {described}", time), sequence);
        }
    }

    /// <summary>The leaf for a gateway event.</summary>
    public LeafContent ForGatewayEvent(GatewayEvent gatewayEvent, long sequence)
    {
        ArgumentNullException.ThrowIfNull(gatewayEvent);
        return new LeafContent
        {
            DeviceId = _deviceId, Sequence = sequence, Kind = LeafKind.Event,
            TimeMs = Math.Clamp(gatewayEvent.TimeMs, 0, ReadingLeaf.MaxTimeMs),
            StringValue = gatewayEvent.Code, Detail = CleanDetail(gatewayEvent.Detail),
        };
    }

    /// <summary>The event leaf of a door that opened or closed (<c>door-open</c>, <c>door-closed</c>), in the door's zone.</summary>
    public LeafContent ForDoor(DoorObservation door, long sequence)
    {
        ArgumentNullException.ThrowIfNull(door);
        return new LeafContent
        {
            DeviceId = _deviceId, Sequence = sequence, Kind = LeafKind.Event,
            TimeMs = Math.Clamp(door.TimeMs, 0, ReadingLeaf.MaxTimeMs),
            StringValue = door.Open ? DoorObservation.OpenCode : DoorObservation.ClosedCode,
            Zone = door.Zone, Detail = CleanDetail(door.Detail),
        };
    }

    /// <summary>The leaf for an alarm transition.</summary>
    public LeafContent ForAlarm(Alarms.AlarmTransition alarm, long sequence)
    {
        ArgumentNullException.ThrowIfNull(alarm);
        return new LeafContent
        {
            DeviceId = _deviceId, Sequence = sequence, Kind = LeafKind.Alarm,
            TimeMs = Math.Clamp(alarm.TimeMs, 0, ReadingLeaf.MaxTimeMs),
            SensorId = alarm.SensorId, Zone = alarm.Zone, Rule = alarm.RuleId,
            StringValue = alarm.Started ? "start" : "end",
            // Absent means alarm (docs/spec.md §2.1): only a warning says so.
            Severity = alarm.Severity == AlarmSeverity.Alarm ? null : alarm.Severity,
            Value = alarm.Value, Unit = alarm.Value is null ? null : alarm.Unit,
            Detail = CleanDetail(alarm.Detail),
        };
    }

    /// <summary>The event leaf of a suppression window that opened or closed (<c>suppression-start</c>, <c>suppression-end</c>), with its zone and reason.</summary>
    public LeafContent ForSuppression(Alarms.SuppressionTransition window, long sequence)
    {
        ArgumentNullException.ThrowIfNull(window);
        return new LeafContent
        {
            DeviceId = _deviceId, Sequence = sequence, Kind = LeafKind.Event,
            TimeMs = Math.Clamp(window.TimeMs, 0, ReadingLeaf.MaxTimeMs),
            StringValue = window.Opened ? Alarms.SuppressionTransition.StartCode : Alarms.SuppressionTransition.EndCode,
            Zone = window.Zone, Reason = window.Reason, Detail = CleanDetail(window.Detail),
        };
    }

    private LeafContent Fault(long sequence, string sensorId, string quantity, string? zone, long time, string code, string detail) => new()
    {
        DeviceId = _deviceId, Sequence = sequence, Kind = LeafKind.Fault, TimeMs = time,
        SensorId = sensorId, Quantity = quantity, Zone = zone, StringValue = CleanCode(code), Detail = CleanDetail(detail),
    };

    // Fault codes are lower-case words; a source that breaks the rule still gets its fault recorded.
    private static string CleanCode(string code)
    {
        var sb = new StringBuilder(Math.Min(code.Length, 64));
        foreach (var ch in code.ToLowerInvariant())
        {
            if (sb.Length == 64)
            {
                break;
            }
            sb.Append(ch is (>= 'a' and <= 'z') or (>= '0' and <= '9') ? ch : '-');
        }
        while (sb.Length > 0 && sb[0] == '-')
        {
            sb.Remove(0, 1);
        }
        return sb.Length == 0 ? "unknown" : sb.ToString();
    }

    /// <summary>Detail text as the leaf format takes it: no control characters, at most 512 characters.</summary>
    public static string? CleanDetail(string? detail)
    {
        if (detail is null)
        {
            return null;
        }
        var sb = new StringBuilder(Math.Min(detail.Length, 512));
        foreach (var ch in detail)
        {
            if (sb.Length == 512)
            {
                break;
            }
            sb.Append(char.IsControl(ch) ? ' ' : ch);
        }
        if (sb.Length > 0 && char.IsHighSurrogate(sb[^1]))
        {
            sb.Length--;
        }
        return sb.ToString();
    }

    private static string Describe(SensorEvent e) => e switch
    {
        Measurement m => $"measurement sensor={m.SensorId} value={m.Value} unit={m.Unit}",
        TagObservation t => $"observation sensor={t.SensorId} value={t.Value}",
        SensorFault f => $"fault sensor={f.SensorId} code={f.Code} detail={f.Detail}",
        _ => e.ToString(),
    };
}

/// <summary>
/// A door contact's debounced state. A change becomes an event leaf (<see cref="OpenCode"/> or
/// <see cref="ClosedCode"/>); every observation, changed or not, feeds the zone's door alarm rules,
/// so a door that stays open starts its alarm on time.
/// </summary>
/// <param name="DoorId">The door's id in alarm leaves (their <c>sensor</c>), e.g. <c>door/chiller-1</c>.</param>
/// <param name="Zone">The door's zone.</param>
/// <param name="Open">True when open.</param>
/// <param name="TimeMs">When the state was seen (for a change: when it became stable), Unix milliseconds.</param>
/// <param name="Changed">True for a change (or the state at start), which is a leaf.</param>
/// <param name="Detail">What happened, for people; the leaf's detail names the door.</param>
public sealed record DoorObservation(string DoorId, string? Zone, bool Open, long TimeMs, bool Changed, string Detail)
{
    /// <summary>The event code of a door that opened.</summary>
    public const string OpenCode = "door-open";

    /// <summary>The event code of a door that closed.</summary>
    public const string ClosedCode = "door-closed";
}

/// <summary>Something about the gateway itself that belongs in its log.</summary>
/// <param name="Code">A lower-case code, e.g. <c>gateway-start</c>, <c>disk-full</c>.</param>
/// <param name="Detail">What happened, for people.</param>
/// <param name="TimeMs">Gateway time, Unix milliseconds.</param>
public sealed record GatewayEvent(string Code, string Detail, long TimeMs);
