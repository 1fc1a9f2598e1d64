using System.Text.Json.Serialization;
using AnchorNode.Inventory;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Evidence;

namespace AnchorNode.Endpoints;

/// <summary>A party (depositor or owner) to register, or to give a new key.</summary>
public sealed record PartyRequest(
    [property: JsonPropertyName("party")] string? Party,
    [property: JsonPropertyName("publicKey")] string? PublicKey,
    [property: JsonPropertyName("newKey")] bool NewKey = false);

/// <summary>A new key for a registered party (the replacement the party then signs).</summary>
public sealed record PartyKeyRequest(
    [property: JsonPropertyName("publicKey")] string? PublicKey);

/// <summary>A registered party.</summary>
public sealed record PartyView(
    [property: JsonPropertyName("party")] string Party,
    [property: JsonPropertyName("publicKey")] string PublicKey,
    [property: JsonPropertyName("keyName")] string KeyName,
    [property: JsonPropertyName("registration")] long Registration,
    [property: JsonPropertyName("registeredBy")] string RegisteredBy);

/// <summary>A band in a request or a view.</summary>
public sealed record BandModel(
    [property: JsonPropertyName("quantity")] string Quantity,
    [property: JsonPropertyName("min")] decimal Min,
    [property: JsonPropertyName("max")] decimal Max);

/// <summary>A warehouse receipt to issue: public facts and the private part (depositor, owner, quantity, insurance).</summary>
public sealed record LotRequest
{
    /// <summary>Receipt number, unique in the consortium.</summary>
    [JsonPropertyName("receipt")] public string? Receipt { get; init; }

    /// <summary>Site (warehouse).</summary>
    [JsonPropertyName("site")] public string? Site { get; init; }

    /// <summary>Zone at issue.</summary>
    [JsonPropertyName("zone")] public string? Zone { get; init; }

    /// <summary>Product name.</summary>
    [JsonPropertyName("product")] public string? Product { get; init; }

    /// <summary>GTIN (8, 12, 13 or 14 digits).</summary>
    [JsonPropertyName("gtin")] public string? Gtin { get; init; }

    /// <summary>Batch/lot number.</summary>
    [JsonPropertyName("batch")] public string? Batch { get; init; }

    /// <summary>Specification.</summary>
    [JsonPropertyName("specification")] public string? Specification { get; init; }

    /// <summary>Required storage conditions.</summary>
    [JsonPropertyName("bands")] public IReadOnlyList<BandModel>? Bands { get; init; }

    /// <summary>Issue date, Unix ms (default now).</summary>
    [JsonPropertyName("issuedMs")] public long? IssuedMs { get; init; }

    /// <summary>End of the storage term, Unix ms.</summary>
    [JsonPropertyName("validUntilMs")] public long? ValidUntilMs { get; init; }

    /// <summary>SGTIN EPC URIs of the cargo.</summary>
    [JsonPropertyName("epcs")] public IReadOnlyList<string>? Epcs { get; init; }

    /// <summary>Depositor party.</summary>
    [JsonPropertyName("depositor")] public string? Depositor { get; init; }

    /// <summary>Owner party (default the depositor).</summary>
    [JsonPropertyName("owner")] public string? Owner { get; init; }

    /// <summary>Quantity.</summary>
    [JsonPropertyName("quantity")] public decimal? Quantity { get; init; }

    /// <summary>Unit of quantity.</summary>
    [JsonPropertyName("unit")] public string? Unit { get; init; }

    /// <summary>Insurance reference.</summary>
    [JsonPropertyName("insurance")] public string? Insurance { get; init; }
}

/// <summary>A receipt issued.</summary>
public sealed record IssuedLotResponse(
    [property: JsonPropertyName("receipt")] string Receipt,
    [property: JsonPropertyName("titleIndex")] long TitleIndex,
    [property: JsonPropertyName("lotIndex")] long LotIndex,
    [property: JsonPropertyName("ledgerSize")] long LedgerSize);

/// <summary>A move.</summary>
public sealed record MoveRequest(
    [property: JsonPropertyName("zone")] string? Zone,
    [property: JsonPropertyName("site")] string? Site,
    [property: JsonPropertyName("atMs")] long? AtMs);

