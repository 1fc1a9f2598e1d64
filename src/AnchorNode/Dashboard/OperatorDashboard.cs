using System.Collections.Concurrent;
using AnchorNode.Devices;
using AnchorNode.Inventory;
using AnchorNode.Storage;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Calibration;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Dashboard;

/// <summary>How the dashboard judges and shows things.</summary>
/// <param name="OfflineAfter">A gateway without contact for longer is offline.</param>
/// <param name="StaleAfter">A sensor's latest measurement older than this is stale.</param>
/// <param name="TimeZone">The zone every time is shown in.</param>
public sealed record DashboardSettings(TimeSpan OfflineAfter, TimeSpan StaleAfter, TimeZoneInfo TimeZone);

/// <summary>
/// Computes the operator dashboard from the ledger state (devices, anchors, lots, checkpoints) and
/// the gateways' latest status reports. Backlog and online state need both: the node knows what it
/// committed and when it last heard from a gateway, only the gateway knows how much it holds.
/// </summary>
public sealed class OperatorDashboard
{
    /// <summary>The most recent alarm events listed per zone.</summary>
    public const int RecentPerZone = 20;

    /// <summary>The window of the per-sensor figures and sparklines.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromHours(24);

    /// <summary>Points per sparkline: 15-minute buckets over <see cref="Window"/>.</summary>
    public const int SparklinePoints = 96;

    private static readonly Comparer<(string Site, string Zone)> SiteThenZone = Comparer<(string Site, string Zone)>.Create((a, b) =>
        string.CompareOrdinal(a.Site, b.Site) is var site and not 0 ? site : string.CompareOrdinal(a.Zone, b.Zone));

    private readonly NodeReaders _readers;
    private readonly GatewayStatusService _reports;
    private readonly CovenantMonitor _covenants;
    private readonly TimeProvider _time;
    private readonly DashboardSettings _settings;
    private readonly TimeSpan _offlineAfter;
    private readonly int _calibrationDueSoonDays;

    // A lot's product never changes (it is in the lot's first entry), so it is read once per lot.
    private readonly ConcurrentDictionary<long, string> _products = new();

    /// <summary>A dashboard over <paramref name="readers"/> and <paramref name="reports"/>, with covenant states from <paramref name="covenants"/>.</summary>
    public OperatorDashboard(NodeReaders readers, GatewayStatusService reports, CovenantMonitor covenants, TimeProvider time, DashboardSettings settings,
        int calibrationDueSoonDays = CalibrationStatus.DefaultDueSoonDays)
    {
        _calibrationDueSoonDays = calibrationDueSoonDays;
        _readers = readers;
        _reports = reports;
        _covenants = covenants;
        _time = time;
        _settings = settings;
        _offlineAfter = settings.OfflineAfter;
    }

    /// <summary>The clock every time on the page is shown on.</summary>
    public DashboardClock Clock => new(_settings.TimeZone);

