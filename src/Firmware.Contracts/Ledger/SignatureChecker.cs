using System.Collections.Concurrent;
using System.Text;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;

namespace Firmware.Contracts.Ledger;

/// <summary>
/// Checks the signatures that ledger entries carry, remembering keys and signatures it has already
/// verified. Verifying is a pure function of (text, signature, key), so remembering a success
/// changes no outcome; it lets a node verify a device checkpoint when the upload arrives (in
/// parallel) and again, for free, when the entry is appended in order. Thread-safe.
/// </summary>
public sealed class SignatureChecker
{
    private readonly int _capacity;
    private readonly ConcurrentDictionary<(string Name, string Key), NoteVerifierKey> _keys = new();
    private readonly ConcurrentDictionary<Hash32, bool> _verified = new();

    /// <summary>A checker remembering up to <paramref name="capacity"/> verified signatures.</summary>
    public SignatureChecker(int capacity = 65_536)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _capacity = capacity;
    }

    /// <summary>The verifier key for (<paramref name="name"/>, base64 SPKI <paramref name="publicKey"/>).</summary>
    /// <exception cref="ArgumentException">When the key is not a P-256 SPKI.</exception>
    public NoteVerifierKey Key(string name, string publicKey)
    {
        if (_keys.TryGetValue((name, publicKey), out var key))
        {
            return key;
        }
        if (_keys.Count >= 4096)
        {
            // Keys stay referenced by callers that hold them; dropping ours only costs a re-import.
            _keys.Clear();
        }
        key = NoteVerifierKey.FromSpki(name, Convert.FromBase64String(publicKey));
        return _keys.GetOrAdd((name, publicKey), key);
    }

    /// <summary>True when <paramref name="signature"/> is a valid signature by <paramref name="key"/> on <paramref name="note"/>'s text.</summary>
    public bool Verify(NoteVerifierKey key, SignedNote note, NoteSignature signature)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(note);
        ArgumentNullException.ThrowIfNull(signature);
        var text = Encoding.UTF8.GetBytes(note.Text);
        var id = CacheKey(text, signature.Signature.Span, key.PublicKey.Span);
        if (_verified.ContainsKey(id))
        {
            return true;
        }
        if (!key.Verify(text, signature.Signature.Span))
        {
            return false;
        }
        if (_capacity > 0)
        {
            if (_verified.Count >= _capacity)
            {
                _verified.Clear();
            }
            _verified.TryAdd(id, true);
        }
        return true;
    }

    /// <summary>
    /// Checks a device checkpoint note against the device's enrolled key: at least one signature
    /// line by the key named <c>edgetrace/device/&lt;id&gt;</c> with its key ID, and every such line valid.
    /// Signatures by other keys are ignored (a witness may have cosigned).
    /// </summary>
    public Result VerifyDevice(SignedNote note, string deviceId, string publicKey)
    {
        ArgumentNullException.ThrowIfNull(note);
        var key = Key(DeviceLogs.Origin(deviceId), publicKey);
        var found = false;
        foreach (var signature in note.Signatures)
        {
            if (signature.KeyName != key.Name || signature.KeyId != key.KeyId)
            {
                continue;
            }
            if (!Verify(key, note, signature))
            {
                return Result.Fail(LedgerFailures.BadSignature, $"the signature by device key '{key.Name}' ({key.KeyId:x8}) does not verify with the enrolled key: the checkpoint was altered or forged");
            }
            found = true;
        }
        return found
            ? Result.Ok
            : Result.Fail(LedgerFailures.BadSignature, $"the checkpoint carries no signature by the enrolled key of '{deviceId}' ({key.Name}, {key.KeyId:x8})");
    }

    /// <summary>
    /// Checks a member statement: every signature line must be by a member (name and key ID as
    /// <paramref name="members"/> knows them) and valid. Returns the distinct signers, at least one.
    /// </summary>
    public Result<IReadOnlyList<LedgerMember>> VerifyMembers(SignedNote note, Func<string, LedgerMember?> members)
    {
        ArgumentNullException.ThrowIfNull(note);
        ArgumentNullException.ThrowIfNull(members);
        var signers = new List<LedgerMember>();
        foreach (var signature in note.Signatures)
        {
            var member = members(signature.KeyName);
            if (member is null)
            {
                return Result<IReadOnlyList<LedgerMember>>.Fail(LedgerFailures.NotAMember, $"the statement is signed by '{signature.KeyName}', which is not a member");
            }
            var key = Key(member.Name, member.PublicKey);
            if (signature.KeyId != key.KeyId)
            {
                return Result<IReadOnlyList<LedgerMember>>.Fail(LedgerFailures.NotAMember, $"the signature of '{member.Name}' has key ID {signature.KeyId:x8}, but the member's key has {key.KeyId:x8}");
            }
            if (!Verify(key, note, signature))
            {
                return Result<IReadOnlyList<LedgerMember>>.Fail(LedgerFailures.BadSignature, $"the signature of member '{member.Name}' does not verify: the statement was altered or forged");
            }
            if (!signers.Any(s => s.Name == member.Name))
            {
                signers.Add(member);
            }
        }
        return signers.Count > 0
            ? signers
            : Result<IReadOnlyList<LedgerMember>>.Fail(LedgerFailures.NotAMember, "the statement carries no signature");
    }

    private static Hash32 CacheKey(ReadOnlySpan<byte> text, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> spki)
    {
        var buffer = new byte[Hash32.Length + 2 + signature.Length + spki.Length];
        Hash32.Sha256(text).CopyTo(buffer);
        buffer[Hash32.Length] = (byte)signature.Length;
        buffer[Hash32.Length + 1] = (byte)(signature.Length >> 8);
        signature.CopyTo(buffer.AsSpan(Hash32.Length + 2));
        spki.CopyTo(buffer.AsSpan(Hash32.Length + 2 + signature.Length));
        return Hash32.Sha256(buffer);
    }
}
