using Firmware.Contracts.Conditions;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Readings;

namespace Firmware.Contracts.Evidence;

/// <summary>
/// The condition report of the lot in a verified bundle, from what the bundle proves alone: the
/// lot's bands, parameters, EPCs and issue (lot entry), its moves, the deliveries of its status chain,
/// the pledge's window and covenants, every device's enrolment (which sensor and reader is in which
/// zone) and readings. The node computes its reports through here too, so <c>verify report</c> gets
/// the same numbers and the same verdict.
/// </summary>
public static class LotConditions
{
    /// <summary>The report, or why the bundle cannot give one.</summary>
    public static Result<ConditionReport> Compute(EvidenceSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        if (summary.Lot is not { } lot)
        {
            return Result<ConditionReport>.Fail("no-lot", "the bundle is not about a lot; a condition report needs a lot bundle");
        }
        var terms = lot.Report;
        var departures = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in lot.Events ?? [])
        {
            if (e.Kind == EntryKinds.Deliver && DeliverStatement.From(e.Statement) is { Succeeded: true } delivered)
            {
                foreach (var epc in delivered.Value.Epcs)
                {
                    departures.TryAdd(epc, delivered.Value.AtMs);
                }
            }
        }
        var caveats = summary.Devices.Where(d => d.State.Equivocation is not null)
            .Select(d => $"device {d.DeviceId} signed two histories (equivocation at ledger index {d.State.Equivocation}), so its readings cannot be relied on")
            .ToList();
        var report = ConditionAnalyzer.Analyze(new ConditionInput
        {
            Parameters = terms.Parameters,
            Bands = lot.Lot.Bands,
            Storage = History(lot.HistoryLot ?? lot.Lot, lot.HistoryMoves ?? lot.Moves, departures, lot.DeliveredMs, Sightings(lot.Lot, summary.Devices), terms.Parameters.ToMs),
            Series = Series(summary),
            Covenants = terms.Pledge?.Statement.Covenants ?? [],
            Caveats = caveats,
        });
        var suppressed = SuppressedSpans(summary.Devices.Select(d => (d.DeviceId, d.Enrolment.Site, d.Readings.Select(r => r.Content))),
            report.Storage, terms.Parameters.FromMs, terms.Parameters.ToMs);
        var calibrated = report.Sensors.Select(s => s with { Calibration = Calibration(lot, s, terms.Parameters.FromMs, terms.Parameters.ToMs) }).ToList();
        return report with
        {
            Sensors = calibrated,
            Verdict = report.Verdict with { Calibration = CalibrationFlags(calibrated) },
            Suppressed = suppressed.Count > 0 ? suppressed : null,
            Terms = terms.Source,
            Pledge = terms.Pledge?.Index,
            AsOf = new EvidenceAsOf(summary.CheckpointTimeMs, summary.LedgerCheckpoint.Size, summary.Signers, summary.RequiredSignatures, summary.Quorum),
        };
    }

    /// <summary>
    /// The calibrations of a channel (docs/spec-ledger.md §7.2, "Calibrations"): those of its sensor
    /// whose unit is the channel's, in force at some time of [<paramref name="fromMs"/>, <paramref name="toMs"/>),
    /// and the channel's status over the window.
    /// </summary>
    public static ChannelCalibration Calibration(LotEvidence lot, SensorReport channel, long fromMs, long toMs)
    {
        ArgumentNullException.ThrowIfNull(lot);
        ArgumentNullException.ThrowIfNull(channel);
        var history = Calibrations(lot, channel.DeviceId, channel.SensorId, channel.Unit);
        var applied = new List<AppliedCalibration>();
        long? overdueFrom = null;
        for (var i = 0; i < history.Count; i++)
        {
            var s = history[i].Statement;
            var spanFrom = Math.Max(s.CalibratedMs, fromMs);
            var spanTo = i + 1 < history.Count ? Math.Min(history[i + 1].Statement.CalibratedMs, toMs) : toMs;
            if (spanFrom >= spanTo)
            {
                continue;
            }
            applied.Add(new AppliedCalibration(history[i].Index, s.Certificate, s.Laboratory, s.CalibratedMs, s.DueMs));
            if (overdueFrom is null && s.DueMs < spanTo)
            {
                overdueFrom = Math.Max(s.DueMs, spanFrom);
            }
        }
        var status = history.Count == 0 || history[0].Statement.CalibratedMs > fromMs ? ChannelCalibration.None
            : overdueFrom is not null ? ChannelCalibration.Overdue
            : ChannelCalibration.Current;
        return new ChannelCalibration(status, overdueFrom, applied);
    }

    /// <summary>The verdict's calibration lines, channel by channel: no calibration on record, then overdue.</summary>
    public static IReadOnlyList<string> CalibrationFlags(IEnumerable<SensorReport> channels)
    {
        ArgumentNullException.ThrowIfNull(channels);
        var flags = new List<string>();
        foreach (var channel in channels)
        {
            if (channel.Calibration is not { } calibration)
            {
                continue;
            }
            var name = $"{channel.DeviceId} {channel.SensorId} {channel.Quantity}";
            if (calibration.Status == ChannelCalibration.None)
            {
                flags.Add(calibration.Applied.Count == 0
                    ? $"{name}: no calibration on record; its readings are not corrected"
                    : $"{name}: no calibration on record before {ChannelCalibration.Second(calibration.Applied[0].CalibratedMs)}; readings before it are not corrected");
            }
            if (calibration.OverdueFromMs is { } overdue)
            {
                var late = calibration.Applied.Last(a => a.CalibratedMs <= overdue);
                flags.Add($"{name}: calibration overdue from {ChannelCalibration.Second(overdue)} (ledger entry {late.Entry}, certificate {late.Certificate}, due {ChannelCalibration.Second(late.DueMs)})");
            }
        }
        return flags;
    }

    // One sensor's calibrations that correct readings of this unit, by ledger index.
    private static IReadOnlyList<CalibrationRecord> Calibrations(LotEvidence? lot, string deviceId, string sensorId, string? unit) =>
        lot is not null && lot.Calibrations.TryGetValue((deviceId, sensorId), out var all) ? all.Where(c => c.Statement.Unit == unit).ToList() : [];

    /// <summary>
    /// The suppressed spans of docs/spec-ledger.md §7.2: per device, its <c>suppression-start</c> and
    /// <c>suppression-end</c> event leaves with a zone and a reason paired in sequence order; those that
    /// overlap [<paramref name="fromMs"/>, <paramref name="toMs"/>) and a storage interval of their zone
    /// (at the device's site when both are known), by start, device, zone and reason.
    /// </summary>
    public static IReadOnlyList<SuppressedSpan> SuppressedSpans(IEnumerable<(string DeviceId, string? Site, IEnumerable<LeafContent> Leaves)> devices,
        IReadOnlyList<StorageInterval> storage, long fromMs, long toMs)
    {
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentNullException.ThrowIfNull(storage);
        var spans = new List<SuppressedSpan>();
        foreach (var (deviceId, site, leaves) in devices)
        {
            spans.AddRange(SpansOf(deviceId, leaves).Where(s => Overlaps(s, fromMs, toMs)
                && storage.Any(i => i.Zone == s.Zone && (i.Site is null || site is null || i.Site == site) && Overlaps(s, i.FromMs, i.ToMs))));
        }
        return spans.OrderBy(s => s.FromMs).ThenBy(s => s.DeviceId, StringComparer.Ordinal)
            .ThenBy(s => s.Zone, StringComparer.Ordinal).ThenBy(s => s.Reason, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Every suppressed span of one device's <paramref name="leaves"/> (docs/spec.md §2.8): each
    /// <c>suppression-start</c> event leaf with a zone and a reason paired with the first
    /// <c>suppression-end</c> after it in sequence order with the same zone and reason; the open ones
    /// (no end yet) last, with a null end.
    /// </summary>
    public static List<SuppressedSpan> SpansOf(string deviceId, IEnumerable<LeafContent> leaves)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        var found = new List<SuppressedSpan>();
        var open = new Dictionary<(string Zone, string Reason), LeafContent>();
        foreach (var leaf in leaves.Where(IsSuppression).OrderBy(l => l.Sequence))
        {
            var key = (leaf.Zone!, leaf.Reason!);
            if (leaf.StringValue == SuppressionStart)
            {
                open.TryAdd(key, leaf);
            }
            else if (open.Remove(key, out var start))
            {
                found.Add(new SuppressedSpan(deviceId, key.Item1, key.Item2, start.TimeMs, leaf.TimeMs, start.Sequence, leaf.Sequence));
            }
        }
        found.AddRange(open.Select(o => new SuppressedSpan(deviceId, o.Key.Zone, o.Key.Reason, o.Value.TimeMs, null, o.Value.Sequence, null)));
        return found;
    }

    /// <summary>True for a <c>suppression-start</c> or <c>suppression-end</c> event leaf with a zone and a reason: one that opens or closes a span (docs/spec.md §2.8).</summary>
    public static bool IsSuppression(LeafContent leaf) =>
        leaf is { Kind: LeafKind.Event, Zone: not null, Reason: not null, StringValue: SuppressionStart or SuppressionEnd };

    /// <summary>The event code that opens a suppression window (docs/spec.md §2.8).</summary>
    public const string SuppressionStart = "suppression-start";

    /// <summary>The event code that closes one.</summary>
    public const string SuppressionEnd = "suppression-end";

    private static bool Overlaps(SuppressedSpan span, long fromMs, long toMs) => span.FromMs < toMs && (span.ToMs is not { } end || end > fromMs);

    /// <summary>The reads of the lot's EPCs by the bundle's devices, placed in each reader's enrolled zone.</summary>
    public static IReadOnlyList<EpcSighting> Sightings(LotStatement lot, IEnumerable<DeviceEvidence> devices)
    {
        ArgumentNullException.ThrowIfNull(lot);
        ArgumentNullException.ThrowIfNull(devices);
        var epcs = lot.Epcs.ToHashSet(StringComparer.Ordinal);
        var sightings = new List<EpcSighting>();
        foreach (var device in devices)
        {
            foreach (var leaf in device.Readings)
            {
                var c = leaf.Content;
                if (c.Kind == LeafKind.Observation && c.StringValue is { } epc && epcs.Contains(epc) && ZoneOf(device.Enrolment, c.SensorId) is { } zone)
                {
                    sightings.Add(new EpcSighting(c.TimeMs, device.DeviceId, c.Sequence, epc, device.Enrolment.Site, zone));
                }
            }
        }
        return sightings;
    }

    /// <summary>The lot's storage history up to <paramref name="endMs"/>.</summary>
    public static IReadOnlyList<StorageInterval> History(LotStatement lot, IReadOnlyList<MoveEvidence> moves, IReadOnlyDictionary<string, long>? departures,
        long? closedMs, IReadOnlyList<EpcSighting> sightings, long endMs)
    {
        ArgumentNullException.ThrowIfNull(lot);
        ArgumentNullException.ThrowIfNull(moves);
        return StorageHistory.Derive(new HistoryInput
        {
            IssuedMs = lot.IssuedMs,
            Site = lot.Site,
            Zone = lot.Zone,
            Epcs = lot.Epcs,
            Moves = moves.Select(m => new LotMove(m.Index, m.Move.AtMs, m.Move.Site, m.Move.Zone)).ToList(),
            Sightings = sightings,
            Departures = departures ?? new Dictionary<string, long>(),
            ClosedMs = closedMs,
            EndMs = endMs,
        });
    }

    internal static IReadOnlyList<StorageInterval> History(LotStatement lot, IReadOnlyList<MoveEvidence> moves, IReadOnlyDictionary<string, long>? departures,
        long? closedMs, IEnumerable<DeviceEvidence> readers, long endMs) =>
        History(lot, moves, departures, closedMs, Sightings(lot, readers), endMs);

    /// <summary>
    /// Every temperature and humidity channel of the bundle's enrolled sensors, with its readings and
    /// faults. A sensor is enrolled once under its id with one quantity, but a probe such as an SHT3x
    /// reports temperature and humidity under that id: each quantity it reports is a channel, in the
    /// zone the enrolment gives the sensor (the enrolled quantity is a channel even without readings).
    /// </summary>
    public static IReadOnlyList<SensorSeries> Series(EvidenceSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var series = new List<SensorSeries>();
        foreach (var device in summary.Devices)
        {
            var enrol = device.Enrolment;
            var bySensor = device.Readings.Select(r => r.Content)
                .Where(c => c.Kind is LeafKind.Measurement or LeafKind.Fault && c.SensorId is not null && c.Quantity is not null && StorageBand.Quantities.Contains(c.Quantity))
                .ToLookup(c => c.SensorId!, StringComparer.Ordinal);
            foreach (var sensor in enrol.Sensors.Where(s => s.Quantity != Senml.Epc))
            {
                if ((sensor.Zone ?? enrol.Zone) is not { } zone)
                {
                    continue;
                }
                var mine = bySensor[sensor.SensorId].ToList();
                var quantities = mine.Select(c => c.Quantity!).Append(sensor.Quantity).Where(StorageBand.Quantities.Contains).Distinct(StringComparer.Ordinal);
                foreach (var quantity in quantities)
                {
                    var channel = mine.Where(c => c.Quantity == quantity).OrderBy(c => c.TimeMs).ThenBy(c => c.Sequence).ToList();
                    var calibrations = Calibrations(summary.Lot, device.DeviceId, sensor.SensorId, Senml.UnitOf(quantity));
                    series.Add(new SensorSeries
                    {
                        DeviceId = device.DeviceId,
                        SensorId = sensor.SensorId,
                        Quantity = quantity,
                        Site = enrol.Site,
                        Zone = zone,
                        Samples = channel.Where(c => c.Kind == LeafKind.Measurement && c.Value is not null).Select(c => new Sample(c.TimeMs, Corrected(calibrations, c))).ToList(),
                        Faults = channel.Where(c => c.Kind == LeafKind.Fault).Select(c => new FaultView(c.TimeMs, c.StringValue ?? "")).ToList(),
                    });
                }
            }
        }
        return series;
    }

    // The reading's value corrected by the calibration in force at its time (§3.6), when one is and its unit is the reading's.
    private static double Corrected(IReadOnlyList<CalibrationRecord> calibrations, LeafContent reading) =>
        CalibrationRecord.InForce(calibrations, reading.TimeMs) is { } inForce && inForce.Statement.Unit == reading.Unit
            ? inForce.Statement.Correction.Apply(reading.Value!.Value)
            : reading.Value!.Value;

    private static string? ZoneOf(EnrolStatement enrol, string? sensorId) =>
        enrol.Sensors.FirstOrDefault(s => s.SensorId == sensorId && s.Quantity == Senml.Epc) is { } sensor ? sensor.Zone ?? enrol.Zone : null;
}
