using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using AnchorNode.Evidence;
using AnchorNode.Storage;
using Firmware.Contracts;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Epc;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Evidence;

namespace AnchorNode.Inventory;

/// <summary>
/// What anyone may know about a lot: its public facts, where it was, whether its cold chain held,
/// and what that is proven against. Nothing here comes from the title or the status chain, so
/// there is no owner, depositor, quantity, insurance, pledge, lender or amount to leak.
/// </summary>
public sealed record PublicLotView
{
    /// <summary>The receipt number (the lot's name in proof downloads).</summary>
    [JsonPropertyName("receipt")]
    public required string Receipt { get; init; }

    /// <summary>The product.</summary>
    [JsonPropertyName("product")]
    public required string Product { get; init; }

    /// <summary>GTIN, 14 digits.</summary>
    [JsonPropertyName("gtin")]
    public required string Gtin { get; init; }

    /// <summary>Batch/lot number (GS1 AI 10).</summary>
    [JsonPropertyName("batch")]
    public required string Batch { get; init; }

    /// <summary>Specification, if stated.</summary>
    [JsonPropertyName("specification")]
    public string? Specification { get; init; }

    /// <summary>The site at issue.</summary>
    [JsonPropertyName("site")]
    public required string Site { get; init; }

    /// <summary>Issue date, Unix ms.</summary>
    [JsonPropertyName("issuedMs")]
    public required long IssuedMs { get; init; }

    /// <summary>End of the storage term, Unix ms.</summary>
    [JsonPropertyName("validUntilMs")]
    public required long ValidUntilMs { get; init; }

    /// <summary>True while the goods are in store; false once every unit was delivered.</summary>
    [JsonPropertyName("inStore")]
    public required bool InStore { get; init; }

    /// <summary>Required storage conditions.</summary>
    [JsonPropertyName("bands")]
    public required IReadOnlyList<BandView> Bands { get; init; }

    /// <summary>Where it was stored, from when to when (site and zone; a page may show only sites).</summary>
    [JsonPropertyName("journey")]
    public required IReadOnlyList<StorageInterval> Journey { get; init; }

    /// <summary>Whether the cold chain held.</summary>
    [JsonPropertyName("coldChain")]
    public required PublicColdChain ColdChain { get; init; }

    /// <summary>What it is proven against.</summary>
    [JsonPropertyName("proof")]
    public required PublicProof Proof { get; init; }
}

/// <summary>The cold-chain verdict over the lot's storage (issue to delivery or the checkpoint), on the lot's signed terms.</summary>
/// <param name="Held">True only when the zone was observed throughout and no sensor describing the lot left the band.</param>
/// <param name="Complete">True when every stored interval had sensors and no gaps.</param>
/// <param name="FromMs">Start of the period judged.</param>
/// <param name="ToMs">Its end.</param>
/// <param name="Excursions">Excursions, merged across the sensors of a zone.</param>
/// <param name="UnmonitoredMs">
/// Time in the period without a temperature reading describing the lot: no sensor for its zone,
/// or every temperature sensor of the zone silent (a gap) at once.
/// </param>
public sealed record PublicColdChain(
    [property: JsonPropertyName("held")] bool Held,
    [property: JsonPropertyName("complete")] bool Complete,
    [property: JsonPropertyName("fromMs")] long FromMs,
    [property: JsonPropertyName("toMs")] long ToMs,
    [property: JsonPropertyName("excursions")] IReadOnlyList<PublicExcursion> Excursions,
    [property: JsonPropertyName("unmonitoredMs")] long UnmonitoredMs)
{
    /// <summary><c>within-range</c>, <c>out-of-range</c> or <c>cannot-be-evaluated</c> (nothing seen out of range, but the zone was not observed throughout).</summary>
    [JsonPropertyName("status")]
    public string Status { get; init; } = ConditionVerdict.WithinRange;
}

/// <summary>An excursion as the public sees it.</summary>
public sealed record PublicExcursion(
    [property: JsonPropertyName("quantity")] string Quantity,
    [property: JsonPropertyName("side")] string Side,
    [property: JsonPropertyName("site")] string? Site,
    [property: JsonPropertyName("zone")] string Zone,
    [property: JsonPropertyName("startMs")] long StartMs,
    [property: JsonPropertyName("endMs")] long EndMs,
    [property: JsonPropertyName("durationMs")] long DurationMs,
    [property: JsonPropertyName("peak")] double Peak,
    [property: JsonPropertyName("ongoing")] bool Ongoing);

