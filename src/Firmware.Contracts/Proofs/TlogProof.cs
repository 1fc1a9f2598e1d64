using System.Globalization;
using System.Text;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;

namespace Firmware.Contracts.Proofs;

/// <summary>
/// A C2SP tlog-proof (<c>c2sp.org/tlog-proof@v1</c>): an entry's index, its RFC 9162 inclusion
/// path, optional unauthenticated extra data, and the signed checkpoint it is proven against.
/// Offline-verifiable with the log's and cosigners' public keys alone.
/// </summary>
public sealed class TlogProof
{
    /// <summary>The first line of every proof.</summary>
    public const string Header = "c2sp.org/tlog-proof@v1";

    /// <summary>Conventional file extension.</summary>
    public const string FileExtension = ".tlog-proof";

    private readonly byte[]? _extra;

    /// <summary>A proof that entry <paramref name="index"/> is in the tree of <paramref name="checkpoint"/>.</summary>
    public TlogProof(long index, IReadOnlyList<Hash32> path, SignedNote checkpoint, ReadOnlySpan<byte> extra = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentNullException.ThrowIfNull(checkpoint);
        Index = index;
        Path = path;
        Checkpoint = checkpoint;
        _extra = extra.IsEmpty ? null : extra.ToArray();
    }

    /// <summary>Zero-based index of the entry in the log.</summary>
    public long Index { get; }

    /// <summary>The inclusion path, from the leaf's sibling up to the root's child.</summary>
    public IReadOnlyList<Hash32> Path { get; }

    /// <summary>The signed checkpoint (unverified until <see cref="Verify"/>).</summary>
    public SignedNote Checkpoint { get; }

    /// <summary>Opaque, unauthenticated extra data, when present.</summary>
    public ReadOnlyMemory<byte>? Extra => _extra;

    /// <summary>The proof in its text form.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(Header).Append('\n');
        if (_extra is not null)
        {
            sb.Append("extra ").Append(Convert.ToBase64String(_extra)).Append('\n');
        }
        sb.Append("index ").Append(Index.ToString(CultureInfo.InvariantCulture)).Append('\n');
        foreach (var hash in Path)
        {
            sb.Append(hash.ToBase64()).Append('\n');
        }
        sb.Append('\n').Append(Checkpoint.ToString());
        return sb.ToString();
    }

    /// <summary>Parses a proof's text form. Checks the form, not the proof.</summary>
    public static Result<TlogProof> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var blank = text.IndexOf("\n\n", StringComparison.Ordinal);
        if (blank < 0)
        {
            return Result<TlogProof>.Fail("proof-format", "a tlog-proof has a blank line before its checkpoint");
        }
        var head = text[..blank].Split('\n');
        var i = 0;
        if (head[i++] != Header)
        {
            return Result<TlogProof>.Fail("proof-format", $"the first line must be '{Header}'");
        }
        byte[]? extra = null;
        if (i < head.Length && head[i].StartsWith("extra ", StringComparison.Ordinal))
        {
            try
            {
                extra = Convert.FromBase64String(head[i][6..]);
                if (extra.Length == 0 || Convert.ToBase64String(extra) != head[i][6..])
                {
                    return Result<TlogProof>.Fail("proof-format", "the extra line must be the canonical base64 of at least one byte");
                }
            }
            catch (FormatException)
            {
                return Result<TlogProof>.Fail("proof-format", "the extra line is not valid base64");
            }
            i++;
        }
        if (i >= head.Length || !head[i].StartsWith("index ", StringComparison.Ordinal))
        {
            return Result<TlogProof>.Fail("proof-format", "expected an 'index N' line");
        }
        var indexText = head[i++][6..];
        if (indexText.Length == 0 || !indexText.All(char.IsAsciiDigit) || (indexText.Length > 1 && indexText[0] == '0')
            || !long.TryParse(indexText, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return Result<TlogProof>.Fail("proof-format", $"index '{indexText}' is not a decimal number without leading zeros");
        }
        var path = new List<Hash32>();
        for (; i < head.Length; i++)
        {
            // Canonical base64 only (unused low bits zero), so that one proof has one text form.
            if (!Hash32.TryFromBase64(head[i], out var hash) || hash.ToBase64() != head[i])
            {
                return Result<TlogProof>.Fail("proof-format", $"path line {path.Count + 1} is not the canonical base64 of a 32-byte hash");
            }
            path.Add(hash);
        }
        if (path.Count > 64)
        {
            return Result<TlogProof>.Fail("proof-format", $"an inclusion path has at most 64 hashes, got {path.Count}");
        }
        var note = SignedNote.Parse(text[(blank + 2)..]);
        if (!note.Succeeded)
        {
            return Result<TlogProof>.Fail(note.Failure!.Code, $"checkpoint: {note.Failure.Message}");
        }
        return new TlogProof(index, path, note.Value, extra);
    }

    /// <summary>
    /// Verifies the checkpoint under <paramref name="policy"/> (and origin, when given) and then
    /// that the entry with <paramref name="leafHash"/> is at <see cref="Index"/> in its tree.
    /// Returns the checkpoint only when both hold.
    /// </summary>
    public Result<VerifiedCheckpoint> Verify(TrustPolicy policy, in Hash32 leafHash, string? expectedOrigin = null)
    {
        var checkpoint = CheckpointVerifier.Verify(Checkpoint, policy, expectedOrigin);
        if (!checkpoint.Succeeded)
        {
            return checkpoint.Failure!;
        }
        var cp = checkpoint.Value.Checkpoint;
        var inclusion = MerkleVerifier.VerifyInclusion(Index, cp.Size, leafHash, Path.ToArray(), cp.Root);
        if (!inclusion.Succeeded)
        {
            return Result<VerifiedCheckpoint>.Fail(inclusion.Failure!.Code, $"entry {Index} in {cp.Origin} at size {cp.Size}: {inclusion.Failure.Message}");
        }
        return checkpoint.Value;
    }
}
