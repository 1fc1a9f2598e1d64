using System.Text;
using System.Text.Json;
using Firmware.Contracts.Readings;

namespace Firmware.Contracts.Mqtt;

/// <summary>A resolved SenML record (RFC 8428 §4.6): base values applied, time absolute.</summary>
/// <param name="Name">Base name + name.</param>
/// <param name="Unit">Unit, or null.</param>
/// <param name="Value">Numeric value (base value applied), or null.</param>
/// <param name="StringValue">String value, or null.</param>
/// <param name="BoolValue">Boolean value, or null.</param>
/// <param name="TimeMs">Absolute time, Unix ms.</param>
public sealed record SenmlRecord(string Name, string? Unit, double? Value, string? StringValue, bool? BoolValue, long TimeMs);

/// <summary>
/// SenML JSON packs (RFC 8428): what gateways publish as live readings and what sensor nodes
/// publish to be ingested.
/// </summary>
public static class SenmlPack
{
    /// <summary>The largest pack accepted from a sensor node, in bytes.</summary>
    public const int MaxBytes = 16 * 1024;

    /// <summary>The most records accepted in one pack.</summary>
    public const int MaxRecords = 256;

    /// <summary>Failure code: the pack is not valid SenML JSON (or breaks RFC 8428).</summary>
    public const string MalformedCode = "senml";

    /// <summary>Failure code: the pack is over <see cref="MaxBytes"/> bytes or <see cref="MaxRecords"/> records.</summary>
    public const string TooLargeCode = "senml-too-large";

    /// <summary>Failure code: a record has a must-understand field (name ending in <c>_</c>) this code does not know.</summary>
    public const string MustUnderstandCode = "senml-must-understand";

    // RFC 8428 §4.5.3: times below 2^28 seconds are relative to now.
    private const double RelativeTimeLimit = 268_435_456;

