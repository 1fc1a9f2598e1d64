using AnchorNode.Devices;
using AnchorNode.Storage;
using Firmware.Contracts.Calibration;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Dashboard;

/// <summary>
/// Computes the operator dashboard from the ledger state (devices, anchors, lots, checkpoints) and
/// the gateways' latest status reports. Backlog and online state need both: the node knows what it
/// committed and when it last heard from a gateway, only the gateway knows how much it holds.
/// </summary>
public sealed class OperatorDashboard
{
    /// <summary>The most recent alarm events listed per zone.</summary>
    public const int RecentPerZone = 20;

    private readonly NodeReaders _readers;
    private readonly GatewayStatusService _reports;
    private readonly TimeProvider _time;
    private readonly TimeSpan _offlineAfter;
    private readonly int _calibrationDueSoonDays;

    /// <summary>A dashboard over <paramref name="readers"/> and <paramref name="reports"/>.</summary>
    public OperatorDashboard(NodeReaders readers, GatewayStatusService reports, TimeProvider time, TimeSpan offlineAfter, int calibrationDueSoonDays = CalibrationStatus.DefaultDueSoonDays)
    {
        _calibrationDueSoonDays = calibrationDueSoonDays;
        _readers = readers;
        _reports = reports;
        _time = time;
        _offlineAfter = offlineAfter;
    }

    /// <summary>The dashboard as of now.</summary>
    public DashboardView Build()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var reports = _reports.Latest();
        using var lease = _readers.Rent();
        var reader = lease.Reader;
        using var snapshot = reader.Snapshot();
        var latest = reader.LatestCheckpoint();
        var ledger = new DashboardLedger(reader.LedgerSize, latest?.Size, latest?.TimeMs, latest?.Signatures);

        var gateways = new List<DashboardGateway>();
        var zones = new Dictionary<string, (string? Site, List<DashboardAlarm> Active, List<DashboardAlarmEvent> Recent)>(StringComparer.Ordinal);
        foreach (var device in reader.State.Devices().OrderBy(d => d.DeviceId, StringComparer.Ordinal))
        {
            var committed = reader.DeviceLog(device.DeviceId)?.Size ?? 0;
            var anchoredMs = device.AnchorIndex is { } anchor && reader.Entry(anchor) is { } bytes
                && LedgerEntry.Parse(bytes) is { Succeeded: true } entry && AnchorEntry.From(entry.Value) is { Succeeded: true } parsed
                    ? parsed.Value.ReceivedMs
                    : (long?)null;
            reports.TryGetValue(device.DeviceId, out var stored);
            var report = stored?.Report;
            long? contact = (stored?.ReceivedMs, anchoredMs) switch
            {
                ({ } r, { } a) => Math.Max(r, a),
                ({ } r, null) => r,
                (null, { } a) => a,
                _ => null,
            };
            var state = !device.IsActive ? "revoked"
                : contact is not { } c ? "never-seen"
                : now - c > (long)_offlineAfter.TotalMilliseconds ? "offline"
                : "online";
            var sensors = report?.Sensors ?? [];
            gateways.Add(new DashboardGateway(
                device.DeviceId, device.Site, device.Zone, state, !device.IsActive, device.EquivocationIndex is not null,
                contact, contact is { } seen ? Math.Max(0, (now - seen) / 1000) : null,
                committed, report?.LogSize, report is null ? null : Math.Max(0, report.LogSize - committed),
                report?.SealedSize, report?.PendingReadings, device.AnchorIndex, device.AnchoredSize, anchoredMs,
                report?.Version, report?.GatewayTimeMs, sensors, sensors.Count(s => s.Fault is not null)));
            if (report is null)
            {
                continue;
            }
            foreach (var alarm in report.ActiveAlarms)
            {
                Zone(alarm.Zone, device.Site).Active.Add(new DashboardAlarm(device.DeviceId, alarm.Sensor, alarm.Rule, alarm.Quantity, alarm.Kind, alarm.SinceMs, alarm.Value, alarm.Unit));
            }
            foreach (var e in report.RecentAlarms)
            {
                Zone(e.Zone, device.Site).Recent.Add(new DashboardAlarmEvent(device.DeviceId, e.Sensor, e.Rule, e.Event, e.TimeMs, e.Value, e.Unit, e.Sequence));
            }
        }

        var lots = reader.State.Lots()
            .Select(l => new DashboardLot(l.Receipt, l.Gtin, l.Batch, l.Site, l.Zone, l.Status.Name(), l.Quantity, l.Unit, l.Owner, l.ActivePledge))
            .ToList();
        var zoneViews = zones
            .OrderBy(z => z.Value.Site ?? "", StringComparer.Ordinal).ThenBy(z => z.Key, StringComparer.Ordinal)
            .Select(z => new DashboardZone(z.Value.Site, z.Key,
                z.Value.Active.OrderBy(a => a.SinceMs).ToList(),
                z.Value.Recent.OrderByDescending(e => e.TimeMs).ThenByDescending(e => e.Sequence).Take(RecentPerZone).ToList()))
            .ToList();
        return new DashboardView(now, (long)_offlineAfter.TotalMilliseconds, ledger, gateways, zoneViews, lots)
        {
            Calibrations = DashboardCalibration.Flags(reader.State, reports, now, _calibrationDueSoonDays),
        };

        (string? Site, List<DashboardAlarm> Active, List<DashboardAlarmEvent> Recent) Zone(string zone, string? site)
        {
            if (!zones.TryGetValue(zone, out var entry))
            {
                entry = (site, [], []);
                zones[zone] = entry;
            }
            return entry;
        }
    }
}
