using System.Text.Json;
using System.Text.Json.Serialization;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Dashboard;

/// <summary>What the operator dashboard shows (<c>GET /v1/dashboard</c>), as of <paramref name="NowMs"/>.</summary>
/// <param name="NowMs">Node time when it was computed, Unix ms.</param>
/// <param name="OfflineAfterMs">A gateway without contact for longer than this is offline.</param>
/// <param name="Ledger">The ledger.</param>
/// <param name="Gateways">Every device ever enrolled.</param>
/// <param name="Zones">Alarms, per site and zone (zones with active or recent alarms only).</param>
/// <param name="Lots">Every warehouse receipt.</param>
/// <param name="TimeZone">The zone every time on the page is shown in (IANA id, or <c>UTC</c>).</param>
/// <param name="StaleAfterMs">A sensor's latest measurement older than this is stale, not current.</param>
/// <param name="Readings">Per site and zone, each sensor's latest committed measurement and its last 24 hours.</param>
public sealed record DashboardView(
    long NowMs,
    long OfflineAfterMs,
    DashboardLedger Ledger,
    IReadOnlyList<DashboardGateway> Gateways,
    IReadOnlyList<DashboardZone> Zones,
    IReadOnlyList<DashboardLot> Lots,
    string TimeZone,
    long StaleAfterMs,
    IReadOnlyList<DashboardReadingZone> Readings)
{
    /// <summary>The latest measurement of <paramref name="sensorId"/> on <paramref name="deviceId"/> (of <paramref name="quantity"/> when given), or null.</summary>
    public DashboardSensor? CurrentOf(string deviceId, string? sensorId, string? quantity) =>
        Readings.SelectMany(z => z.Sensors).FirstOrDefault(s => s.DeviceId == deviceId && s.SensorId == sensorId && (quantity is null || s.Quantity == quantity));

    /// <summary>Sensors whose calibration is overdue, missing or due soon (<see cref="DashboardCalibration.Flags"/>).</summary>
    public IReadOnlyList<DashboardCalibration> Calibrations { get; init; } = [];

    /// <summary>Suppression windows open now or closed in the last 7 days, newest first (<see cref="DashboardSuppression.Of"/>).</summary>
    public IReadOnlyList<DashboardSuppression> Suppressions { get; init; } = [];
}

/// <summary>The sensors of one zone.</summary>
/// <param name="Site">The site of the gateway the sensors belong to, or null.</param>
/// <param name="Zone">The zone: the one the leaves name, else the sensor's or the gateway's enrolled zone.</param>
/// <param name="Sensors">By gateway, sensor and quantity.</param>
public sealed record DashboardReadingZone(string? Site, string Zone, IReadOnlyList<DashboardSensor> Sensors);

/// <summary>A sensor's quantity: its latest committed measurement and the last 24 hours.</summary>
/// <param name="DeviceId">The gateway whose log holds the measurements.</param>
/// <param name="SensorId">The sensor.</param>
/// <param name="Quantity">The quantity.</param>
/// <param name="Unit">The SenML unit, or null.</param>
/// <param name="Value">The latest measurement.</param>
/// <param name="TimeMs">When it was measured.</param>
/// <param name="AgeSeconds">Its age at <see cref="DashboardView.NowMs"/>.</param>
/// <param name="Stale">True when it is older than <see cref="DashboardView.StaleAfterMs"/>: the last known value, not the current one.</param>
/// <param name="Last24h">The measurements of the last 24 hours, or null when there are none.</param>
public sealed record DashboardSensor(string DeviceId, string SensorId, string Quantity, string? Unit, double Value, long TimeMs, long AgeSeconds, bool Stale, DashboardStats? Last24h);

/// <summary>Measurements over a window, and the points of its sparkline.</summary>
/// <param name="FromMs">The window's start (it ends now).</param>
/// <param name="BucketMs">The width of one point.</param>
/// <param name="Count">Measurements in the window.</param>
/// <param name="Min">The smallest.</param>
/// <param name="Max">The largest.</param>
/// <param name="Mean">Their mean.</param>
/// <param name="Points">One per bucket with measurements, oldest first (at most 24 h / <paramref name="BucketMs"/>).</param>
public sealed record DashboardStats(long FromMs, long BucketMs, long Count, double Min, double Max, double Mean, IReadOnlyList<DashboardPoint> Points);

/// <summary>One bucket of a sparkline.</summary>
public sealed record DashboardPoint(long StartMs, double Min, double Max, double Mean);

/// <summary>The ledger's size and its latest signed checkpoint.</summary>
/// <param name="Size">Entries.</param>
/// <param name="CheckpointSize">The size of the latest checkpoint this node signed, or null.</param>
/// <param name="CheckpointTimeMs">When it was signed, or null.</param>
/// <param name="Signatures">Member signatures it carries (with cosignatures), or null.</param>
public sealed record DashboardLedger(long Size, long? CheckpointSize, long? CheckpointTimeMs, int? Signatures);

