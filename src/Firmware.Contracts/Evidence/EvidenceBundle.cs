using System.Text.Json;
using System.Text.Json.Serialization;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Proofs;

namespace Firmware.Contracts.Evidence;

/// <summary>
/// Everything needed to check a lot's or a device's readings offline against member keys alone, and
/// to tell that nothing was left out (UTF-8 JSON, docs/spec-ledger.md §7): a signed ledger checkpoint
/// that commits to the ledger's entries and its state map; ledger entries, each with its RFC 9162
/// inclusion proof; state map entries (present or absent) with their proofs; per device a contiguous
/// run of reading leaves with one range proof to the device checkpoint its last anchor carries; for
/// a lot, its chains and the report it is for. Byte strings (entries, leaves) are base64 of the
/// bytes as stored; hashes are base64.
/// </summary>
public sealed record EvidenceBundle
{
    /// <summary>The format this code writes and reads.</summary>
    public const string FormatV2 = "edgetrace-evidence/v2";

    /// <summary>The format before state commitments (refused: it cannot show what it omits).</summary>
    public const string FormatV1 = "edgetrace-evidence/v1";

    /// <summary>The largest bundle read, in bytes.</summary>
    public const long MaxBytes = 1L << 30;

    /// <summary>Always <see cref="FormatV2"/>.</summary>
    [JsonPropertyName("format")]
    public required string Format { get; init; }

    /// <summary>The ledger and the checkpoint every entry and state proof is proven against.</summary>
    [JsonPropertyName("ledger")]
    public required BundleLedger Ledger { get; init; }

    /// <summary>Ledger entries with their proofs, by strictly ascending index; each one named by a device or the lot.</summary>
    [JsonPropertyName("entries")]
    public required IReadOnlyList<BundleEntry> Entries { get; init; }

    /// <summary>State map entries with their proofs, by key (ordinal, each once).</summary>
    [JsonPropertyName("state")]
    public required IReadOnlyList<BundleState> State { get; init; }

    /// <summary>Per device: its enrolment and last anchor (ledger indices) and a run of its readings.</summary>
    [JsonPropertyName("devices")]
    public required IReadOnlyList<BundleDevice> Devices { get; init; }

    /// <summary>A warehouse receipt the bundle is about (its public entries; for lenders also its title, status chain and parties), or null.</summary>
    [JsonPropertyName("lot")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public BundleLot? Lot { get; init; }

    /// <summary>Which report the bundle is for (a pledge, or a custom analysis), or null for the lot's own report. Needs <see cref="Lot"/>.</summary>
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
        if (FormProblem(json, out var format) is { } problem)
        {
            return Result<EvidenceBundle>.Fail("bundle-format", $"not an evidence bundle: {problem}");
        }
        try
        {
            if (format == FormatV1)
            {
                return Result<EvidenceBundle>.Fail("bundle-format",
                    $"this is a {FormatV1} bundle, which proves what it holds but not what it omits; export it again from a current node ({FormatV2})");
            }
            var bundle = JsonSerializer.Deserialize(json, EvidenceJsonContext.Default.EvidenceBundle);
            if (bundle is null)
            {
                return Result<EvidenceBundle>.Fail("bundle-format", "the bundle is JSON null");
            }
            if (bundle.Format != FormatV2)
            {
                return Result<EvidenceBundle>.Fail("bundle-format", $"format '{bundle.Format}' is not '{FormatV2}'");
            }
            if (bundle.Entries.Any(e => e is null) || bundle.State.Any(e => e is null)
                || bundle.Devices.Any(d => d is null || d.Leaves is null || d.Leaves.Any(l => l is null) || d.Proof is null)
                || bundle.Lot is { Moves: null } || bundle.Lot?.Parents?.Any(p => p is null || p.Moves is null) == true)
            {
                return Result<EvidenceBundle>.Fail("bundle-format", "the bundle has null entries, state entries, devices or leaves");
            }
            return bundle;
        }
        catch (JsonException e)
        {
            return Result<EvidenceBundle>.Fail("bundle-format", $"not an evidence bundle: {e.Message}");
        }
    }

    // Members that hold ledger indices or sequence numbers: JSON integers of digits only (no sign, fraction or exponent).
    private static readonly HashSet<string> IntegerMembers = new(StringComparer.Ordinal) { "index", "enrolment", "anchor", "first", "entry", "title", "pledge", "moves", "events", "parties" };

