using System.Text.Json;
using System.Text.Json.Serialization;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Proofs;

namespace Firmware.Contracts.Evidence;

/// <summary>
/// Everything needed to check a set of readings offline against member keys alone (UTF-8 JSON):
/// a signed ledger checkpoint; ledger entries (genesis, admissions, enrolments, anchors) each with
/// its RFC 9162 inclusion proof to that checkpoint; and per device a contiguous run of reading
/// leaves, each with its inclusion proof to the device checkpoint carried by the device's anchor
/// entry. Byte strings (entries, leaves) are base64 of the bytes as stored; hashes are base64.
/// </summary>
/// <remarks>
/// An entry's proof and the ledger checkpoint together are a C2SP tlog-proof (see
/// <see cref="BundleEntry.ToTlogProof"/>); so are a reading's proof and its device checkpoint.
/// The bundle stores each checkpoint once instead of once per proof.
/// </remarks>
public sealed class EvidenceBundle
{
    /// <summary>The format this code writes and reads.</summary>
    public const string FormatV1 = "edgetrace-evidence/v1";

    /// <summary>The largest bundle read, in bytes.</summary>
    public const long MaxBytes = 1L << 30;

    /// <summary>Always <see cref="FormatV1"/>.</summary>
    [JsonPropertyName("format")]
    public required string Format { get; init; }

    /// <summary>The ledger and the checkpoint every entry is proven against.</summary>
    [JsonPropertyName("ledger")]
    public required BundleLedger Ledger { get; init; }

    /// <summary>Ledger entries with their proofs, by ascending index.</summary>
    [JsonPropertyName("entries")]
    public required IReadOnlyList<BundleEntry> Entries { get; init; }

    /// <summary>Per device: its enrolment and anchor (ledger indices) and its readings.</summary>
    [JsonPropertyName("devices")]
    public required IReadOnlyList<BundleDevice> Devices { get; init; }

    /// <summary>A warehouse receipt the bundle is about (its public entries; for lenders also its title and status entries), or null.</summary>
    [JsonPropertyName("lot")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public BundleLot? Lot { get; init; }

    /// <summary>How to compute the lot's condition report from the bundle, or null. Needs <see cref="Lot"/>.</summary>
    [JsonPropertyName("report")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public BundleReport? Report { get; init; }

    /// <summary>Writes the bundle as UTF-8 JSON.</summary>
    public void WriteTo(Stream stream) => JsonSerializer.Serialize(stream, this, EvidenceJsonContext.Default.EvidenceBundle);

    /// <summary>The bundle as UTF-8 JSON bytes.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, EvidenceJsonContext.Default.EvidenceBundle);

    /// <summary>Reads a bundle (form only; <see cref="EvidenceVerifier"/> checks it).</summary>
    public static Result<EvidenceBundle> Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length > MaxBytes)
        {
            return Result<EvidenceBundle>.Fail("bundle-format", $"a bundle is at most {MaxBytes} bytes");
        }
        try
        {
            var bundle = JsonSerializer.Deserialize(json, EvidenceJsonContext.Default.EvidenceBundle);
            if (bundle is null)
            {
                return Result<EvidenceBundle>.Fail("bundle-format", "the bundle is JSON null");
            }
            if (bundle.Format != FormatV1)
            {
                return Result<EvidenceBundle>.Fail("bundle-format", $"format '{bundle.Format}' is not '{FormatV1}'");
            }
            if (bundle.Entries.Any(e => e is null) || bundle.Devices.Any(d => d is null || d.Readings is null || d.Readings.Any(r => r is null))
                || bundle.Lot is { Moves: null })
            {
                return Result<EvidenceBundle>.Fail("bundle-format", "the bundle has null entries, devices or readings");
            }
            return bundle;
        }
        catch (JsonException e)
        {
            return Result<EvidenceBundle>.Fail("bundle-format", $"not an evidence bundle: {e.Message}");
        }
    }

    internal static Result<Hash32[]> Hashes(IReadOnlyList<string>? proof, string where)
    {
        if (proof is null)
        {
            return Result<Hash32[]>.Fail("bundle-format", $"{where}: missing proof");
        }
        if (proof.Count > 64)
        {
            return Result<Hash32[]>.Fail("bundle-format", $"{where}: a proof has at most 64 hashes");
        }
        var hashes = new Hash32[proof.Count];
        for (var i = 0; i < proof.Count; i++)
        {
            if (!Hash32.TryFromBase64(proof[i], out hashes[i]))
            {
                return Result<Hash32[]>.Fail("bundle-format", $"{where}: proof hash {i + 1} is not the base64 of 32 bytes");
            }
        }
        return hashes;
    }
}

/// <summary>The ledger a bundle is proven against.</summary>
/// <param name="Origin">The ledger origin, <c>edgetrace/ledger/&lt;consortium&gt;</c>.</param>
/// <param name="Checkpoint">The signed ledger checkpoint note, verbatim (with member cosignatures).</param>
public sealed record BundleLedger(
    [property: JsonPropertyName("origin")] string Origin,
    [property: JsonPropertyName("checkpoint")] string Checkpoint);

