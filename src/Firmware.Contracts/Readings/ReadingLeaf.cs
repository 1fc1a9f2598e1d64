using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;

namespace Firmware.Contracts.Readings;

/// <summary>
/// One leaf of a device log: a SenML (RFC 8428) record in UTF-8 JSON with EdgeTrace's fields.
/// The bytes are produced once by <see cref="Create"/> and never re-serialised: the leaf hash,
/// the signature chain and every verifier work on <see cref="Bytes"/> exactly as stored.
/// </summary>
/// <remarks>
/// Written field order: ver, dev, seq, kind, sensor, zone, rule, severity, reason, n, u, t, v, vs, detail, salt.
/// Readers accept any order but reject unknown or repeated fields. <c>t</c> is SenML time in
/// seconds with exactly three decimals (millisecond precision); <c>salt</c> is 16 random bytes in
/// lower-case hex so that a disclosed sibling hash reveals nothing about its reading.
/// </remarks>
public sealed partial class ReadingLeaf
{
    /// <summary>The leaf format version this code writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>Bytes in a salt.</summary>
    public const int SaltLength = 16;

    /// <summary>The largest leaf accepted, in bytes.</summary>
    public const int MaxBytes = 2048;

    /// <summary>Latest accepted time: 9999-12-31.</summary>
    public const long MaxTimeMs = 253_402_300_799_999;

    private const int MaxDetailLength = 512;

    private readonly byte[] _bytes;
    private readonly byte[] _salt;
    private Hash32 _leafHash;
    private bool _hashed;

    private ReadingLeaf(byte[] bytes, LeafContent content, byte[] salt)
    {
        _bytes = bytes;
        _salt = salt;
        Content = content;
    }

    /// <summary>The leaf's bytes, exactly as hashed.</summary>
    public ReadOnlyMemory<byte> Bytes => _bytes;

    /// <summary>What the leaf says.</summary>
    public LeafContent Content { get; }

    /// <summary>The 16-byte salt.</summary>
    public ReadOnlyMemory<byte> Salt => _salt;

    /// <summary>SHA-256(0x00 ‖ bytes): the leaf's hash in the device log.</summary>
    /// <remarks>Computed on first use, or for many leaves at once by <see cref="ComputeLeafHashes"/>.</remarks>
    public Hash32 LeafHash
    {
        get
        {
            if (!Volatile.Read(ref _hashed))
            {
                Publish(Rfc9162.HashLeaf(_bytes));
            }
            return _leafHash;
        }
    }

    /// <summary>
    /// Computes the <see cref="LeafHash"/> of every leaf that has none yet, several at a time
    /// (<see cref="Sha256Lanes"/>): cheaper than one by one for a batch about to be appended.
    /// </summary>
    public static void ComputeLeafHashes(IReadOnlyList<ReadingLeaf> leaves)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        var pending = new List<ReadingLeaf>(leaves.Count);
        var total = 0;
        foreach (var leaf in leaves)
        {
            if (!Volatile.Read(ref leaf._hashed))
            {
                pending.Add(leaf);
                total += leaf._bytes.Length + 1;
            }
        }
        if (pending.Count == 0)
        {
            return;
        }
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(total);
        var offsets = new int[pending.Count];
        var lengths = new int[pending.Count];
        var hashes = new Hash32[pending.Count];
        try
        {
            var at = 0;
            for (var i = 0; i < pending.Count; i++)
            {
                var bytes = pending[i]._bytes;
                offsets[i] = at;
                lengths[i] = bytes.Length + 1;
                buffer[at] = 0x00; // RFC 9162 leaf prefix
                bytes.CopyTo(buffer, at + 1);
                at += bytes.Length + 1;
            }
            Sha256Lanes.HashAll(buffer.AsSpan(0, total), offsets, lengths, hashes);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        for (var i = 0; i < pending.Count; i++)
        {
            pending[i].Publish(hashes[i]);
        }
    }

    // Any thread may compute the hash; all compute the same value, and the flag is set only after it.
    private void Publish(in Hash32 hash)
    {
        _leafHash = hash;
        Volatile.Write(ref _hashed, true);
    }

