using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Endpoints;

/// <summary>
/// Checks a JSON request body against its type's members before it is deserialized: one object;
/// in it and in every nested object, each member the type has, by its exact name, at most once.
/// The serializer would ignore unknown members, take the last of duplicates and match names in any
/// letter case; a typo then silently becomes a default (a delivery of "quantiy": 5 delivered all).
/// </summary>
internal static class StrictJson
{
    private static readonly JsonReaderOptions Options = new() { MaxDepth = 16 };

    /// <summary>The problem with <paramref name="json"/> as a <paramref name="type"/>, or null.</summary>
    public static NodeProblem? Check(ReadOnlySpan<byte> json, JsonTypeInfo type)
    {
        var reader = new Utf8JsonReader(json, Options);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return new NodeProblem(ProblemTypes.MalformedRequest, 400, "the body must be one JSON object");
            }
            if (Object(ref reader, type, "") is { } problem)
            {
                return problem;
            }
            // Anything after the object (another value) makes the reader throw.
            reader.Read();
            return null;
        }
        catch (JsonException e)
        {
            return new NodeProblem(ProblemTypes.MalformedRequest, 400,
                $"the body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}); send one JSON object in UTF-8");
        }
    }

    /// <summary>A member path as problems name it (<c>bands[0].min</c>) from a serializer path (<c>$.bands[0].min</c>).</summary>
    public static string FieldOf(string? path) =>
        path is null ? "" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    private static NodeProblem? Object(ref Utf8JsonReader reader, JsonTypeInfo type, string path)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (StringProblem(ref reader, path.Length == 0 ? "(member name)" : $"{path}.(member name)") is { } badName)
            {
                return badName;
            }
            var name = reader.GetString()!;
            var field = path.Length == 0 ? name : $"{path}.{name}";
            var member = type.Properties.FirstOrDefault(p => p.Name == name);
            if (member is null)
            {
                var meant = type.Properties.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
                var known = string.Join(", ", type.Properties.Select(p => p.Name));
                return Problems.Field(RequestProblemTypes.UnknownMember, field, meant is not null
                    ? $"member {LogText.Escape(name)} is not spelled as the request defines it: names are case-sensitive, send '{meant.Name}'"
                    : $"member {LogText.Escape(name)} is not part of this request (members: {known}); nothing was changed");
            }
            if (!seen.Add(name))
            {
                return Problems.Field(RequestProblemTypes.DuplicateMember, field, $"member '{name}' appears more than once; send each member once");
            }
            reader.Read();
            if (Value(ref reader, type.Options.GetTypeInfo(member.PropertyType), field) is { } problem)
            {
                return problem;
            }
        }
        return null;
    }

    private static NodeProblem? Value(ref Utf8JsonReader reader, JsonTypeInfo type, string path)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject when type.Kind == JsonTypeInfoKind.Object:
                return Object(ref reader, type, path);
            case JsonTokenType.StartArray when type.Kind == JsonTypeInfoKind.Enumerable && type.ElementType is { } elementType:
                var element = type.Options.GetTypeInfo(elementType);
                for (var i = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; i++)
                {
                    if (Value(ref reader, element, string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]")) is { } problem)
                    {
                        return problem;
                    }
                }
                return null;
            case JsonTokenType.String:
                return StringProblem(ref reader, path);
            default:
                // A scalar, or a shape the type does not have: the serializer names the member.
                reader.Skip();
                return null;
        }
    }

    // The serializer turns an escaped lone surrogate ("\ud800") into U+FFFD, so the text taken would
    // differ from the text sent; and it reads invalid UTF-8 only when it converts the string.
    private static NodeProblem? StringProblem(ref Utf8JsonReader reader, string path)
    {
        var raw = reader.ValueSpan;
        if (!System.Text.Unicode.Utf8.IsValid(raw))
        {
            return Problems.Field(ProblemTypes.MalformedRequest, path, $"'{path}' is not UTF-8; send the body in UTF-8");
        }
        if (!reader.ValueIsEscaped)
        {
            return null;
        }
        return HasLoneSurrogate(raw) ? Problems.Field(RequestProblemTypes.InvalidField, path, $"'{path}' must be well-formed Unicode: it has an unpaired surrogate escape") : null;
    }

    // The raw value's escapes (the reader checked their syntax): a \uD800-\uDBFF not followed by a
    // \uDC00-\uDFFF, or one of those without the first.
    private static bool HasLoneSurrogate(ReadOnlySpan<byte> raw)
    {
        var expectLow = false;
        for (var i = 0; i < raw.Length; i++)
        {
            var unit = -1;
            if (raw[i] == (byte)'\\' && raw[++i] == (byte)'u')
            {
                unit = int.Parse(raw.Slice(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
                i += 4;
            }
            if (expectLow != (unit is >= 0xDC00 and <= 0xDFFF))
            {
                return true;
            }
            expectLow = unit is >= 0xD800 and <= 0xDBFF;
        }
        return expectLow;
    }
}