    // What the deserializer would accept although the text refuses it, or would throw on instead of
    // refusing: a member name twice in one object, an escaped lone surrogate (no UTF-8 form), an index
    // written with a sign. Null when none. The same pass reads the top-level "format" string, so an
    // old bundle is named as such before the full parse.
    private static string? FormProblem(ReadOnlySpan<byte> json, out string? format)
    {
        format = null;
        var reader = new Utf8JsonReader(json);
        var containers = new Stack<(string? Name, HashSet<string>? Members)>();
        string? property = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        property = reader.GetString()!;
                        if (containers.TryPeek(out var top) && top.Members is { } members && !members.Add(property))
                        {
                            return $"member '{property}' appears twice in one object";
                        }
                        break;
                    case JsonTokenType.StartObject:
                        containers.Push((property, new HashSet<string>(StringComparer.Ordinal)));
                        property = null;
                        break;
                    case JsonTokenType.StartArray:
                        containers.Push((property, null));
                        property = null;
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        containers.Pop();
                        property = null;
                        break;
                    case JsonTokenType.String when containers.Count == 1 && property == "format":
                        format = reader.GetString();
                        break;
                    case JsonTokenType.String when reader.ValueIsEscaped:
                        _ = reader.GetString();
                        break;
                    case JsonTokenType.Number:
                        var name = containers.TryPeek(out var container) && container.Members is null ? container.Name : property;
                        // A number token is never split across segments here: the reader runs over one span.
                        if (name is not null && IntegerMembers.Contains(name) && reader.ValueSpan.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
                        {
                            return $"'{name}' is an integer written with digits only, got '{System.Text.Encoding.UTF8.GetString(reader.ValueSpan)}'";
                        }
                        break;
                }
            }
        }
        catch (InvalidOperationException)
        {
            return "a string or member name escapes a lone surrogate (\\ud800 to \\udfff not in a pair), which has no UTF-8 form";
        }
        catch (JsonException e)
        {
            return e.Message;
        }
        return null;
    }

    internal static Result<Hash32[]> Hashes(IReadOnlyList<string>? proof, string where, int max = 64)
    {
        if (proof is null)
        {
            return Result<Hash32[]>.Fail("bundle-format", $"{where}: missing proof");
        }
        if (proof.Count > max)
        {
            return Result<Hash32[]>.Fail("bundle-format", $"{where}: a proof has at most {max} hashes");
        }
        var hashes = new Hash32[proof.Count];
        for (var i = 0; i < proof.Count; i++)
        {
            if (!Hash32.TryFromBase64(proof[i], out hashes[i]) || hashes[i].ToBase64() != proof[i])
            {
                return Result<Hash32[]>.Fail("bundle-format", $"{where}: proof hash {i + 1} is not the canonical base64 of 32 bytes");
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
/// <param name="Enrolment">Ledger index of its enrolment entry (the one the state names).</param>
/// <param name="Anchor">Ledger index of its last anchor as of the checkpoint (the one the state names), or null when it has none.</param>
/// <param name="First">The sequence number of the first leaf in <paramref name="Leaves"/>.</param>
/// <param name="Leaves">A contiguous run of the device's leaves from <paramref name="First"/>, base64.</param>
/// <param name="Proof">The range proof of the run in the anchored device checkpoint (base64 hashes, <see cref="Merkle.MerkleVerifier.RootFromRange"/>).</param>
public sealed record BundleDevice(
    [property: JsonPropertyName("device"), JsonPropertyOrder(0)] string Device,
    [property: JsonPropertyName("enrolment"), JsonPropertyOrder(1)] long Enrolment,
    [property: JsonPropertyName("first"), JsonPropertyOrder(3)] long First,
    [property: JsonPropertyName("leaves"), JsonPropertyOrder(4)] IReadOnlyList<string> Leaves,
    [property: JsonPropertyName("proof"), JsonPropertyOrder(5)] IReadOnlyList<string> Proof,
    [property: JsonPropertyName("anchor"), JsonPropertyOrder(2), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Anchor = null);

/// <summary>
/// A state map entry and its proof against the checkpoint's <c>state</c> root: present with its
/// value, or absent (no value; the proof ends at an empty subtree or at <paramref name="Other"/>).
/// </summary>
/// <param name="Key">The key, e.g. <c>device/gw-1</c>.</param>
/// <param name="Value">The value text, or null when the key is absent.</param>
/// <param name="Other">For an absence proof that ends at another key's leaf: that leaf.</param>
/// <param name="Proof">Sibling hashes, deepest first (base64; an empty subtree is 32 zero bytes).</param>
public sealed record BundleState(
    [property: JsonPropertyName("key"), JsonPropertyOrder(0)] string Key,
    [property: JsonPropertyName("proof"), JsonPropertyOrder(3)] IReadOnlyList<string> Proof,
    [property: JsonPropertyName("value"), JsonPropertyOrder(1), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Value = null,
    [property: JsonPropertyName("other"), JsonPropertyOrder(2), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BundleStateLeaf? Other = null);

/// <summary>Another key's leaf at the end of an absence proof.</summary>
/// <param name="KeyHash">Base64 SHA-256 of its key.</param>
/// <param name="ValueHash">Base64 SHA-256 of its value.</param>
public sealed record BundleStateLeaf(
    [property: JsonPropertyName("keyHash")] string KeyHash,
    [property: JsonPropertyName("valueHash")] string ValueHash);

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
/// <param name="Parents">A split child's ancestors, nearest first: each one's lot entry and whole location chain (its history before the split).</param>
public sealed record BundleLot(
    [property: JsonPropertyName("receipt")] string Receipt,
    [property: JsonPropertyName("entry")] long LotEntry,
    [property: JsonPropertyName("moves")] IReadOnlyList<long> Moves,
    [property: JsonPropertyName("title"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Title = null,
    [property: JsonPropertyName("events"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<long>? Events = null,
    [property: JsonPropertyName("parties"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<long>? Parties = null,
    [property: JsonPropertyName("parents"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<BundleParent>? Parents = null);

/// <summary>An ancestor of a split child in a bundle: its receipt, lot entry and location chain (all in the bundle's entries).</summary>
/// <param name="Receipt">The ancestor's receipt number.</param>
/// <param name="LotEntry">Its lot entry's index.</param>
/// <param name="Moves">Its move entries, in chain order.</param>
public sealed record BundleParent(
    [property: JsonPropertyName("receipt")] string Receipt,
    [property: JsonPropertyName("entry")] long LotEntry,
    [property: JsonPropertyName("moves")] IReadOnlyList<long> Moves);

/// <summary>
/// Which report a lot bundle is for. With <paramref name="Pledge"/> alone: the verdict on that pledge,
/// from its signed terms (its window up to the checkpoint, its covenants, the lot's condition
/// parameters). With <paramref name="Custom"/>: a custom analysis over a window and parameters chosen
/// at export time, which every verifier and page labels as such and never calls the pledge's verdict.
/// </summary>
/// <param name="Pledge">The pledge (in the lot's status chain) the report is for, or null.</param>
/// <param name="Custom">Export-time window and parameters, or null for the signed terms.</param>
public sealed record BundleReport(
    [property: JsonPropertyName("pledge"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Pledge = null,
    [property: JsonPropertyName("custom"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] BundleCustom? Custom = null);

/// <summary>A custom analysis: window and parameters chosen by whoever exported the bundle (unsigned).</summary>
/// <param name="From">Window start, Unix ms.</param>
/// <param name="To">Window end, Unix ms (exclusive).</param>
/// <param name="ActivationEnergyK">ΔH/R for the MKT, kelvin.</param>
/// <param name="IntervalMs">The sensors' logging interval.</param>
/// <param name="DelayMs">Out-of-range periods up to this long are not excursions.</param>
/// <param name="CumulativeMs">The most time out of range allowed per sensor, or null.</param>
public sealed record BundleCustom(
    [property: JsonPropertyName("from")] long From,
    [property: JsonPropertyName("to")] long To,
    [property: JsonPropertyName("activationEnergyK")] double ActivationEnergyK,
    [property: JsonPropertyName("intervalMs")] long IntervalMs,
    [property: JsonPropertyName("delayMs")] long DelayMs,
    [property: JsonPropertyName("cumulativeMs"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? CumulativeMs = null)
{
    /// <summary>The same values as report parameters.</summary>
    public Conditions.ReportParameters ToParameters() => new()
    {
        FromMs = From, ToMs = To, ActivationEnergyK = ActivationEnergyK, IntervalMs = IntervalMs, DelayMs = DelayMs, CumulativeMs = CumulativeMs,
    };

    /// <summary>The bundle form of <paramref name="parameters"/>.</summary>
    public static BundleCustom Of(Conditions.ReportParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new BundleCustom(parameters.FromMs, parameters.ToMs, parameters.ActivationEnergyK, parameters.IntervalMs, parameters.DelayMs, parameters.CumulativeMs);
    }
}

/// <summary>JSON of evidence bundles: strict (unknown fields and missing required ones are errors).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectRequiredConstructorParameters = true, RespectNullableAnnotations = true,
    PropertyNameCaseInsensitive = false, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(EvidenceBundle))]
public sealed partial class EvidenceJsonContext : JsonSerializerContext;