    /// <summary>The bytes as text (they are UTF-8 JSON).</summary>
    public override string ToString() => Encoding.UTF8.GetString(_bytes);

    /// <summary>
    /// Writes <paramref name="content"/> as leaf bytes with <paramref name="salt"/> (16 bytes that the
    /// caller draws from a cryptographic random source).
    /// </summary>
    /// <exception cref="ArgumentException">When the content is not a valid leaf; the message names the field.</exception>
    public static ReadingLeaf Create(LeafContent content, ReadOnlySpan<byte> salt)
    {
        ArgumentNullException.ThrowIfNull(content);
        if (salt.Length != SaltLength)
        {
            throw new ArgumentException($"salt must be {SaltLength} bytes, got {salt.Length}", nameof(salt));
        }
        var problem = Validate(content);
        if (problem is not null)
        {
            throw new ArgumentException($"invalid leaf: {problem.Message}", nameof(content));
        }

        Span<byte> buffer = stackalloc byte[MaxBytes];
        var bytes = TryWriteAscii(content, salt, buffer, out var written) ? buffer[..written].ToArray() : WriteEscaped(content, salt);
        return new ReadingLeaf(bytes, content, salt.ToArray());
    }

    // The usual leaf (ASCII text with nothing to escape, within MaxBytes) written straight as
    // UTF-8; false sends it to WriteEscaped, which writes the same bytes the general way.
    private static bool TryWriteAscii(LeafContent content, ReadOnlySpan<byte> salt, Span<byte> buffer, out int written)
    {
        var w = new AsciiWriter(buffer);
        w.Raw("{\"ver\":"u8);
        w.Number(FormatVersion);
        w.Field("dev"u8, content.DeviceId);
        w.Raw(",\"seq\":"u8);
        w.Number(content.Sequence);
        w.Field("kind"u8, content.Kind.ToWire());
        w.Field("sensor"u8, content.SensorId);
        w.Field("zone"u8, content.Zone);
        w.Field("rule"u8, content.Rule);
        w.Field("severity"u8, content.Severity);
        w.Field("reason"u8, content.Reason);
        w.Raw(",\"n\":\""u8);
        switch (content.Kind)
        {
            case LeafKind.Alarm:
                w.Text(content.DeviceId, "/alarm/", content.Zone, "/", content.Rule);
                break;
            case LeafKind.Event:
                w.Text(content.DeviceId, "/event/", content.StringValue);
                break;
            default:
                w.Text(content.DeviceId, "/", content.SensorId, "/", content.Quantity);
                break;
        }
        w.Raw("\""u8);
        w.Field("u"u8, content.Unit);
        w.Raw(",\"t\":"u8);
        w.Number(content.TimeMs / 1000);
        w.Raw("."u8);
        w.Digits3((int)(content.TimeMs % 1000));
        if (content.Value is { } value)
        {
            w.Raw(",\"v\":"u8);
            w.Number(value);
        }
        w.Field("vs"u8, content.StringValue);
        w.Field("detail"u8, content.Detail);
        w.Raw(",\"salt\":\""u8);
        w.Hex(salt);
        w.Raw("\"}"u8);
        written = w.Length;
        return w.Ok;
    }

