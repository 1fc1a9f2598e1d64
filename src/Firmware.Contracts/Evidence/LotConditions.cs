using Firmware.Contracts.Conditions;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Readings;

namespace Firmware.Contracts.Evidence;

/// <summary>
/// The condition report of the lot in a verified bundle, from what the bundle proves alone: the
/// lot's bands, EPCs and issue (lot entry), its moves, the deliveries of its status chain, the
/// pledge's covenants, every device's enrolment (which sensor and reader is in which zone) and
/// readings. The node computes its reports through here too, so <c>Verifier report</c> gets the same numbers.
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
        if (lot.Report is not { } parameters)
        {
            return Result<ConditionReport>.Fail("no-report", "the bundle carries no report parameters");
        }
        return ConditionAnalyzer.Analyze(new ConditionInput
        {
            Parameters = parameters,
            Bands = lot.Lot.Bands,
            Storage = History(summary, parameters.ToMs),
            Series = Series(summary),
            Covenants = lot.ReportPledge?.Statement.Covenants ?? [],
        });
    }

    /// <summary>The lot's storage history up to <paramref name="endMs"/>, from the bundle.</summary>
    public static IReadOnlyList<StorageInterval> History(EvidenceSummary summary, long endMs)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var lot = summary.Lot ?? throw new ArgumentException("the summary has no lot", nameof(summary));
        var epcs = lot.Lot.Epcs.ToHashSet(StringComparer.Ordinal);
        var sightings = new List<EpcSighting>();
        foreach (var device in summary.Devices)
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
        var departures = new Dictionary<string, long>(StringComparer.Ordinal);
        long? closed = null;
        var remaining = lot.Title?.Quantity;
        foreach (var e in lot.Events ?? [])
        {
            if (e.Kind != EntryKinds.Deliver || DeliverStatement.From(e.Statement) is not { Succeeded: true } delivered)
            {
                continue;
            }
            foreach (var epc in delivered.Value.Epcs)
            {
                departures.TryAdd(epc, delivered.Value.AtMs);
            }
            remaining -= delivered.Value.Quantity;
            if (remaining <= 0)
            {
                closed ??= delivered.Value.AtMs;
            }
        }
        return StorageHistory.Derive(new HistoryInput
        {
            IssuedMs = lot.Lot.IssuedMs,
            Site = lot.Lot.Site,
            Zone = lot.Lot.Zone,
            Epcs = lot.Lot.Epcs,
            Moves = lot.Moves.Select(m => new LotMove(m.Index, m.Move.AtMs, m.Move.Site, m.Move.Zone)).ToList(),
            Sightings = sightings,
            Departures = departures,
            ClosedMs = closed,
            EndMs = endMs,
        });
    }

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
                    series.Add(new SensorSeries
                    {
                        DeviceId = device.DeviceId,
                        SensorId = sensor.SensorId,
                        Quantity = quantity,
                        Site = enrol.Site,
                        Zone = zone,
                        Samples = channel.Where(c => c.Kind == LeafKind.Measurement && c.Value is not null).Select(c => new Sample(c.TimeMs, c.Value!.Value)).ToList(),
                        Faults = channel.Where(c => c.Kind == LeafKind.Fault).Select(c => new FaultView(c.TimeMs, c.StringValue ?? "")).ToList(),
                    });
                }
            }
        }
        return series;
    }

    private static string? ZoneOf(EnrolStatement enrol, string? sensorId) =>
        enrol.Sensors.FirstOrDefault(s => s.SensorId == sensorId) is { } sensor ? sensor.Zone ?? enrol.Zone : null;
}