/// <summary>A delivery: of <c>quantity</c>, or with <c>all</c> true of all that remains (exactly one of the two).</summary>
public sealed record DeliverRequest(
    [property: JsonPropertyName("quantity")] decimal? Quantity,
    [property: JsonPropertyName("epcs")] IReadOnlyList<string>? Epcs,
    [property: JsonPropertyName("atMs")] long? AtMs,
    [property: JsonPropertyName("all"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? All = null);

/// <summary>The terms of a pledge to draft.</summary>
public sealed record PledgeDraftRequest(
    [property: JsonPropertyName("lender")] string? Lender,
    [property: JsonPropertyName("amount")] decimal? Amount,
    [property: JsonPropertyName("currency")] string? Currency,
    [property: JsonPropertyName("startMs")] long? StartMs,
    [property: JsonPropertyName("endMs")] long? EndMs,
    [property: JsonPropertyName("covenants")] IReadOnlyList<string>? Covenants);

/// <summary>A release, transfer or enforcement to draft.</summary>
public sealed record PledgeActionRequest(
    [property: JsonPropertyName("to")] string? To,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("atMs")] long? AtMs);

/// <summary>An endorsement of a receipt to another party (the new owner) to draft.</summary>
public sealed record EndorseDraftRequest(
    [property: JsonPropertyName("to")] string? To,
    [property: JsonPropertyName("atMs")] long? AtMs);

/// <summary>A child receipt of a split: its number, quantity and the EPCs of the parent's cargo it takes.</summary>
public sealed record SplitChildModel(
    [property: JsonPropertyName("receipt")] string? Receipt,
    [property: JsonPropertyName("quantity")] decimal? Quantity,
    [property: JsonPropertyName("epcs")] IReadOnlyList<string>? Epcs);

/// <summary>A split of a receipt into child receipts.</summary>
public sealed record SplitRequest(
    [property: JsonPropertyName("children")] IReadOnlyList<SplitChildModel?>? Children,
    [property: JsonPropertyName("atMs")] long? AtMs);

/// <summary>A split appended, and the children it issued.</summary>
public sealed record SplitResponse(
    [property: JsonPropertyName("splitIndex")] long SplitIndex,
    [property: JsonPropertyName("children")] IReadOnlyList<IssuedLotResponse> Children);

/// <summary>A merge of receipts into a new receipt.</summary>
public sealed record MergeRequest(
    [property: JsonPropertyName("receipts")] IReadOnlyList<string?>? Receipts,
    [property: JsonPropertyName("into")] string? Into,
    [property: JsonPropertyName("batch")] string? Batch,
    [property: JsonPropertyName("atMs")] long? AtMs);

/// <summary>A freeze, unfreeze or disposal to draft: why, and when.</summary>
public sealed record LotActionRequest(
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("atMs")] long? AtMs);

/// <summary>A holder of a receipt's title: the title's owner, then each endorsement's new owner.</summary>
public sealed record HolderView(
    [property: JsonPropertyName("party")] string Party,
    [property: JsonPropertyName("index")] long Index);

/// <summary>A child receipt a split or merge handed goods to.</summary>
public sealed record ChildView(
    [property: JsonPropertyName("receipt")] string Receipt,
    [property: JsonPropertyName("quantity")] decimal Quantity);

/// <summary>A statement to sign: its text (sign exactly these bytes) and who must sign it.</summary>
public sealed record DraftResponse(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("statement")] string Statement,
    [property: JsonPropertyName("signers")] IReadOnlyList<string> Signers);

/// <summary>A lot's public facts.</summary>
public sealed record LotPublicView(
    [property: JsonPropertyName("product")] string Product,
    [property: JsonPropertyName("gtin")] string Gtin,
    [property: JsonPropertyName("batch")] string Batch,
    [property: JsonPropertyName("specification")] string? Specification,
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("zone")] string Zone,
    [property: JsonPropertyName("bands")] IReadOnlyList<BandModel> Bands,
    [property: JsonPropertyName("issuedMs")] long IssuedMs,
    [property: JsonPropertyName("validUntilMs")] long ValidUntilMs,
    [property: JsonPropertyName("epcs")] IReadOnlyList<string> Epcs);

/// <summary>A lot's private part.</summary>
public sealed record LotTitleView(
    [property: JsonPropertyName("depositor")] string Depositor,
    [property: JsonPropertyName("owner")] string Owner,
    [property: JsonPropertyName("quantity")] decimal Quantity,
    [property: JsonPropertyName("unit")] string Unit,
    [property: JsonPropertyName("insurance")] string? Insurance);