    private static byte[] WriteEscaped(LeafContent content, ReadOnlySpan<byte> salt)
    {
        var json = new StringBuilder(256);
        json.Append("{\"ver\":").Append(FormatVersion);
        AppendString(json, "dev", content.DeviceId);
        json.Append(",\"seq\":").Append(content.Sequence.ToString(CultureInfo.InvariantCulture));
        AppendString(json, "kind", content.Kind.ToWire());
        AppendOptionalString(json, "sensor", content.SensorId);
        AppendOptionalString(json, "zone", content.Zone);
        AppendOptionalString(json, "rule", content.Rule);
        AppendOptionalString(json, "severity", content.Severity);
        AppendOptionalString(json, "reason", content.Reason);
        AppendString(json, "n", content.Name);
        AppendOptionalString(json, "u", content.Unit);
        json.Append(",\"t\":").Append(FormatTime(content.TimeMs));
        if (content.Value is { } value)
        {
            json.Append(",\"v\":").Append(value.ToString("R", CultureInfo.InvariantCulture));
        }
        AppendOptionalString(json, "vs", content.StringValue);
        AppendOptionalString(json, "detail", content.Detail);
        AppendString(json, "salt", Convert.ToHexStringLower(salt));
        json.Append('}');

        var bytes = Encoding.UTF8.GetBytes(json.ToString());
        if (bytes.Length > MaxBytes)
        {
            throw new ArgumentException($"invalid leaf: {bytes.Length} bytes, more than the {MaxBytes} allowed", nameof(content));
        }
        return bytes;
    }

    /// <summary>Writes ASCII into a span; <see cref="Ok"/> turns false on anything to escape or when the span is full.</summary>
    private ref struct AsciiWriter(Span<byte> buffer)
    {
        private readonly Span<byte> _buffer = buffer;

        public int Length { get; private set; }

        public bool Ok { get; private set; } = true;

        public void Raw(ReadOnlySpan<byte> ascii)
        {
            if (Ok && ascii.TryCopyTo(_buffer[Length..]))
            {
                Length += ascii.Length;
            }
            else
            {
                Ok = false;
            }
        }

        public void Field(ReadOnlySpan<byte> name, string? value)
        {
            if (value is null)
            {
                return;
            }
            Raw(",\""u8);
            Raw(name);
            Raw("\":\""u8);
            Text(value);
            Raw("\""u8);
        }

        public void Text(params ReadOnlySpan<string?> parts)
        {
            foreach (var part in parts)
            {
                if (!Ok || part is null)
                {
                    continue;
                }
                if (part.Length > _buffer.Length - Length)
                {
                    Ok = false;
                    return;
                }
                foreach (var ch in part)
                {
                    if (ch is < ' ' or '"' or '\\' or > '~')
                    {
                        Ok = false;
                        return;
                    }
                    _buffer[Length++] = (byte)ch;
                }
            }
        }

        public void Number<T>(T value)
            where T : IUtf8SpanFormattable
        {
            if (Ok && value.TryFormat(_buffer[Length..], out var n, typeof(T) == typeof(double) ? "R" : default, CultureInfo.InvariantCulture))
            {
                Length += n;
            }
            else
            {
                Ok = false;
            }
        }

        public void Digits3(int value)
        {
            if (Ok && _buffer.Length - Length >= 3)
            {
                _buffer[Length++] = (byte)('0' + value / 100);
                _buffer[Length++] = (byte)('0' + value / 10 % 10);
                _buffer[Length++] = (byte)('0' + value % 10);
            }
            else
            {
                Ok = false;
            }
        }

        public void Hex(ReadOnlySpan<byte> data)
        {
            if (Ok && Convert.TryToHexStringLower(data, _buffer[Length..], out var n))
            {
                Length += n;
            }
            else
            {
                Ok = false;
            }
        }
    }