/// <summary>The ledger checkpoint the public claims are proven against.</summary>
/// <param name="LedgerSize">Its size.</param>
/// <param name="CheckpointTimeMs">Its time, Unix ms.</param>
/// <param name="Signatures">How many members signed it.</param>
/// <param name="Signers">Which.</param>
/// <param name="Readings">Readings proven.</param>
/// <param name="ProofPath">Where to download the public bundle (<c>Verifier bundle</c> / <c>Verifier report</c> check it offline).</param>
public sealed record PublicProof(
    [property: JsonPropertyName("ledgerSize")] long LedgerSize,
    [property: JsonPropertyName("checkpointTimeMs")] long? CheckpointTimeMs,
    [property: JsonPropertyName("signatures")] int Signatures,
    [property: JsonPropertyName("signers")] IReadOnlyList<string> Signers,
    [property: JsonPropertyName("readings")] int Readings,
    [property: JsonPropertyName("proofPath")] string ProofPath);

/// <summary>
/// The public facts of lots, for consumer pages (GS1 Digital Link resolution): found by GTIN,
/// batch and serial, computed from the lot's public bundle (verified, like any verifier would) and
/// cached per ledger checkpoint, so a page costs one lookup once the checkpoint is known.
/// </summary>
public sealed class PublicLots
{
    private readonly LotBundleExporter _exporter;
    private readonly ConditionReports _reports;
    private readonly NodeReaders _readers;
    private readonly ConcurrentDictionary<string, (string Key, PublicLotView View)> _cache = new(StringComparer.Ordinal);

    /// <summary>Public facts from <paramref name="reports"/>.</summary>
    public PublicLots(LotBundleExporter exporter, ConditionReports reports, NodeReaders readers)
    {
        _exporter = exporter;
        _reports = reports;
        _readers = readers;
    }

    /// <summary>The path of a lot's public proof download.</summary>
    public static string ProofPath(string receipt) => $"/v1/public/lots/{Uri.EscapeDataString(receipt)}/proof";

    /// <summary>
    /// The proven lots of a GTIN (14 digits), optionally of one batch and holding one serial (an SGTIN
    /// of that GTIN in the lot's cargo list). Cancelled receipts and lots no checkpoint covers yet
    /// are left out. Empty when there are none: a caller cannot tell "unknown" from "not yet proven".
    /// </summary>
    public IReadOnlyList<PublicLotView> Find(string gtin14, string? batch = null, string? serial = null)
    {
        List<string> receipts;
        using (var lease = _readers.Rent())
        {
            var state = lease.Reader.State;
            receipts = [];
            foreach (var lot in state.LotsOf(gtin14, batch).Where(l => l.Status != LotStatus.Cancelled))
            {
                if (serial is null || HoldsSerial(lease.Reader, lot, serial))
                {
                    receipts.Add(lot.Receipt);
                }
            }
        }
        return receipts.Select(Get).Where(v => v.Succeeded).Select(v => v.Value).ToList();
    }

    /// <summary>The public facts of one lot, or why there are none (unknown-lot, no-checkpoint).</summary>
    public Result<PublicLotView> Get(string receipt)
    {
        string key;
        bool inStore;
        using (var lease = _readers.Rent())
        {
            var latest = lease.Reader.LatestCheckpoint();
            var lot = lease.Reader.State.Lot(receipt);
            if (lot is null || lot.Status == LotStatus.Cancelled)
            {
                return Result<PublicLotView>.Fail(Firmware.Contracts.Ledger.LedgerFailures.UnknownLot, $"no lot has receipt '{receipt}'");
            }
            inStore = lot.Status != LotStatus.Delivered;
            key = $"{latest?.Size}/{latest?.Signatures}/{lot.LocationHead}/{lot.StatusHead}";
        }
        if (_cache.TryGetValue(receipt, out var cached) && cached.Key == key)
        {
            return cached.View;
        }
        var report = _reports.Build(receipt, new LotBundleRequest { Public = true });
        if (!report.Succeeded)
        {
            return report.Failure!;
        }
        var view = View(report.Value, inStore);
        if (_cache.Count > 10_000)
        {
            _cache.Clear();
        }
        _cache[receipt] = (key, view);
        return view;
    }