    /// <summary>
    /// Every enrolled gateway's state as of now (<c>online</c>, <c>offline</c>, <c>never-seen</c>,
    /// <c>revoked</c>): the dashboard's gateway list alone, for those who need no more of it.
    /// </summary>
    public (long NowMs, IReadOnlyList<DashboardGateway> Gateways) GatewaysNow()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var reports = _reports.Latest();
        using var lease = _readers.Rent();
        using var snapshot = lease.Reader.Snapshot();
        return (now, Gateways(lease.Reader, reports, now));
    }

    /// <summary>A gateway without contact for longer than this is offline.</summary>
    public long OfflineAfterMs => (long)_offlineAfter.TotalMilliseconds;

    private List<DashboardGateway> Gateways(NodeReader reader, IReadOnlyDictionary<string, StoredStatusReport> reports, long now)
    {
        var gateways = new List<DashboardGateway>();
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
        }
        return gateways;
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

        var gateways = Gateways(reader, reports, now);
        var zones = new Dictionary<string, (string? Site, List<DashboardAlarm> Active, List<DashboardAlarmEvent> Recent)>(StringComparer.Ordinal);
        foreach (var gateway in gateways)
        {
            if (!reports.TryGetValue(gateway.DeviceId, out var stored))
            {
                continue;
            }
            foreach (var alarm in stored.Report.ActiveAlarms)
            {
                Zone(alarm.Zone, gateway.Site).Active.Add(new DashboardAlarm(gateway.DeviceId, alarm.Sensor, alarm.Rule, alarm.Quantity, alarm.Kind, alarm.SinceMs, alarm.Value, alarm.Unit));
            }
            foreach (var e in stored.Report.RecentAlarms)
            {
                Zone(e.Zone, gateway.Site).Recent.Add(new DashboardAlarmEvent(gateway.DeviceId, e.Sensor, e.Rule, e.Event, e.TimeMs, e.Value, e.Unit, e.Sequence));
            }
        }

        var standings = _covenants.Standings(reader);
        var lots = reader.State.Lots()
            .Select(l =>
            {
                var standing = l.ActivePledge is { } pledge ? standings.GetValueOrDefault(pledge) : null;
                return new DashboardLot(l.Receipt, l.Gtin, l.Batch, l.Site, l.Zone, l.Status.Name(), l.Quantity, l.Unit, l.Owner, l.ActivePledge,
                    _products.GetOrAdd(l.LotIndex, _ => ProductOf(reader, l.LotIndex)), standing?.State,
                    standing?.State == ConditionVerdict.CannotBeEvaluated ? standing.Reasons : []);
            })
            .ToList();
        var readings = Readings(reader, now);
        var zoneViews = zones
            .OrderBy(z => z.Value.Site ?? "", StringComparer.Ordinal).ThenBy(z => z.Key, StringComparer.Ordinal)
            .Select(z => new DashboardZone(z.Value.Site, z.Key,
                z.Value.Active.OrderBy(a => a.SinceMs).ToList(),
                z.Value.Recent.OrderByDescending(e => e.TimeMs).ThenByDescending(e => e.Sequence).Take(RecentPerZone).ToList()))
            .ToList();
        return new DashboardView(now, (long)_offlineAfter.TotalMilliseconds, ledger, gateways, zoneViews, lots,
            _settings.TimeZone.Id, (long)_settings.StaleAfter.TotalMilliseconds, readings)
        {
            Calibrations = DashboardCalibration.Flags(reader.State, reports, now, _calibrationDueSoonDays),
            Suppressions = DashboardSuppression.Of(reader, now),
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

    /// <summary>
    /// Each sensor's latest measurement and its last 24 hours, per site and zone. The series table
    /// lists the sensors; each series costs one range read of its own 24 hours, grouped into at
    /// most <see cref="SparklinePoints"/> buckets inside SQLite.
    /// </summary>
    private List<DashboardReadingZone> Readings(NodeReader reader, long now)
    {
        var devices = reader.State.Devices().ToDictionary(d => d.DeviceId, StringComparer.Ordinal);
        var from = now - (long)Window.TotalMilliseconds;
        var bucketMs = (long)Window.TotalMilliseconds / SparklinePoints;
        var staleMs = (long)_settings.StaleAfter.TotalMilliseconds;
        var zones = new SortedDictionary<(string Site, string Zone), List<DashboardSensor>>(SiteThenZone);
        foreach (var series in Measurements.Series(reader))
        {
            devices.TryGetValue(series.DeviceId, out var device);
            var zone = series.Zone
                ?? device?.Sensors.FirstOrDefault(s => s.SensorId == series.SensorId && s.Quantity == series.Quantity)?.Zone
                ?? device?.Zone
                ?? "";
            var buckets = Measurements.Buckets(reader, series.DeviceId, series.SensorId, series.Quantity, from, bucketMs, SparklinePoints);
            var sensor = new DashboardSensor(series.DeviceId, series.SensorId, series.Quantity, series.Unit, series.Value, series.TimeMs,
                Math.Max(0, (now - series.TimeMs) / 1000), now - series.TimeMs > staleMs, Summarise(buckets, from, bucketMs));
            var key = (device?.Site ?? "", zone);
            if (!zones.TryGetValue(key, out var list))
            {
                zones[key] = list = [];
            }
            list.Add(sensor);
        }
        return zones.Select(z => new DashboardReadingZone(z.Key.Site.Length == 0 ? null : z.Key.Site, z.Key.Zone, z.Value)).ToList();
    }

    /// <summary>The figures of a window from its buckets (null when it holds no measurement).</summary>
    internal static DashboardStats? Summarise(IReadOnlyList<MeasurementBucket> buckets, long fromMs, long bucketMs)
    {
        if (buckets.Count == 0)
        {
            return null;
        }
        var count = buckets.Sum(b => b.Count);
        return new DashboardStats(fromMs, bucketMs, count, buckets.Min(b => b.Min), buckets.Max(b => b.Max), buckets.Sum(b => b.Sum) / count,
            buckets.Select(b => new DashboardPoint(b.StartMs, b.Min, b.Max, b.Mean)).ToList());
    }

    private static string ProductOf(NodeReader reader, long lotIndex) =>
        LotStatement.From(LotChains.StatementAt(reader, lotIndex, EntryKinds.Lot)) is { Succeeded: true } lot ? lot.Value.Product : "";
}
