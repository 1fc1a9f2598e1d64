using System.Globalization;
using System.Text.Json;

namespace EdgeGateway.Configuration;

/// <summary>
/// Reads one JSON object of a configuration file field by field, so that every error names the
/// field's full path, and unknown fields (usually typos) are refused instead of ignored.
/// </summary>
internal sealed class JsonFields
{
    private readonly JsonElement _element;
    private readonly string _source;
    private readonly string _path;
    private readonly HashSet<string> _known = new(StringComparer.Ordinal);

    public JsonFields(JsonElement element, string source, string path)
    {
        _source = source;
        _path = path;
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Error(path.Length == 0 ? "(root)" : path, $"must be a JSON object, got {Describe(element)}");
        }
        _element = element;
    }

    /// <summary>
    /// The path of a member: names of visible ASCII as they are, any other (empty, with spaces,
    /// quotes, control or other characters) as a JSON string, so that every error names a visible
    /// field on one line.
    /// </summary>
    public string PathOf(string name)
    {
        var shown = name.Length is > 0 and <= 128 && name.All(ch => ch is > ' ' and < '\x7f' and not '"' and not '\\')
            ? name
            : $"\"{JsonEncodedText.Encode(name.Length <= 60 ? name : name[..57] + "...")}\"";
        return _path.Length == 0 ? shown : $"{_path}.{shown}";
    }

    public ConfigException Error(string field, string problem) => new(_source, field, problem);

    /// <summary>An element found elsewhere in the same file, e.g. an array item.</summary>
    public JsonFields At(JsonElement element, string path) => new(element, _source, path);

    /// <summary>Fails on the first field that no getter asked for.</summary>
    public void RejectUnknown()
    {
        foreach (var property in _element.EnumerateObject())
        {
            var name = NameOf(property);
            if (!_known.Contains(name))
            {
                throw Error(PathOf(name), $"unknown field; this object accepts: {string.Join(", ", _known.Order(StringComparer.Ordinal))}");
            }
        }
    }

    public JsonElement? Get(string name)
    {
        _known.Add(name);
        JsonElement? found = null;
        foreach (var property in _element.EnumerateObject())
        {
            if (string.Equals(NameOf(property), name, StringComparison.Ordinal))
            {
                if (found is not null)
                {
                    throw Error(PathOf(name), "appears twice");
                }
                found = property.Value;
            }
        }
        return found is { ValueKind: JsonValueKind.Null } ? null : found;
    }

    public string? String(string name)
    {
        var value = Get(name);
        if (value is null)
        {
            return null;
        }
        return value.Value.ValueKind == JsonValueKind.String
            ? TextOf(value.Value) ?? throw Error(PathOf(name), $"must be text, got {value.Value.GetRawText()} with an unpaired surrogate escape (\\uD800-\\uDFFF)")
            : throw Error(PathOf(name), $"must be a string, got {Describe(value.Value)}");
    }

    public string RequiredString(string name) =>
        String(name) ?? throw Error(PathOf(name), "is required");

    public double? Number(string name, double min, double max)
    {
        var value = Get(name);
        if (value is null)
        {
            return null;
        }
        if (value.Value.ValueKind != JsonValueKind.Number || !value.Value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            throw Error(PathOf(name), $"must be a number, got {Describe(value.Value)}");
        }
        if (number < min || number > max)
        {
            throw Error(PathOf(name), string.Create(CultureInfo.InvariantCulture, $"must be between {min} and {max}, got {number}"));
        }
        return number;
    }

    public double Number(string name, double min, double max, double fallback) => Number(name, min, max) ?? fallback;

    public long Integer(string name, long min, long max, long fallback)
    {
        var value = Get(name);
        if (value is null)
        {
            return fallback;
        }
        if (value.Value.ValueKind != JsonValueKind.Number || !value.Value.TryGetInt64(out var number))
        {
            throw Error(PathOf(name), $"must be a whole number, got {Describe(value.Value)}");
        }
        if (number < min || number > max)
        {
            throw Error(PathOf(name), string.Create(CultureInfo.InvariantCulture, $"must be between {min} and {max}, got {number}"));
        }
        return number;
    }

    public bool Boolean(string name, bool fallback)
    {
        var value = Get(name);
        if (value is null)
        {
            return fallback;
        }
        return value.Value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(PathOf(name), $"must be true or false, got {Describe(value.Value)}"),
        };
    }

    public JsonFields? Object(string name)
    {
        var value = Get(name);
        return value is null ? null : new JsonFields(value.Value, _source, PathOf(name));
    }

    public IEnumerable<(JsonElement Element, string Path)> Array(string name)
    {
        var value = Get(name);
        if (value is null)
        {
            return [];
        }
        if (value.Value.ValueKind != JsonValueKind.Array)
        {
            throw Error(PathOf(name), $"must be an array, got {Describe(value.Value)}");
        }
        return value.Value.EnumerateArray().Select((e, i) => (e, $"{PathOf(name)}[{i}]")).ToList();
    }

    public IEnumerable<JsonProperty> Properties() => _element.EnumerateObject();

    public static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => TextOf(element) is { } text ? $"the string \"{Shorten(text)}\"" : $"the string {Shorten(element.GetRawText())}",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    /// <summary>A string value, or null when it is not text (an unpaired UTF-16 surrogate escape, which .NET cannot turn into a string).</summary>
    public static string? TextOf(JsonElement element)
    {
        try
        {
            return element.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>A member's name; one that is not text (an unpaired surrogate escape) is shown by a placeholder no field has.</summary>
    public static string NameOf(JsonProperty property)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException)
        {
            return "(a name with an unpaired surrogate escape)";
        }
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..57] + "...";
}