    /// <summary>The public bundle of a lot (what a consumer's proof download is).</summary>
    public Result<ExportedBundle> ProofBundle(string receipt)
    {
        using (var lease = _readers.Rent())
        {
            if (lease.Reader.State.Lot(receipt) is not { Status: not LotStatus.Cancelled })
            {
                return Result<ExportedBundle>.Fail(Firmware.Contracts.Ledger.LedgerFailures.UnknownLot, $"no lot has receipt '{receipt}'");
            }
        }
        return _exporter.Export(receipt, new LotBundleRequest { Public = true });
    }

    private static PublicLotView View(LotReport report, bool inStore)
    {
        var lot = report.Lot.Lot;
        var c = report.Conditions;
        var excursions = new List<PublicExcursion>();
        foreach (var group in c.Sensors.SelectMany(s => s.Excursions.Select(e => (Sensor: s, Excursion: e)))
                     .GroupBy(x => (x.Sensor.Quantity, x.Excursion.Side, x.Sensor.Site, x.Sensor.Zone)))
        {
            PublicExcursion? open = null;
            foreach (var (_, e) in group.OrderBy(x => x.Excursion.StartMs))
            {
                if (open is not null && e.StartMs <= open.EndMs)
                {
                    var end = Math.Max(open.EndMs, e.EndMs);
                    var peak = e.Side == "above" ? Math.Max(open.Peak, e.Peak) : Math.Min(open.Peak, e.Peak);
                    open = open with { EndMs = end, DurationMs = end - open.StartMs, Peak = peak, Ongoing = open.Ongoing || e.Ongoing };
                    continue;
                }
                if (open is not null)
                {
                    excursions.Add(open);
                }
                open = new PublicExcursion(group.Key.Quantity, e.Side, group.Key.Site, group.Key.Zone, e.StartMs, e.EndMs, e.DurationMs, e.Peak, e.Ongoing);
            }
            if (open is not null)
            {
                excursions.Add(open);
            }
        }
        return new PublicLotView
        {
            Receipt = lot.Receipt,
            Product = lot.Product,
            Gtin = lot.Gtin,
            Batch = lot.Batch,
            Specification = lot.Specification,
            Site = lot.Site,
            IssuedMs = lot.IssuedMs,
            ValidUntilMs = lot.ValidUntilMs,
            InStore = inStore,
            Bands = c.Bands,
            Journey = c.Storage,
            ColdChain = new PublicColdChain(c.Verdict.Range == ConditionVerdict.WithinRange, c.Complete, c.Parameters.FromMs, c.Parameters.ToMs, excursions.OrderBy(e => e.StartMs).ToList(), UnmonitoredMs(c))
            {
                Status = c.Verdict.Range,
            },
            Proof = new PublicProof(report.Proof.LedgerSize, report.Proof.LedgerTimeMs, report.Proof.Signers.Count, report.Proof.Signers, report.Proof.Readings, ProofPath(lot.Receipt)),
        };
    }

    // Time without a temperature observation of the lot's zone (no sensor, or all of them silent at once).
    private static long UnmonitoredMs(ConditionReport c)
    {
        long total = 0;
        var end = long.MinValue;
        foreach (var u in c.Uncovered.Where(u => u.Quantity == "temperature").OrderBy(u => u.FromMs))
        {
            var start = Math.Max(u.FromMs, end);
            if (u.ToMs > start)
            {
                total += u.ToMs - start;
                end = u.ToMs;
            }
        }
        return total;
    }

    private static bool HoldsSerial(NodeReader reader, LotRecord lot, string serial)
    {
        var statement = LotStatement.From(LotChains.StatementAt(reader, lot.LotIndex, Firmware.Contracts.Ledger.EntryKinds.Lot));
        return statement.Succeeded && statement.Value.Epcs.Any(epc => Sgtin.TryParseEpcUri(epc, out var sgtin, out _) && sgtin.Serial == serial);
    }
}
