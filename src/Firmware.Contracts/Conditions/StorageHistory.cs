namespace Firmware.Contracts.Conditions;

/// <summary>Where a lot was from when to when (a zone of a site); <see cref="ToMs"/> exclusive.</summary>
/// <param name="Site">The site, when known.</param>
/// <param name="Zone">The zone.</param>
/// <param name="FromMs">Start, Unix ms.</param>
/// <param name="ToMs">End, Unix ms (exclusive).</param>
public sealed record StorageInterval(
    [property: System.Text.Json.Serialization.JsonPropertyName("site")] string? Site,
    [property: System.Text.Json.Serialization.JsonPropertyName("zone")] string Zone,
    [property: System.Text.Json.Serialization.JsonPropertyName("from")] long FromMs,
    [property: System.Text.Json.Serialization.JsonPropertyName("to")] long ToMs);

/// <summary>An operator's move of the whole lot.</summary>
public sealed record LotMove(long Index, long AtMs, string Site, string Zone);

/// <summary>An RFID read of an EPC, placed in the reader's enrolled zone.</summary>
public sealed record EpcSighting(long TimeMs, string DeviceId, long Sequence, string Epc, string? Site, string Zone);

/// <summary>What the storage history of a lot is derived from.</summary>
public sealed record HistoryInput
{
    /// <summary>Issue time: the history starts here, in the lot's declared site and zone.</summary>
    public required long IssuedMs { get; init; }

    /// <summary>The site at issue.</summary>
    public required string Site { get; init; }

    /// <summary>The zone at issue.</summary>
    public required string Zone { get; init; }

    /// <summary>The lot's EPCs; empty when the receipt lists none (then moves alone place it).</summary>
    public IReadOnlyList<string> Epcs { get; init; } = [];

    /// <summary>Operator moves, in ledger order.</summary>
    public IReadOnlyList<LotMove> Moves { get; init; } = [];

    /// <summary>RFID reads of the lot's EPCs (others are ignored).</summary>
    public IReadOnlyList<EpcSighting> Sightings { get; init; } = [];

    /// <summary>When EPCs left with a partial delivery that listed them.</summary>
    public IReadOnlyDictionary<string, long> Departures { get; init; } = new Dictionary<string, long>();

    /// <summary>When the last unit was delivered, or null while the lot is in store.</summary>
    public long? ClosedMs { get; init; }

    /// <summary>Where the history ends (e.g. the end of a report window).</summary>
    public required long EndMs { get; init; }
}

/// <summary>
/// Derives a lot's storage history. Each EPC of the lot is placed by the latest of: the issue
/// (the lot's declared site and zone at its issue time), an operator move (the whole lot), or a
/// read of that EPC by a reader enrolled in a zone of the site the lot is at (reads at other sites
/// are ignored: goods change sites only by a move). Reads before the issue are ignored (the issue
/// declares where the goods are then). The lot is in every zone where at least one of its EPCs
/// is, so the history may have overlapping intervals in different zones while pallets move.
/// Ties at one millisecond are broken issue, then move, then read (device, sequence).
/// </summary>
public static class StorageHistory
{
    /// <summary>The intervals, by start, then site, then zone; adjacent or overlapping intervals of one zone merged.</summary>
    public static IReadOnlyList<StorageInterval> Derive(HistoryInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var segments = new List<StorageInterval>();
        var units = input.Epcs.Count > 0 ? input.Epcs.Select(e => (string?)e).ToList() : [null];
        var byEpc = input.Sightings.Where(s => s.TimeMs >= input.IssuedMs).ToLookup(s => s.Epc, StringComparer.Ordinal);
        foreach (var unit in units)
        {
            var end = Math.Min(input.EndMs, unit is not null && input.Departures.TryGetValue(unit, out var left) ? left : input.ClosedMs ?? input.EndMs);
            var events = new List<(long Time, int Order, string Device, long Tie, string? Site, string Zone)>
            {
                (input.IssuedMs, 0, "", 0, input.Site, input.Zone),
            };
            events.AddRange(input.Moves.Select(m => (m.AtMs, 1, "", m.Index, (string?)m.Site, m.Zone)));
            if (unit is not null)
            {
                events.AddRange(byEpc[unit].Select(s => (s.TimeMs, 2, s.DeviceId, s.Sequence, s.Site, s.Zone)));
            }
            events.Sort((a, b) =>
            {
                var c = a.Time.CompareTo(b.Time);
                if (c == 0) c = a.Order.CompareTo(b.Order);
                if (c == 0) c = string.CompareOrdinal(a.Device, b.Device);
                return c != 0 ? c : a.Tie.CompareTo(b.Tie);
            });
            string? site = input.Site;
            var zone = input.Zone;
            var start = input.IssuedMs;
            foreach (var e in events.Skip(1))
            {
                if (e.Time >= end)
                {
                    break;
                }
                // Goods change sites only by a move, which an operator signs: a read at another
                // site is ignored (so a bundle needs only the readers of the lot's own sites), and a
                // reader with no site in its enrolment sees the goods at the site they are at.
                if (e.Order == 2 && e.Site is not null && e.Site != site)
                {
                    continue;
                }
                var nextSite = e.Order == 2 ? site : e.Site;
                if (nextSite == site && e.Zone == zone)
                {
                    continue;
                }
                if (e.Time > start)
                {
                    segments.Add(new StorageInterval(site, zone, start, e.Time));
                }
                (site, zone, start) = (nextSite, e.Zone, e.Time);
            }
            if (start < end)
            {
                segments.Add(new StorageInterval(site, zone, start, end));
            }
        }
        return Merge(segments);
    }

    private static List<StorageInterval> Merge(List<StorageInterval> segments)
    {
        var merged = new List<StorageInterval>();
        foreach (var place in segments.GroupBy(s => (s.Site, s.Zone)))
        {
            StorageInterval? open = null;
            foreach (var s in place.OrderBy(s => s.FromMs))
            {
                if (open is not null && s.FromMs <= open.ToMs)
                {
                    open = open with { ToMs = Math.Max(open.ToMs, s.ToMs) };
                    continue;
                }
                if (open is not null)
                {
                    merged.Add(open);
                }
                open = s;
            }
            if (open is not null)
            {
                merged.Add(open);
            }
        }
        return merged
            .OrderBy(s => s.FromMs).ThenBy(s => s.Site ?? "", StringComparer.Ordinal).ThenBy(s => s.Zone, StringComparer.Ordinal)
            .ToList();
    }
}
