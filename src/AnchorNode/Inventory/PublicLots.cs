using Firmware.Contracts.Ledger;
using System.Text.Json;
using System.Text.Json.Serialization;
using AnchorNode.Caching;
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

    /// <summary>True while the goods were in store at the checkpoint (the state it commits to); false once every unit was delivered.</summary>
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
/// A lot's public answer at one ledger checkpoint, computed from its public bundle after verifying
/// it: the view, its JSON, the bundle itself (the public proof download) and the serials of the
/// lot's cargo, each as served.
/// </summary>
public sealed class PublicLotAnswer
{
    internal PublicLotAnswer(PublicLotView view, byte[] viewJson, byte[] proofJson, IReadOnlySet<string> serials)
    {
        View = view;
        ViewJson = viewJson;
        ProofJson = proofJson;
        Serials = serials;
    }

    /// <summary>The public facts.</summary>
    public PublicLotView View { get; }

    /// <summary><see cref="View"/> as JSON (UTF-8), what <c>GET /v1/public/lots/{receipt}</c> answers.</summary>
    public byte[] ViewJson { get; }

    /// <summary>The public evidence bundle as JSON (UTF-8), what the proof download answers.</summary>
    public byte[] ProofJson { get; }

    /// <summary>The SGTIN serials in the lot's verified cargo list.</summary>
    public IReadOnlySet<string> Serials { get; }

    /// <summary>What the answer is counted as in the cache: its two documents, and the view's objects at a few times its JSON.</summary>
    internal long Bytes => ProofJson.Length + 4L * ViewJson.Length + 64L * Serials.Count;
}

/// <summary>
/// The public facts of lots, for consumer pages (GS1 Digital Link resolution) and the public API:
/// found by GTIN, batch and serial, computed from the lot's public bundle (verified, as any verifier
/// would) once per ledger checkpoint it is proven against, and held in a bounded cache
/// (<see cref="AnswerCache"/>), so that a request costs a lookup once the checkpoint is known.
/// </summary>
public sealed class PublicLots
{
    private readonly ConditionReports _reports;
    private readonly NodeReaders _readers;

    /// <summary>Public facts from <paramref name="reports"/>, kept in <paramref name="cache"/>.</summary>
    public PublicLots(ConditionReports reports, NodeReaders readers, AnswerCache cache)
    {
        _reports = reports;
        _readers = readers;
        Cache = cache;
    }

    /// <summary>The cache of answers (its statistics show hits, computations and what it holds).</summary>
    public AnswerCache Cache { get; }

    /// <summary>The path of a lot's public proof download.</summary>
    public static string ProofPath(string receipt) => $"/v1/public/lots/{Uri.EscapeDataString(receipt)}/proof";

    /// <summary>
    /// The proven lots of a GTIN (14 digits), optionally of one batch and holding one serial (an SGTIN
    /// of that GTIN in the lot's cargo list), by receipt. Cancelled receipts and lots no checkpoint
    /// covers yet are left out. Empty when there are none: a caller cannot tell "unknown" from "not yet proven".
    /// </summary>
    public async Task<IReadOnlyList<PublicLotAnswer>> FindAsync(string gtin14, string? batch, string? serial, CancellationToken cancellationToken)
    {
        var found = new List<PublicLotAnswer>();
        foreach (var candidate in Candidates(gtin14, batch, serial))
        {
            if (await ProvenAsync(candidate.Receipt, serial, cancellationToken) is { } answer)
            {
                found.Add(answer);
            }
        }
        return found;
    }

    /// <summary>
    /// The proven lot of a GTIN (and batch, and serial) issued last, or null; computes only the answers
    /// it looks at (the newest first), not those of every lot of the GTIN.
    /// </summary>
    public async Task<PublicLotAnswer?> NewestAsync(string gtin14, string? batch, string? serial, CancellationToken cancellationToken)
    {
        foreach (var candidate in Candidates(gtin14, batch, serial).OrderByDescending(c => c.IssuedMs))
        {
            if (await ProvenAsync(candidate.Receipt, serial, cancellationToken) is { } answer)
            {
                return answer;
            }
        }
        return null;
    }

