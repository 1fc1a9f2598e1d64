using System.Globalization;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;

namespace Firmware.Contracts.Evidence;

/// <summary>
/// The state map entries a bundle proved against its checkpoint's <c>state</c> root: each key the
/// bundle carries, with its value or proven absent. A part of the verifier that needs a key the bundle
/// did not prove fails with <c>incomplete-bundle</c>; every key proved must be used by some part.
/// </summary>
public sealed class ProvenState
{
    private readonly Dictionary<string, string?> _values;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    private ProvenState(Dictionary<string, string?> values) => _values = values;

    /// <summary>Every proven key and its value (null: proven absent).</summary>
    public IReadOnlyDictionary<string, string?> Values => _values;

    /// <summary>Verifies every state proof of <paramref name="bundle"/> against <paramref name="root"/>; keys strictly ascending (ordinal).</summary>
    public static Result<ProvenState> Verify(IReadOnlyList<BundleState> bundle, Hash32 root)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        var values = new Dictionary<string, string?>(StringComparer.Ordinal);
        string? previous = null;
        foreach (var item in bundle)
        {
            var where = $"state entry '{item.Key}'";
            if (string.IsNullOrEmpty(item.Key) || item.Key.Length > 512 || item.Key.Any(char.IsControl))
            {
                return Result<ProvenState>.Fail("bundle-format", "a state entry's key is 1-512 characters without control characters");
            }
            if (previous is not null && string.CompareOrdinal(previous, item.Key) >= 0)
            {
                return Result<ProvenState>.Fail("bundle-format", $"{where}: state entries are sorted by key (ordinal), each key once");
            }
            previous = item.Key;
            if (item.Value is not null && item.Other is not null)
            {
                return Result<ProvenState>.Fail("bundle-format", $"{where}: a present key has a value and no 'other' leaf");
            }
            if (item.Value is { } text && LedgerStateMap.Fields(text) is null)
            {
                return Result<ProvenState>.Fail("bundle-format", $"{where}: the value is not lines of 'field value', each ending in a line feed");
            }
            var path = EvidenceBundle.Hashes(item.Proof, where, SparseMerkleTree.MaxDepth);
            if (!path.Succeeded)
            {
                return path.Failure!;
            }
            SparseLeaf? terminal = null;
            var keyHash = LedgerStateMap.HashKey(item.Key);
            if (item.Value is { } value)
            {
                terminal = new StateEntry(item.Key, value).Leaf;
            }
            else if (item.Other is { } other)
            {
                if (!Hash32.TryFromBase64(other.KeyHash, out var k) || !Hash32.TryFromBase64(other.ValueHash, out var v)
                    || k.ToBase64() != other.KeyHash || v.ToBase64() != other.ValueHash)
                {
                    return Result<ProvenState>.Fail("bundle-format", $"{where}: 'other' holds the canonical base64 of two SHA-256 hashes");
                }
                terminal = new SparseLeaf(k, v);
            }
            var proof = new SparseProof(path.Value, terminal);
            var verified = proof.Verify(root, keyHash, terminal is { } t && item.Value is not null ? t.Value : null);
            if (!verified.Succeeded)
            {
                return Result<ProvenState>.Fail(verified.Failure!.Code, $"{where}: {verified.Failure.Message}");
            }
            values[item.Key] = item.Value;
        }
        return new ProvenState(values);
    }

    /// <summary>The value of <paramref name="key"/> (null when proven absent), or <c>incomplete-bundle</c> when the bundle does not prove the key.</summary>
    public Result<string?> Get(string key, string why)
    {
        if (!_values.TryGetValue(key, out var value))
        {
            return Result<string?>.Fail("incomplete-bundle", $"the bundle does not prove state key '{key}' ({why}), so it cannot show that nothing was left out");
        }
        _used.Add(key);
        return value;
    }

    /// <summary>The value of a key that must be present.</summary>
    public Result<string> Require(string key, string why)
    {
        var value = Get(key, why);
        if (!value.Succeeded)
        {
            return value.Failure!;
        }
        return value.Value is { } present
            ? present
            : Result<string>.Fail("incomplete-bundle", $"state key '{key}' is absent at this checkpoint ({why})");
    }

    /// <summary>A key the bundle proves but no part of it needed, or null.</summary>
    public string? Unused() => _values.Keys.FirstOrDefault(k => !_used.Contains(k));
}

/// <summary>A device's state as the map records it (<c>device/&lt;id&gt;</c>).</summary>
public sealed record DeviceState(long Enrolment, long? Revocation, long? Anchor, long Size, Hash32 Root, long? Equivocation)
{
    /// <summary>Parses the value text (canonical form only: it must be what <see cref="LedgerStateMap.DeviceValue(DeviceRecord)"/> writes).</summary>
    public static Result<DeviceState> Parse(string value)
    {
        var fields = StateFields.Of(value);
        var enrolment = fields.Number("enrolment");
        var revocation = fields.OptionalNumber("revocation");
        var anchor = fields.OptionalNumber("anchor");
        var size = fields.Number("size");
        var rootText = fields.Text("root");
        var equivocation = fields.OptionalNumber("equivocation");
        if (fields.End() is { } failure || !Hash32.TryFromBase64(rootText, out var root))
        {
            return Result<DeviceState>.Fail("state-format", $"a device state value is 'enrolment', 'revocation'?, 'anchor'?, 'size', 'root', 'equivocation'?: got '{value}'");
        }
        var state = new DeviceState(enrolment, revocation, anchor, size, root, equivocation);
        return state.ToValue() == value ? state : Result<DeviceState>.Fail("state-format", $"the device state value is not in canonical form: '{value}'");
    }

    /// <summary>The canonical value text.</summary>
    public string ToValue() => LedgerStateMap.DeviceValue(new DeviceRecord
    {
        DeviceId = "-", PublicKey = "", EnrolmentIndex = Enrolment, EnrolledBy = "", RevocationIndex = Revocation, AnchorIndex = Anchor,
        AnchoredSize = Size, AnchoredRoot = Root, EquivocationIndex = Equivocation,
    });
}

/// <summary>Parses the fixed-order value texts of the state map.</summary>
internal sealed class StateFields
{
    private readonly IReadOnlyList<(string Field, string Value)> _fields;
    private int _at;
    private bool _bad;

    private StateFields(IReadOnlyList<(string Field, string Value)>? fields)
    {
        _fields = fields ?? [];
        _bad = fields is null;
    }

    public static StateFields Of(string value) => new(LedgerStateMap.Fields(value));

    public string Text(string field)
    {
        if (_at < _fields.Count && _fields[_at].Field == field)
        {
            return _fields[_at++].Value;
        }
        _bad = true;
        return "";
    }

    public string? OptionalText(string field) => _at < _fields.Count && _fields[_at].Field == field ? _fields[_at++].Value : null;

    public long Number(string field) => ParseNumber(Text(field));

    public long? OptionalNumber(string field) => OptionalText(field) is { } text ? ParseNumber(text) : null;

    public List<string> Repeated(string field)
    {
        var list = new List<string>();
        while (_at < _fields.Count && _fields[_at].Field == field)
        {
            list.Add(_fields[_at++].Value);
        }
        return list;
    }

    public Failure? End() => _bad || _at != _fields.Count ? new Failure("state-format", "unexpected fields") : null;

    private long ParseNumber(string text)
    {
        if (text.Length is 0 or > 19 || !text.All(char.IsAsciiDigit) || (text.Length > 1 && text[0] == '0')
            || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            _bad = true;
            return 0;
        }
        return n;
    }
}