/// <summary>A ledger entry and its inclusion proof to the bundle's ledger checkpoint.</summary>
/// <param name="Index">The entry's ledger index.</param>
/// <param name="Entry">Base64 of the entry bytes.</param>
/// <param name="Proof">The inclusion path, base64 hashes, leaf's sibling first.</param>
public sealed record BundleEntry(
    [property: JsonPropertyName("index")] long Index,
    [property: JsonPropertyName("entry")] string Entry,
    [property: JsonPropertyName("proof")] IReadOnlyList<string> Proof)
{
    /// <summary>The C2SP tlog-proof of this entry against <paramref name="ledgerCheckpoint"/>.</summary>
    public Result<TlogProof> ToTlogProof(SignedNote ledgerCheckpoint)
    {
        var hashes = EvidenceBundle.Hashes(Proof, $"entry {Index}");
        return hashes.Succeeded ? new TlogProof(Index, hashes.Value, ledgerCheckpoint) : hashes.Failure!;
    }
}

/// <summary>One device's evidence.</summary>
/// <param name="Device">The device id.</param>
/// <param name="Enrolment">Ledger index of its enrolment entry (in the bundle's entries).</param>
/// <param name="Anchor">Ledger index of the anchor entry whose device checkpoint the readings are proven against.</param>
/// <param name="Readings">A contiguous run of the device's leaves, by ascending sequence.</param>
public sealed record BundleDevice(
    [property: JsonPropertyName("device")] string Device,
    [property: JsonPropertyName("enrolment")] long Enrolment,
    [property: JsonPropertyName("anchor")] long Anchor,
    [property: JsonPropertyName("readings")] IReadOnlyList<BundleReading> Readings);

/// <summary>A reading leaf and its inclusion proof to the device checkpoint.</summary>
/// <param name="Seq">Its sequence number: its index in the device log.</param>
/// <param name="Leaf">Base64 of the leaf bytes.</param>
/// <param name="Proof">The inclusion path, base64 hashes, leaf's sibling first.</param>
public sealed record BundleReading(
    [property: JsonPropertyName("seq")] long Seq,
    [property: JsonPropertyName("leaf")] string Leaf,
    [property: JsonPropertyName("proof")] IReadOnlyList<string> Proof)
{
    /// <summary>The C2SP tlog-proof of this reading against <paramref name="deviceCheckpoint"/>.</summary>
    public Result<TlogProof> ToTlogProof(SignedNote deviceCheckpoint)
    {
        var hashes = EvidenceBundle.Hashes(Proof, $"reading {Seq}");
        return hashes.Succeeded ? new TlogProof(Seq, hashes.Value, deviceCheckpoint) : hashes.Failure!;
    }
}

/// <summary>
/// A lot in a bundle: the ledger indices (all in the bundle's entries) of its lot entry, its
/// location chain (moves, in order), and, in a lender's bundle, its title (the private part the
/// lot commits to), its status chain (pledges, releases, transfers, enforcements, deliveries,
/// cancellation, in order) and the registrations of the parties that signed in it. A public
/// bundle has none of the last three.
/// </summary>
/// <param name="Receipt">The receipt number.</param>
/// <param name="LotEntry">The lot entry's index.</param>
/// <param name="Moves">The move entries, in chain order.</param>
/// <param name="Title">The title entry's index (lender bundles).</param>
/// <param name="Events">The status chain (lender bundles).</param>
/// <param name="Parties">Party registrations whose keys sign in the status chain (lender bundles).</param>
public sealed record BundleLot(
    [property: JsonPropertyName("receipt")] string Receipt,
    [property: JsonPropertyName("entry")] long LotEntry,
    [property: JsonPropertyName("moves")] IReadOnlyList<long> Moves,
    [property: JsonPropertyName("title"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Title = null,
    [property: JsonPropertyName("events"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<long>? Events = null,
    [property: JsonPropertyName("parties"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<long>? Parties = null);

/// <summary>
/// The parameters of the condition report the bundle reproduces (not claims: a verifier shows
/// them, and the bands, covenants and readings come from verified entries and leaves).
/// </summary>
/// <param name="From">Window start, Unix ms.</param>
/// <param name="To">Window end, Unix ms (exclusive).</param>
/// <param name="ActivationEnergyK">ΔH/R for the MKT, kelvin.</param>
/// <param name="IntervalMs">The sensors' logging interval.</param>
/// <param name="DelayMs">Out-of-range periods up to this long are not excursions.</param>
/// <param name="CumulativeMs">The most time out of range allowed per sensor, or null.</param>
/// <param name="Pledge">The pledge (in the lot's status chain) whose covenants the report checks, or null.</param>
public sealed record BundleReport(
    [property: JsonPropertyName("from")] long From,
    [property: JsonPropertyName("to")] long To,
    [property: JsonPropertyName("activationEnergyK")] double ActivationEnergyK,
    [property: JsonPropertyName("intervalMs")] long IntervalMs,
    [property: JsonPropertyName("delayMs")] long DelayMs,
    [property: JsonPropertyName("cumulativeMs"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? CumulativeMs = null,
    [property: JsonPropertyName("pledge"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Pledge = null)
{
    /// <summary>The same values as report parameters.</summary>
    public Conditions.ReportParameters ToParameters() => new()
    {
        FromMs = From, ToMs = To, ActivationEnergyK = ActivationEnergyK, IntervalMs = IntervalMs, DelayMs = DelayMs, CumulativeMs = CumulativeMs,
    };

    /// <summary>The bundle form of <paramref name="parameters"/>.</summary>
    public static BundleReport Of(Conditions.ReportParameters parameters, long? pledge)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new BundleReport(parameters.FromMs, parameters.ToMs, parameters.ActivationEnergyK, parameters.IntervalMs, parameters.DelayMs, parameters.CumulativeMs, pledge);
    }
}

/// <summary>JSON of evidence bundles: strict (unknown fields and missing required ones are errors).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectRequiredConstructorParameters = true, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(EvidenceBundle))]
public sealed partial class EvidenceJsonContext : JsonSerializerContext;
