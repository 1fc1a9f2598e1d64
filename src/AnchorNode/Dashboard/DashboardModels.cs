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
public sealed record DashboardView(
    long NowMs,
    long OfflineAfterMs,
    DashboardLedger Ledger,
    IReadOnlyList<DashboardGateway> Gateways,
    IReadOnlyList<DashboardZone> Zones,
    IReadOnlyList<DashboardLot> Lots)
{
    /// <summary>Sensors whose calibration is overdue, missing or due soon (<see cref="DashboardCalibration.Flags"/>).</summary>
    public IReadOnlyList<DashboardCalibration> Calibrations { get; init; } = [];
}

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
public sealed record DashboardLot(string Receipt, string Gtin, string Batch, string Site, string Zone, string Status, decimal Quantity, string Unit, string Owner, long? ActivePledge);

/// <summary>A dashboard link: the page's address with its access token.</summary>
/// <param name="Path">The path with the token.</param>
/// <param name="Url">The absolute URL as this request reached the node.</param>
/// <param name="ExpiresMs">When it stops working, Unix ms.</param>
public sealed record DashboardLinkView(string Path, string Url, long ExpiresMs);

/// <summary>JSON of the dashboard without reflection.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(DashboardView))]
[JsonSerializable(typeof(DashboardLinkView))]
public sealed partial class DashboardJsonContext : JsonSerializerContext;