/// <summary>A move.</summary>
public sealed record MoveView(
    [property: JsonPropertyName("index")] long Index,
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("zone")] string Zone,
    [property: JsonPropertyName("atMs")] long AtMs);

/// <summary>An entry of the status chain.</summary>
public sealed record LotEventView(
    [property: JsonPropertyName("index")] long Index,
    [property: JsonPropertyName("kind")] string Kind);

/// <summary>A pledge.</summary>
public sealed record PledgeView(
    [property: JsonPropertyName("index")] long Index,
    [property: JsonPropertyName("receipt")] string Receipt,
    [property: JsonPropertyName("lender")] string Lender,
    [property: JsonPropertyName("owner")] string Owner,
    [property: JsonPropertyName("amount")] decimal Amount,
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("startMs")] long StartMs,
    [property: JsonPropertyName("endMs")] long EndMs,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("endedAt")] long? EndedAt,
    [property: JsonPropertyName("endedAtMs")] long? EndedAtMs,
    [property: JsonPropertyName("covenants")] IReadOnlyList<string> Covenants);

/// <summary>A lot as the ledger and this node know it (members only: it has the private part).</summary>
public sealed record LotView(
    [property: JsonPropertyName("receipt")] string Receipt,
    [property: JsonPropertyName("lotIndex")] long LotIndex,
    [property: JsonPropertyName("titleIndex")] long TitleIndex,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("zone")] string Zone,
    [property: JsonPropertyName("quantity")] decimal Quantity,
    [property: JsonPropertyName("activePledge")] long? ActivePledge,
    [property: JsonPropertyName("controller")] string? Controller,
    [property: JsonPropertyName("closedAt")] long? ClosedAt,
    [property: JsonPropertyName("cargo")] IReadOnlyList<string> Cargo,
    [property: JsonPropertyName("public")] LotPublicView Public,
    [property: JsonPropertyName("title")] LotTitleView Title,
    [property: JsonPropertyName("moves")] IReadOnlyList<MoveView> Moves,
    [property: JsonPropertyName("events")] IReadOnlyList<LotEventView> Events,
    [property: JsonPropertyName("pledges")] IReadOnlyList<PledgeView> Pledges)
{
    /// <summary>The party holding the title now.</summary>
    [JsonPropertyName("owner")] public string Owner { get; init; } = "";

    /// <summary>Every holder of the title, oldest first (the title chain).</summary>
    [JsonPropertyName("holders")] public IReadOnlyList<HolderView> Holders { get; init; } = [];

    /// <summary>The freeze in force, or null.</summary>
    [JsonPropertyName("frozen")] public long? Frozen { get; init; }

    /// <summary>True from the receipt's validity end on (judged by this node's clock).</summary>
    [JsonPropertyName("expired")] public bool Expired { get; init; }

    /// <summary>The receipt this one was split from, or null.</summary>
    [JsonPropertyName("splitFrom")] public string? SplitFrom { get; init; }

    /// <summary>The receipts merged into this one.</summary>
    [JsonPropertyName("mergedFrom")] public IReadOnlyList<string> MergedFrom { get; init; } = [];

    /// <summary>The receipts a split or merge of this one handed its goods to.</summary>
    [JsonPropertyName("children")] public IReadOnlyList<ChildView> Children { get; init; } = [];
}

/// <summary>A lot in a list.</summary>
public sealed record LotSummaryView(
    [property: JsonPropertyName("receipt")] string Receipt,
    [property: JsonPropertyName("lotIndex")] long LotIndex,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("gtin")] string Gtin,
    [property: JsonPropertyName("batch")] string Batch,
    [property: JsonPropertyName("site")] string Site,
    [property: JsonPropertyName("zone")] string Zone,
    [property: JsonPropertyName("owner")] string Owner,
    [property: JsonPropertyName("quantity")] decimal Quantity,
    [property: JsonPropertyName("unit")] string Unit,
    [property: JsonPropertyName("activePledge")] long? ActivePledge);

/// <summary>An RFID read of a lot's cargo (a trace link), placed in its reader's zone.</summary>
public sealed record TraceView(
    [property: JsonPropertyName("epc")] string Epc,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("timeMs")] long TimeMs,
    [property: JsonPropertyName("reader")] string Reader,
    [property: JsonPropertyName("zone")] string? Zone);