    /// <summary>
    /// The public answer of one lot, or why there is none (unknown-lot, no-checkpoint): computed against
    /// the best-signed checkpoint that includes the lot's newest location entry, once per checkpoint.
    /// </summary>
    public async ValueTask<Result<PublicLotAnswer>> GetAsync(string receipt, CancellationToken cancellationToken)
    {
        StoredCheckpoint? checkpoint;
        long needed;
        using (var lease = _readers.Rent())
        {
            var lot = lease.Reader.State.Lot(receipt);
            if (lot is null || lot.Status == LotStatus.Cancelled)
            {
                return Result<PublicLotAnswer>.Fail(Firmware.Contracts.Ledger.LedgerFailures.UnknownLot, $"no lot has receipt '{receipt}'");
            }
            needed = lot.LocationHead;
            checkpoint = lease.Reader.BestCheckpoint(needed);
        }
        if (checkpoint is null)
        {
            return BundleExporter.NoCheckpoint(needed);
        }
        // A checkpoint's size and signature count name it as stored: cosignatures only ever add to it.
        var version = $"{checkpoint.Size}/{checkpoint.Signatures}";
        return await Cache.GetOrBuildAsync("public-lot/" + receipt, version, () => Build(receipt, checkpoint), r => r.Succeeded ? r.Value.Bytes : null, cancellationToken);
    }

    private async ValueTask<PublicLotAnswer?> ProvenAsync(string receipt, string? serial, CancellationToken cancellationToken)
    {
        var answer = await GetAsync(receipt, cancellationToken);
        return answer.Succeeded && (serial is null || answer.Value.Serials.Contains(serial)) ? answer.Value : null;
    }

    private Result<PublicLotAnswer> Build(string receipt, StoredCheckpoint checkpoint)
    {
        var report = _reports.Build(receipt, new LotBundleRequest { Public = true }, at: checkpoint);
        if (!report.Succeeded)
        {
            return report.Failure!;
        }
        var view = View(report.Value);
        var serials = new HashSet<string>(StringComparer.Ordinal);
        foreach (var epc in report.Value.Lot.Lot.Epcs)
        {
            if (Sgtin.TryParseEpcUri(epc, out var sgtin, out _))
            {
                serials.Add(sgtin.Serial);
            }
        }
        return new PublicLotAnswer(view, JsonSerializer.SerializeToUtf8Bytes(view, PublicLotJsonContext.Default.PublicLotView), report.Value.Bundle.Bundle.ToJson(), serials);
    }

    // The lots of a GTIN (batch, serial) in the ledger now, with their signed issue dates; cancelled
    // receipts left out. Cheap: the state and each lot's own entry, no bundle.
    private List<(string Receipt, long IssuedMs)> Candidates(string gtin14, string? batch, string? serial)
    {
        using var lease = _readers.Rent();
        var candidates = new List<(string, long)>();
        foreach (var lot in lease.Reader.State.LotsOf(gtin14, batch).Where(l => l.Status != LotStatus.Cancelled))
        {
            var statement = LotStatement.From(LotChains.StatementAt(lease.Reader, lot.LotIndex, Firmware.Contracts.Ledger.EntryKinds.Lot));
            if (statement.Succeeded && (serial is null || statement.Value.Epcs.Any(epc => Sgtin.TryParseEpcUri(epc, out var sgtin, out _) && sgtin.Serial == serial)))
            {
                candidates.Add((lot.Receipt, statement.Value.IssuedMs));
            }
        }
        return candidates;
    }

    // Every claim from the verified bundle: the lot statement, its location chain, the state at the
    // checkpoint (delivered or not) and the readings.
    private static PublicLotView View(LotReport report)
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
            InStore = report.Lot.DeliveredMs is null,
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
}

/// <summary>JSON of the public lot view, as cached and served.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PublicLotView))]
internal sealed partial class PublicLotJsonContext : JsonSerializerContext;