    /// <summary>
    /// Reads leaf bytes. The result keeps the bytes as given; nothing is re-serialised.
    /// Fails with a reason for anything that is not a well-formed v1 leaf.
    /// </summary>
    public static Result<ReadingLeaf> Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || bytes.Length > MaxBytes)
        {
            return Result<ReadingLeaf>.Fail("leaf-size", $"a leaf is 1..{MaxBytes} bytes, got {bytes.Length}");
        }
        if (bytes[0] != (byte)'{' || bytes[^1] != (byte)'}')
        {
            return Result<ReadingLeaf>.Fail("leaf-json", "a leaf is one JSON object with nothing before or after it");
        }
        try
        {
            return ParseObject(bytes);
        }
        catch (JsonException e)
        {
            return Result<ReadingLeaf>.Fail("leaf-json", $"not valid JSON: {e.Message}");
        }
        catch (InvalidOperationException e)
        {
            return Result<ReadingLeaf>.Fail("leaf-json", $"a field has the wrong JSON type or text that is not UTF-8 or Unicode: {e.Message}");
        }
    }

    /// <summary>Formats Unix milliseconds as SenML seconds with three decimals, e.g. <c>1795428000.123</c>.</summary>
    public static string FormatTime(long timeMs) =>
        string.Create(CultureInfo.InvariantCulture, $"{timeMs / 1000}.{timeMs % 1000:000}");

    private static Result<ReadingLeaf> ParseObject(ReadOnlySpan<byte> bytes)
    {
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 1 });
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return Result<ReadingLeaf>.Fail("leaf-json", "a leaf is a JSON object");
        }

        var seen = 0;
        long? version = null, sequence = null, timeMs = null;
        string? dev = null, kind = null, sensor = null, zone = null, rule = null, severity = null, reason = null, name = null, unit = null, vs = null, detail = null, saltHex = null;
        double? value = null;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            // Field names are matched on their UTF-8 bytes: no string per field name.
            var index = FieldOf(ref reader);
            if (index == Field.Unknown)
            {
                return Result<ReadingLeaf>.Fail("leaf-field", $"unknown field '{reader.GetString()}'");
            }
            var field = FieldNames[(int)index];
            var bit = 1 << (int)index;
            if ((seen & bit) != 0)
            {
                return Result<ReadingLeaf>.Fail("leaf-field", $"field '{field}' appears twice");
            }
            seen |= bit;
            reader.Read();
            switch (index)
            {
                case Field.Ver: version = ReadInteger(ref reader, field); break;
                case Field.Seq: sequence = ReadInteger(ref reader, field); break;
                case Field.T:
                    if (reader.TokenType != JsonTokenType.Number || !TryReadMilliseconds(reader.ValueSpan, out var ms))
                    {
                        return Result<ReadingLeaf>.Fail("leaf-field",
                            $"'t' must be seconds written with exactly three decimals, 0.000 to {FormatTime(MaxTimeMs)} (e.g. 1795428060.000), got '{Encoding.UTF8.GetString(reader.ValueSpan)}'");
                    }
                    timeMs = ms;
                    break;
                case Field.V:
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out var v) || !double.IsFinite(v))
                    {
                        return Result<ReadingLeaf>.Fail("leaf-field", "'v' must be a finite number");
                    }
                    value = v;
                    break;
                case Field.Dev: dev = ReadString(ref reader, field); break;
                case Field.Kind: kind = ReadString(ref reader, field); break;
                case Field.Sensor: sensor = ReadString(ref reader, field); break;
                case Field.Zone: zone = ReadString(ref reader, field); break;
                case Field.Rule: rule = ReadString(ref reader, field); break;
                case Field.Severity: severity = ReadString(ref reader, field); break;
                case Field.Reason: reason = ReadString(ref reader, field); break;
                case Field.N: name = ReadString(ref reader, field); break;
                case Field.U: unit = ReadString(ref reader, field); break;
                case Field.Vs: vs = ReadString(ref reader, field); break;
                case Field.Detail: detail = ReadString(ref reader, field); break;
                case Field.Salt: saltHex = ReadString(ref reader, field); break;
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return Result<ReadingLeaf>.Fail("leaf-json", "a leaf is a single flat JSON object");
        }

        if (version != FormatVersion)
        {
            return Result<ReadingLeaf>.Fail("leaf-version", version is null ? "missing 'ver'" : $"leaf version {version} is not supported (this reader knows {FormatVersion})");
        }
        if (dev is null || sequence is null || kind is null || name is null || timeMs is null || saltHex is null)
        {
            var missing = new[] { ("dev", dev is null), ("seq", sequence is null), ("kind", kind is null), ("n", name is null), ("t", timeMs is null), ("salt", saltHex is null) }
                .First(f => f.Item2).Item1;
            return Result<ReadingLeaf>.Fail("leaf-field", $"missing '{missing}'");
        }
        if (!LeafKinds.TryParse(kind, out var leafKind))
        {
            return Result<ReadingLeaf>.Fail("leaf-field", $"unknown kind '{kind}'");
        }
        if (saltHex.Length != SaltLength * 2 || !IsLowerHex(saltHex))
        {
            return Result<ReadingLeaf>.Fail("leaf-field", $"'salt' must be {SaltLength * 2} lower-case hex digits");
        }

        string? quantity = null;
        if (leafKind is LeafKind.Measurement or LeafKind.Observation or LeafKind.Fault)
        {
            var slash = name.LastIndexOf('/');
            quantity = slash < 0 ? null : name[(slash + 1)..];
        }
        var content = new LeafContent
        {
            DeviceId = dev,
            Sequence = sequence.Value,
            Kind = leafKind,
            TimeMs = timeMs.Value,
            SensorId = sensor,
            Quantity = quantity,
            Zone = zone,
            Rule = rule,
            Severity = severity,
            Reason = reason,
            Unit = unit,
            Value = value,
            StringValue = vs,
            Detail = detail,
        };
        var problem = Validate(content);
        if (problem is not null)
        {
            return problem;
        }
        if (!IsName(content, name))
        {
            return Result<ReadingLeaf>.Fail("leaf-field", $"'n' is '{name}' but the other fields give '{content.Name}'");
        }
        return new ReadingLeaf(bytes.ToArray(), content, Convert.FromHexString(saltHex));
    }

    private static readonly string[] FieldNames = ["ver", "dev", "seq", "kind", "sensor", "zone", "rule", "severity", "reason", "n", "u", "t", "v", "vs", "detail", "salt"];

    // Positions in FieldNames (and bits in the set of fields seen).
    private enum Field
    {
        Unknown = -1,
        Ver,
        Dev,
        Seq,
        Kind,
        Sensor,
        Zone,
        Rule,
        Severity,
        Reason,
        N,
        U,
        T,
        V,
        Vs,
        Detail,
        Salt,
    }

    // The node reads every leaf of every upload: names are told apart by length and bytes, and
    // only an escaped name (which no writer produces) is unescaped and compared one by one.
    private static Field FieldOf(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            var name = reader.ValueSpan;
            return name.Length switch
            {
                1 => name[0] switch { (byte)'n' => Field.N, (byte)'u' => Field.U, (byte)'t' => Field.T, (byte)'v' => Field.V, _ => Field.Unknown },
                2 => name.SequenceEqual("vs"u8) ? Field.Vs : Field.Unknown,
                3 => name.SequenceEqual("ver"u8) ? Field.Ver : name.SequenceEqual("dev"u8) ? Field.Dev : name.SequenceEqual("seq"u8) ? Field.Seq : Field.Unknown,
                4 => name.SequenceEqual("kind"u8) ? Field.Kind : name.SequenceEqual("zone"u8) ? Field.Zone : name.SequenceEqual("rule"u8) ? Field.Rule : name.SequenceEqual("salt"u8) ? Field.Salt : Field.Unknown,
                6 => name.SequenceEqual("sensor"u8) ? Field.Sensor : name.SequenceEqual("detail"u8) ? Field.Detail : name.SequenceEqual("reason"u8) ? Field.Reason : Field.Unknown,
                8 => name.SequenceEqual("severity"u8) ? Field.Severity : Field.Unknown,
                _ => Field.Unknown,
            };
        }
        for (var i = 0; i < FieldNames.Length; i++)
        {
            if (reader.ValueTextEquals(FieldNames[i]))
            {
                return (Field)i;
            }
        }
        return Field.Unknown;
    }

    // The one spelling of 't': an integer part without sign or leading zeros, a point and exactly
    // three digits, read as whole milliseconds without any decimal or floating-point arithmetic,
    // so every reader gets the same number and refuses the same spellings (1.5, 1e3, 1.5000, -0.000).
    private static bool TryReadMilliseconds(ReadOnlySpan<byte> number, out long ms)
    {
        ms = 0;
        var point = number.Length - 4;
        if (point < 1 || point > 12 || number[point] != (byte)'.' || (number[0] == (byte)'0' && point > 1))
        {
            return false;
        }
        long value = 0;
        for (var at = 0; at < number.Length; at++)
        {
            if (at == point)
            {
                continue;
            }
            var digit = number[at] - (uint)'0';
            if (digit > 9)
            {
                return false;
            }
            value = value * 10 + digit;
        }
        ms = value;
        return ms <= MaxTimeMs;
    }

    // content.Name == name, without building the name: the parts joined by '/' (null as empty).
    private static bool IsName(LeafContent c, string name) => c.Kind switch
    {
        LeafKind.Alarm => IsJoined(name, c.DeviceId, "alarm", c.Zone, c.Rule),
        LeafKind.Event => IsJoined(name, c.DeviceId, "event", c.StringValue),
        _ => IsJoined(name, c.DeviceId, c.SensorId, c.Quantity),
    };

    private static bool IsJoined(ReadOnlySpan<char> text, params ReadOnlySpan<string?> parts)
    {
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                if (text.IsEmpty || text[0] != '/')
                {
                    return false;
                }
                text = text[1..];
            }
            var part = parts[i] ?? "";
            if (!text.StartsWith(part, StringComparison.Ordinal))
            {
                return false;
            }
            text = text[part.Length..];
        }
        return text.IsEmpty;
    }

    // Digits only: no sign (not even -0), no fraction (1.0), no exponent (1e0); JSON itself has
    // already refused leading zeros.
    private static long ReadInteger(ref Utf8JsonReader reader, string field) =>
        reader.TokenType == JsonTokenType.Number && !reader.ValueSpan.ContainsAnyExceptInRange((byte)'0', (byte)'9') && reader.TryGetInt64(out var n)
            ? n
            : throw new JsonException($"'{field}' must be a non-negative integer written with digits only (0 to {long.MaxValue})");

    private static string ReadString(ref Utf8JsonReader reader, string field) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException($"'{field}' must be a string");

    private static Failure? Validate(LeafContent c)
    {
        Failure Bad(string message) => new("leaf-field", message);

        if (!IdPattern.IsMatch(c.DeviceId))
        {
            return Bad($"device id '{c.DeviceId}' must be 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit");
        }
        if (c.Sequence < 0)
        {
            return Bad($"sequence {c.Sequence} is negative");
        }
        if (c.TimeMs < 0 || c.TimeMs > MaxTimeMs)
        {
            return Bad($"time {c.TimeMs} ms is outside 0..{MaxTimeMs}");
        }
        if (c.Value is { } v && !double.IsFinite(v))
        {
            return Bad("value must be a finite number");
        }
        if (c.Detail is { } d && (d.Length > MaxDetailLength || HasControl(d)))
        {
            return Bad($"detail must be at most {MaxDetailLength} characters without control characters");
        }
        if (c.StringValue is { } s && !StringValuePattern.IsMatch(s))
        {
            return Bad($"string value '{s}' must be 1-256 printable ASCII characters without spaces, quotes or backslashes");
        }
        if (c.Unit is { } u && !Senml.IsKnownUnit(u))
        {
            return Bad($"unit '{u}' is not one of Cel, %RH, Pa");
        }
        if (c.Severity is { } severity && (c.Kind != LeafKind.Alarm || !AlarmSeverity.IsKnown(severity)))
        {
            return Bad(c.Kind != LeafKind.Alarm
                ? $"{Article(c.Kind)} {c.Kind.ToWire()} leaf has no severity (only alarm leaves do)"
                : $"an alarm's severity is warning or alarm, got '{severity}'");
        }
        if (c.Reason is { } reason && (c.Kind != LeafKind.Event || !CodePattern.IsMatch(reason)))
        {
            return Bad(c.Kind != LeafKind.Event
                ? $"{Article(c.Kind)} {c.Kind.ToWire()} leaf has no reason (only event leaves do)"
                : $"an event's reason is a lower-case code, got '{reason}'");
        }

        switch (c.Kind)
        {
            case LeafKind.Measurement or LeafKind.Observation or LeafKind.Fault:
                if (c.SensorId is null || !SensorPattern.IsMatch(c.SensorId))
                {
                    return Bad($"sensor id '{c.SensorId}' must be 1-128 characters of A-Z a-z 0-9 . _ - : / starting with a letter or digit");
                }
                if (c.Quantity is null || !QuantityPattern.IsMatch(c.Quantity))
                {
                    return Bad($"quantity '{c.Quantity}' must be a lower-case word such as temperature");
                }
                if (!QuantityFits(c.Kind, c.Quantity))
                {
                    return Bad($"{Article(c.Kind)} {c.Kind.ToWire()} leaf's quantity is {QuantitiesOf(c.Kind)}, not '{c.Quantity}'");
                }
                if (c.Rule is not null)
                {
                    return Bad($"{Article(c.Kind)} {c.Kind.ToWire()} leaf has no rule");
                }
                break;
            case LeafKind.Alarm:
                if (c.Rule is null || !IdPattern.IsMatch(c.Rule))
                {
                    return Bad($"alarm rule '{c.Rule}' must be an id of A-Z a-z 0-9 . _ -");
                }
                if (c.Zone is null)
                {
                    return Bad("an alarm leaf names its zone");
                }
                if (c.StringValue is not ("start" or "end"))
                {
                    return Bad($"an alarm's string value is start or end, got '{c.StringValue}'");
                }
                if (c.SensorId is not null && !SensorPattern.IsMatch(c.SensorId))
                {
                    return Bad($"sensor id '{c.SensorId}' is not valid");
                }
                if ((c.Value is null) != (c.Unit is null))
                {
                    return Bad("an alarm value and its unit come together");
                }
                break;
            case LeafKind.Event:
                if (c.StringValue is null || !CodePattern.IsMatch(c.StringValue))
                {
                    return Bad($"an event's string value is a lower-case code, got '{c.StringValue}'");
                }
                if (c.SensorId is not null || c.Rule is not null || c.Value is not null || c.Unit is not null)
                {
                    return Bad("an event leaf has no sensor, rule, value or unit");
                }
                break;
            default:
                return Bad($"unknown kind {c.Kind}");
        }
        if (c.Zone is not null && !IdPattern.IsMatch(c.Zone))
        {
            return Bad($"zone '{c.Zone}' must be an id of A-Z a-z 0-9 . _ -");
        }

        switch (c.Kind)
        {
            case LeafKind.Measurement:
                if (c.Value is null || c.Unit is null || c.StringValue is not null)
                {
                    return Bad("a measurement has a value and a unit and no string value");
                }
                if (Senml.UnitOf(c.Quantity!) is { } expected && expected != c.Unit)
                {
                    return Bad($"{c.Quantity} is measured in {expected}, not {c.Unit}");
                }
                break;
            case LeafKind.Observation:
                if (c.StringValue is null || c.Value is not null || c.Unit is not null || c.Quantity != Senml.Epc)
                {
                    return Bad("an observation has quantity epc and a string value, and no value or unit");
                }
                if (TagValueProblem(c.StringValue) is { } tag)
                {
                    return Bad(tag);
                }
                break;
            case LeafKind.Fault:
                if (c.StringValue is null || !CodePattern.IsMatch(c.StringValue) || c.Value is not null || c.Unit is not null)
                {
                    return Bad("a fault has a lower-case fault code as string value, and no value or unit");
                }
                break;
        }
        return null;
    }

    // Measurements are of the three quantities v1 has units for; a fault names the quantity its
    // sensor failed to read, which includes an RFID reader's epc.
    private static bool QuantityFits(LeafKind kind, string quantity) => kind switch
    {
        LeafKind.Measurement => Senml.UnitOf(quantity) is not null,
        LeafKind.Observation => quantity == Senml.Epc,
        LeafKind.Fault => Senml.UnitOf(quantity) is not null || quantity == Senml.Epc,
        _ => false,
    };

    private static string Article(LeafKind kind) => kind is LeafKind.Observation or LeafKind.Alarm or LeafKind.Event ? "an" : "a";

    private static string QuantitiesOf(LeafKind kind) => kind switch
    {
        LeafKind.Measurement => "temperature, humidity or pressure",
        LeafKind.Observation => "epc",
        _ => "temperature, humidity, pressure or epc",
    };

    /// <summary>The prefix of an observation's value when the tag does not hold an SGTIN.</summary>
    public const string RawTagPrefix = "raw:";

    // An observation's value: an SGTIN pure-identity URI in the one spelling the EPC Tag Data
    // Standard's grammar allows, or raw: and the tag id in upper-case hex. Lot EPCs are compared
    // with it as strings, so a second spelling of one EPC would be a different tag.
    private static string? TagValueProblem(string value)
    {
        if (value.StartsWith(RawTagPrefix, StringComparison.Ordinal))
        {
            var hex = value.AsSpan(RawTagPrefix.Length);
            return hex.Length > 0 && !hex.ContainsAnyExcept(UpperHex)
                ? null
                : $"observation '{value}': after 'raw:' comes the tag id in upper-case hex digits";
        }
        return Epc.Sgtin.TryParseEpcUri(value, out _, out var error)
            ? null
            : $"observation '{value}' is neither an SGTIN pure-identity URI nor 'raw:' and a hex tag id: {error}";
    }

    private static readonly SearchValues<char> UpperHex = SearchValues.Create("0123456789ABCDEF");

    private static bool HasControl(string text)
    {
        foreach (var ch in text)
        {
            if (char.IsControl(ch))
            {
                return true;
            }
        }
        return false;
    }

    private static void AppendString(StringBuilder json, string field, string value)
    {
        json.Append(",\"").Append(field).Append("\":\"");
        foreach (var ch in value)
        {
            switch (ch)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case < ' ': json.Append("\\u").Append(((int)ch).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: json.Append(ch); break;
            }
        }
        json.Append('"');
    }

    private static void AppendOptionalString(StringBuilder json, string field, string? value)
    {
        if (value is not null)
        {
            AppendString(json, field, value);
        }
    }

    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    private static bool IsLowerHex(string s) => !s.AsSpan().ContainsAnyExcept(LowerHex);

    private const string Digits = "0123456789";
    private const string Lower = "abcdefghijklmnopqrstuvwxyz";
    private const string Alphanumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + Lower + Digits;

    // ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\z
    private static readonly TextPattern IdPattern = new(Alphanumeric, Alphanumeric + "._-", 64);

    // ^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}\z
    private static readonly TextPattern SensorPattern = new(Alphanumeric, Alphanumeric + "._:/-", 128);

    // ^[a-z][a-z0-9_-]{0,31}\z
    private static readonly TextPattern QuantityPattern = new(Lower, Lower + Digits + "_-", 32);

    // ^[a-z0-9][a-z0-9-]{0,63}\z
    private static readonly TextPattern CodePattern = new(Lower + Digits, Lower + Digits + "-", 64);

    // ^[\x21\x23-\x5b\x5d-\x7e]{1,256}\z: printable ASCII without space, quote or backslash.
    private static readonly TextPattern StringValuePattern = new(PrintableWithoutQuotes(), PrintableWithoutQuotes(), 256);

    private static string PrintableWithoutQuotes() =>
        string.Concat(Enumerable.Range(0x21, 0x7e - 0x21 + 1).Where(c => c is not '"' and not '\\').Select(c => (char)c));

    // A text of 1 to maxLength characters: the first from one set, the others from another. Every
    // leaf is checked against several of these, so they are plain set scans rather than regexes.
    private sealed class TextPattern(string first, string rest, int maxLength)
    {
        private readonly SearchValues<char> _first = SearchValues.Create(first);
        private readonly SearchValues<char> _rest = SearchValues.Create(rest);

        public bool IsMatch(string text) =>
            text.Length >= 1 && text.Length <= maxLength && _first.Contains(text[0]) && !text.AsSpan(1).ContainsAnyExcept(_rest);
    }
}