    /// <summary>
    /// The live-reading payload for a leaf: a pack holding the leaf itself as its one record. The
    /// leaf is a resolved SenML record, so any SenML reader understands it, and a subscriber that
    /// keeps the bytes can later check them against the leaf's inclusion proof.
    /// </summary>
    public static byte[] FromLeaf(ReadingLeaf leaf)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        var bytes = new byte[leaf.Bytes.Length + 2];
        bytes[0] = (byte)'[';
        leaf.Bytes.Span.CopyTo(bytes.AsSpan(1));
        bytes[^1] = (byte)']';
        return bytes;
    }

    /// <summary>
    /// Parses and resolves a SenML JSON pack. Relative times are taken from
    /// <paramref name="receivedAtMs"/>. Fails, naming the record and field, on anything RFC 8428
    /// forbids, on unknown must-understand fields (names ending in <c>_</c>), or beyond the limits.
    /// </summary>
    public static Result<IReadOnlyList<SenmlRecord>> Parse(ReadOnlySpan<byte> json, long receivedAtMs)
    {
        if (json.Length == 0)
        {
            return Fail("a SenML pack is at least one byte; the message is empty");
        }
        if (json.Length > MaxBytes)
        {
            return Fail($"a SenML pack is at most {MaxBytes} bytes, got {json.Length}", TooLargeCode);
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 4 });
        }
        catch (JsonException e)
        {
            return Fail($"not valid JSON: {e.Message}");
        }
        using (document)
        {
            try
            {
                return Records(document.RootElement, receivedAtMs);
            }
            catch (InvalidOperationException e)
            {
                // .NET cannot read a string escape that is not text (an unpaired UTF-16 surrogate, \ud800).
                return Fail($"a name or string value is not text (an unpaired surrogate escape): {e.Message}");
            }
        }
    }

    private static Result<IReadOnlyList<SenmlRecord>> Records(JsonElement root, long receivedAtMs)
    {
        if (root.ValueKind != JsonValueKind.Array)
        {
            return Fail("a SenML pack is a JSON array of records");
        }
        var count = root.GetArrayLength();
        if (count == 0 || count > MaxRecords)
        {
            return Fail($"a pack holds 1..{MaxRecords} records, got {count}", count == 0 ? MalformedCode : TooLargeCode);
        }

        string baseName = "", baseUnit = "";
        double baseTime = 0, baseValue = 0;
        var records = new List<SenmlRecord>(count);
        var index = 0;
        foreach (var record in root.EnumerateArray())
        {
            index++;
            if (record.ValueKind != JsonValueKind.Object)
            {
                return Fail($"record {index} is not a JSON object");
            }
            string? name = null, unit = null, vs = null;
            double? v = null, t = null;
            bool? vb = null;
            var values = 0;
            foreach (var field in record.EnumerateObject())
            {
                var ok = field.Name switch
                {
                    "bn" => TryString(field.Value, out baseName),
                    "bu" => TryString(field.Value, out baseUnit),
                    "bt" => TryNumber(field.Value, out baseTime),
                    "bv" => TryNumber(field.Value, out baseValue),
                    "bver" => field.Value.ValueKind == JsonValueKind.Number,
                    "bs" => field.Value.ValueKind == JsonValueKind.Number,
                    "s" => field.Value.ValueKind == JsonValueKind.Number && ++values > 0,
                    "n" => TryString(field.Value, out name),
                    "u" => TryString(field.Value, out unit),
                    "t" => TryNullableNumber(field.Value, out t),
                    "ut" => field.Value.ValueKind == JsonValueKind.Number,
                    "v" => TryNullableNumber(field.Value, out v) && ++values > 0,
                    "vs" => TryString(field.Value, out vs) && ++values > 0,
                    "vb" => TryBool(field.Value, out vb) && ++values > 0,
                    "vd" => field.Value.ValueKind == JsonValueKind.String && ++values > 0,
                    _ when field.Name.EndsWith('_') => false,
                    _ => true, // other extension fields may be ignored (RFC 8428 §4.4)
                };
                if (!ok)
                {
                    return field.Name.EndsWith('_')
                        ? Fail($"record {index}: must-understand field '{field.Name}' is not supported", MustUnderstandCode)
                        : Fail($"record {index}: field '{field.Name}' has the wrong type");
                }
            }
            if (values > 1)
            {
                return Fail($"record {index}: has more than one value field");
            }
            if (values == 0)
            {
                // A record with only base fields sets bases for those that follow.
                if (name is null)
                {
                    continue;
                }
                return Fail($"record {index}: has no value");
            }
            var fullName = baseName + (name ?? "");
            if (!IsValidName(fullName))
            {
                return Fail($"record {index}: name '{fullName}' must start with a letter or digit and use only A-Z a-z 0-9 - : . / _");
            }
            var time = baseTime + (t ?? 0);
            var timeMs = time < RelativeTimeLimit
                ? receivedAtMs + (long)Math.Round(time * 1000)
                : (long)Math.Round(time * 1000);
            if (!double.IsFinite(time) || timeMs < 0 || timeMs > ReadingLeaf.MaxTimeMs)
            {
                return Fail($"record {index}: time {time} is out of range");
            }
            double? value = v is { } raw ? baseValue + raw : null;
            if (value is { } checkedValue && !double.IsFinite(checkedValue))
            {
                return Fail($"record {index}: value is not finite");
            }
            var resolvedUnit = unit ?? (baseUnit.Length > 0 ? baseUnit : null);
            records.Add(new SenmlRecord(fullName, resolvedUnit, value, vs, vb, timeMs));
        }
        if (records.Count == 0)
        {
            return Fail("the pack has no record with a value");
        }
        return Result<IReadOnlyList<SenmlRecord>>.Ok(records);
    }

    private static Result<IReadOnlyList<SenmlRecord>> Fail(string message, string code = MalformedCode) => Result<IReadOnlyList<SenmlRecord>>.Fail(code, message);

    private static bool IsValidName(string name) =>
        name.Length is > 0 and <= 256 && char.IsAsciiLetterOrDigit(name[0])
        && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or ':' or '.' or '/' or '_');

    private static bool TryString(JsonElement e, out string value)
    {
        value = e.ValueKind == JsonValueKind.String ? e.GetString()! : "";
        return e.ValueKind == JsonValueKind.String;
    }

    private static bool TryNumber(JsonElement e, out double value)
    {
        value = 0;
        return e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out value) && double.IsFinite(value);
    }

    private static bool TryNullableNumber(JsonElement e, out double? value)
    {
        var ok = TryNumber(e, out var number);
        value = ok ? number : null;
        return ok;
    }

    private static bool TryBool(JsonElement e, out bool? value)
    {
        value = e.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null };
        return value is not null;
    }

    /// <summary>The pack as text, for logs.</summary>
    public static string Describe(ReadOnlySpan<byte> json) => Encoding.UTF8.GetString(json.Length > 200 ? json[..200] : json);
}
