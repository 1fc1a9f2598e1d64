using Firmware.Contracts.Hashing;

namespace Firmware.Contracts.Ledger;

/// <summary>
/// Reads <see cref="EntryField"/>s in their one canonical order: each kind defines which keys come,
/// in which order, which are optional and which repeat. Anything else is a failure that names
/// the line, so a parsed entry has one meaning and one byte form.
/// </summary>
public sealed class FieldReader
{
    private readonly IReadOnlyList<EntryField> _fields;
    private readonly string _where;
    private int _next;

    /// <summary>Reads <paramref name="fields"/>; <paramref name="where"/> names them in failures ("enrol statement").</summary>
    public FieldReader(IReadOnlyList<EntryField> fields, string where)
    {
        _fields = fields;
        _where = where;
    }

    /// <summary>The first failure met, or null.</summary>
    public Failure? Failure { get; private set; }

    /// <summary>The next field's value when its key is <paramref name="key"/>; otherwise records a failure.</summary>
    public string Required(string key)
    {
        var value = Optional(key);
        if (value is null && Failure is null)
        {
            Fail(_next < _fields.Count
                ? $"expected '{key}' but found '{_fields[_next].Key}' at line {_next + 1}"
                : $"'{key}' is missing");
        }
        return value ?? "";
    }

    /// <summary>The next field's value when its key is <paramref name="key"/>, or null.</summary>
    public string? Optional(string key)
    {
        if (Failure is not null || _next >= _fields.Count || _fields[_next].Key != key)
        {
            return null;
        }
        return _fields[_next++].Value;
    }

    /// <summary>The values of consecutive fields with <paramref name="key"/> (at most <paramref name="max"/>).</summary>
    public List<string> Repeated(string key, int max)
    {
        var values = new List<string>();
        while (Failure is null && _next < _fields.Count && _fields[_next].Key == key)
        {
            if (values.Count == max)
            {
                Fail($"at most {max} '{key}' lines");
                break;
            }
            values.Add(_fields[_next++].Value);
        }
        return values;
    }

    /// <summary>A required decimal number.</summary>
    public long RequiredNumber(string key) => Number(key, Required(key));

    /// <summary>An optional decimal number.</summary>
    public long? OptionalNumber(string key) => Optional(key) is { } text ? Number(key, text) : null;

    /// <summary>A required base64 hash.</summary>
    public Hash32 RequiredHash(string key) => HashOf(key, Required(key));

    /// <summary>An optional base64 hash.</summary>
    public Hash32? OptionalHash(string key) => Optional(key) is { } text ? HashOf(key, text) : null;

    /// <summary>Consecutive base64 hashes (a proof).</summary>
    public List<Hash32> RepeatedHashes(string key, int max) => Repeated(key, max).Select(v => HashOf(key, v)).ToList();

    /// <summary>The next field's value when its key is <paramref name="key"/>, checked as free text (<see cref="TextProblem"/>).</summary>
    public string RequiredText(string key, int maxLength = MaxTextLength) => Text(key, Required(key), maxLength) ?? "";

    /// <summary>The next field's value when its key is <paramref name="key"/>, checked as free text (<see cref="TextProblem"/>), or null.</summary>
    public string? OptionalText(string key, int maxLength = MaxTextLength) => Text(key, Optional(key), maxLength);

    /// <summary>Records a failure unless every field was read; returns the first failure.</summary>
    public Failure? End()
    {
        if (Failure is null && _next < _fields.Count)
        {
            Fail($"unexpected '{_fields[_next].Key}' at line {_next + 1}");
        }
        return Failure;
    }

    /// <summary>Records a failure about a value (the first one wins).</summary>
    public void Fail(string message) => Failure ??= new Failure("entry-field", $"{_where}: {message}");

    /// <summary>The longest free-text value (a reason, by default), in UTF-16 code units.</summary>
    public const int MaxTextLength = 256;

    /// <summary>
    /// Which rule of free text (docs/spec-ledger.md §1) <paramref name="text"/> breaks, or null when
    /// it is text: 1 to <paramref name="maxLength"/> UTF-16 code units of well-formed Unicode, no
    /// control character (C0, DEL, C1), no bidirectional formatting character (U+061C, U+200E,
    /// U+200F, U+202A-U+202E, U+2066-U+2069), no line or paragraph separator (U+2028, U+2029), and
    /// no white space at either end. Nothing is trimmed or replaced: text that breaks a rule is refused.
    /// </summary>
    public static string? TextProblem(string? text, int maxLength = MaxTextLength)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "must not be empty";
        }
        if (text.Length > maxLength)
        {
            return $"must be at most {maxLength} characters, got {text.Length}";
        }
        if (char.IsWhiteSpace(text[0]) || char.IsWhiteSpace(text[^1]))
        {
            return "must not start or end with white space";
        }
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c))
            {
                return $"must not contain control characters (U+{(int)c:X4} at {i})";
            }
            if (IsBidiControl(c))
            {
                return $"must not contain bidirectional formatting characters (U+{(int)c:X4} at {i})";
            }
            if (c is '\u2028' or '\u2029')
            {
                return $"must not contain line or paragraph separators (U+{(int)c:X4} at {i})";
            }
            if (char.IsSurrogate(c))
            {
                if (!char.IsHighSurrogate(c) || i + 1 == text.Length || !char.IsLowSurrogate(text[i + 1]))
                {
                    return $"must be well-formed Unicode (an unpaired surrogate at {i})";
                }
                i++;
            }
        }
        return null;
    }

    private static bool IsBidiControl(char c) => c is '\u061C' or '\u200E' or '\u200F' or (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');

    private string? Text(string key, string? text, int maxLength)
    {
        if (text is null || Failure is not null)
        {
            return text;
        }
        if (TextProblem(text, maxLength) is { } problem)
        {
            Fail($"'{key}' {problem}");
        }
        return text;
    }

    private long Number(string key, string text)
    {
        if (Failure is not null)
        {
            return 0;
        }
        if (!EntryField.TryParseNumber(text, out var value))
        {
            Fail($"'{key}' must be a decimal number without leading zeros, got '{text}'");
        }
        return value;
    }

    private Hash32 HashOf(string key, string text)
    {
        if (Failure is not null)
        {
            return default;
        }
        // Canonical base64 only, so that one hash has one spelling in an entry.
        if (!Hash32.TryFromBase64(text, out var hash) || hash.ToBase64() != text)
        {
            Fail($"'{key}' must be the canonical base64 of a 32-byte hash");
        }
        return hash;
    }
}