/// <summary>One gateway (device).</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Site">Its site, as enrolled.</param>
/// <param name="Zone">Its zone, as enrolled.</param>
/// <param name="State"><c>online</c>, <c>offline</c>, <c>never-seen</c>, or <c>revoked</c>.</param>
/// <param name="Revoked">Whether its enrolment was revoked.</param>
/// <param name="Equivocated">Whether it signed two histories and uploads are blocked until an operator clears it.</param>
/// <param name="LastContactMs">Its last status report or upload received, node time, or null.</param>
/// <param name="LastContactAgoSeconds">Seconds since then, or null.</param>
/// <param name="CommittedSize">Leaves of its log this node holds.</param>
/// <param name="LogSize">Leaves in the gateway's log, as last reported, or null.</param>
/// <param name="Backlog">Leaves the gateway holds that the node has not committed (<c>LogSize − CommittedSize</c>), or null without a report.</param>
/// <param name="SealedSize">The size of the gateway's last signed checkpoint, as reported, or null.</param>
/// <param name="PendingReadings">Leaves not yet sealed on the gateway, as reported, or null.</param>
/// <param name="AnchorIndex">The ledger index of its last anchor entry, or null.</param>
/// <param name="AnchoredSize">The size of the last device checkpoint anchored.</param>
/// <param name="AnchoredMs">When that checkpoint was anchored, node time, or null.</param>
/// <param name="Version">The gateway software version, as reported, or null.</param>
/// <param name="ReportedMs">The gateway time of its last report, or null.</param>
/// <param name="Sensors">Its sensors, as last reported.</param>
/// <param name="FaultySensors">How many of them are faulty.</param>
public sealed record DashboardGateway(
    string DeviceId,
    string? Site,
    string? Zone,
    string State,
    bool Revoked,
    bool Equivocated,
    long? LastContactMs,
    long? LastContactAgoSeconds,
    long CommittedSize,
    long? LogSize,
    long? Backlog,
    long? SealedSize,
    long? PendingReadings,
    long? AnchorIndex,
    long AnchoredSize,
    long? AnchoredMs,
    string? Version,
    long? ReportedMs,
    IReadOnlyList<ReportedSensor> Sensors,
    int FaultySensors);

/// <summary>The alarms of one zone.</summary>
/// <param name="Site">The site of the gateways reporting them, or null.</param>
/// <param name="Zone">The zone.</param>
/// <param name="Active">Alarms active now.</param>
/// <param name="Recent">Recent starts and ends, newest first.</param>
public sealed record DashboardZone(string? Site, string Zone, IReadOnlyList<DashboardAlarm> Active, IReadOnlyList<DashboardAlarmEvent> Recent);

/// <summary>An active alarm, with the gateway that reported it.</summary>
public sealed record DashboardAlarm(string DeviceId, string Sensor, string Rule, string? Quantity, string? Kind, long SinceMs, double? Value, string? Unit);

/// <summary>An alarm start or end, with the gateway that reported it.</summary>
public sealed record DashboardAlarmEvent(string DeviceId, string? Sensor, string Rule, string Event, long TimeMs, double? Value, string? Unit, long Sequence);

/// <summary>A warehouse receipt.</summary>
/// <param name="Receipt">The receipt number.</param>
/// <param name="Gtin">The product's GTIN.</param>
/// <param name="Batch">Its batch.</param>
/// <param name="Site">Where it is stored.</param>
/// <param name="Zone">In which zone.</param>
/// <param name="Status"><c>issued</c>, <c>pledged</c>, <c>enforced</c>, <c>delivered</c> or <c>cancelled</c>.</param>
/// <param name="Quantity">What is still in store.</param>
/// <param name="Unit">Its unit.</param>
/// <param name="Owner">The owner party.</param>
/// <param name="ActivePledge">The active pledge's ledger index, or null.</param>
/// <param name="Product">The product's name, as the lot was registered.</param>
/// <param name="Covenant">The active pledge's covenant state: <c>held</c>, <c>breached</c>, <c>cannot-be-evaluated</c> or <c>none</c>; null without an active pledge.</param>
/// <param name="CovenantReasons">Why the covenants cannot be evaluated, when they cannot.</param>
public sealed record DashboardLot(string Receipt, string Gtin, string Batch, string Site, string Zone, string Status, decimal Quantity, string Unit, string Owner, long? ActivePledge,
    string Product, string? Covenant, IReadOnlyList<string> CovenantReasons);

/// <summary>The page's sections re-rendered, for the page to patch itself.</summary>
/// <param name="NowMs">Node time when they were rendered.</param>
/// <param name="Updated">The "updated" line of the page.</param>
/// <param name="Sections">The inner HTML of each section, by element id.</param>
public sealed record DashboardSectionsView(long NowMs, string Updated, IReadOnlyDictionary<string, string> Sections);

/// <summary>A dashboard link: the page's address with its access token.</summary>
/// <param name="Path">The path with the token.</param>
/// <param name="Url">The absolute URL as this request reached the node.</param>
/// <param name="ExpiresMs">When it stops working, Unix ms.</param>
public sealed record DashboardLinkView(string Path, string Url, long ExpiresMs);

/// <summary>JSON of the dashboard without reflection.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(DashboardView))]
[JsonSerializable(typeof(DashboardLinkView))]
[JsonSerializable(typeof(DashboardSectionsView))]
public sealed partial class DashboardJsonContext : JsonSerializerContext;