/// <summary>A lot's storage history and the reads it was derived from.</summary>
public sealed record HistoryView(
    [property: JsonPropertyName("receipt")] string Receipt,
    [property: JsonPropertyName("storage")] IReadOnlyList<StorageInterval> Storage,
    [property: JsonPropertyName("moves")] IReadOnlyList<MoveView> Moves,
    [property: JsonPropertyName("trace")] IReadOnlyList<TraceView> Trace);

/// <summary>An EPC seen by a reader and not in any open lot yet: a candidate for a new receipt.</summary>
public sealed record ArrivalView(
    [property: JsonPropertyName("epc")] string Epc,
    [property: JsonPropertyName("gtin")] string? Gtin,
    [property: JsonPropertyName("serial")] string? Serial,
    [property: JsonPropertyName("firstSeenMs")] long FirstSeenMs,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("reader")] string Reader,
    [property: JsonPropertyName("zone")] string? Zone);

/// <summary>A covenant breach the node recorded.</summary>
public sealed record BreachView(
    [property: JsonPropertyName("pledge")] long Pledge,
    [property: JsonPropertyName("covenant")] string Covenant,
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("sensor")] string Sensor,
    [property: JsonPropertyName("startMs")] long StartMs,
    [property: JsonPropertyName("exceededAtMs")] long ExceededAtMs,
    [property: JsonPropertyName("endMs")] long EndMs,
    [property: JsonPropertyName("durationMs")] long DurationMs,
    [property: JsonPropertyName("peak")] double Peak,
    [property: JsonPropertyName("ongoing")] bool Ongoing,
    [property: JsonPropertyName("detectedAtMs")] long DetectedAtMs);

/// <summary>A lender's condition report: the lot, its pledge, the numbers, the proof status and where the bundle and page are.</summary>
public sealed record LotReportResponse(
    [property: JsonPropertyName("receipt")] string Receipt,
    [property: JsonPropertyName("lotIndex")] long LotIndex,
    [property: JsonPropertyName("lot")] LotPublicView Lot,
    [property: JsonPropertyName("title")] LotTitleView? Title,
    [property: JsonPropertyName("pledge")] PledgeView? Pledge,
    [property: JsonPropertyName("conditions")] ConditionReport Conditions,
    [property: JsonPropertyName("proof")] ProofStatus Proof,
    [property: JsonPropertyName("bundle")] string Bundle,
    [property: JsonPropertyName("page")] string Page);

/// <summary>A link to a lot's report page.</summary>
public sealed record ReportLinkView(
    [property: JsonPropertyName("receipt")] string Receipt,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("expiresMs")] long ExpiresMs);

/// <summary>JSON of the inventory API.</summary>
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(PartyRequest))]
[JsonSerializable(typeof(PartyKeyRequest))]
[JsonSerializable(typeof(List<PartyView>))]
[JsonSerializable(typeof(LotRequest))]
[JsonSerializable(typeof(IssuedLotResponse))]
[JsonSerializable(typeof(MoveRequest))]
[JsonSerializable(typeof(DeliverRequest))]
[JsonSerializable(typeof(PledgeDraftRequest))]
[JsonSerializable(typeof(PledgeActionRequest))]
[JsonSerializable(typeof(DraftResponse))]
[JsonSerializable(typeof(EndorseDraftRequest))]
[JsonSerializable(typeof(SplitRequest))]
[JsonSerializable(typeof(SplitResponse))]
[JsonSerializable(typeof(MergeRequest))]
[JsonSerializable(typeof(LotActionRequest))]
[JsonSerializable(typeof(LotView))]
[JsonSerializable(typeof(List<LotSummaryView>))]
[JsonSerializable(typeof(HistoryView))]
[JsonSerializable(typeof(List<ArrivalView>))]
[JsonSerializable(typeof(PledgeView))]
[JsonSerializable(typeof(List<BreachView>))]
[JsonSerializable(typeof(LotReportResponse))]
[JsonSerializable(typeof(ReportLinkView))]
[JsonSerializable(typeof(PublicLotView))]
[JsonSerializable(typeof(List<PublicLotView>))]
[JsonSerializable(typeof(EvidenceBundle))]
internal sealed partial class InventoryJsonContext : JsonSerializerContext;
