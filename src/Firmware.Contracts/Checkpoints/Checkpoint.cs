using System.Globalization;
using System.Text;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Notes;

namespace Firmware.Contracts.Checkpoints;

/// <summary>
/// A C2SP tlog-checkpoint body: origin, tree size, base64 root hash, then optional extension
/// lines. EdgeTrace writes one extension, <c>time &lt;unix-ms&gt;</c>, the signer's clock when it
/// sealed the checkpoint.
/// </summary>
public sealed record Checkpoint
{
    /// <summary>A checkpoint for (<paramref name="origin"/>, <paramref name="size"/>, <paramref name="root"/>).</summary>
    public Checkpoint(string origin, long size, Hash32 root, IReadOnlyList<string>? extensions = null)
    {
        if (!IsValidOrigin(origin))
        {
            throw new ArgumentException($"origin '{origin}' must be non-empty, without spaces, '+' or control characters", nameof(origin));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        var ext = extensions ?? [];
        foreach (var line in ext)
        {
            if (string.IsNullOrEmpty(line) || line.Any(ch => ch < 0x20))
            {
                throw new ArgumentException("extension lines are non-empty and have no control characters", nameof(extensions));
            }
        }
        Origin = origin;
        Size = size;
        Root = root;
        Extensions = ext;
    }

    /// <summary>The log's identity.</summary>
    public string Origin { get; }

    /// <summary>The number of leaves.</summary>
    public long Size { get; }

    /// <summary>The RFC 9162 root of the first <see cref="Size"/> leaves.</summary>
    public Hash32 Root { get; }

    /// <summary>Extension lines, in order.</summary>
    public IReadOnlyList<string> Extensions { get; }

    /// <summary>The <c>time</c> extension in Unix milliseconds, if present.</summary>
    public long? TimeMs =>
        Extensions.Where(e => e.StartsWith("time ", StringComparison.Ordinal))
            .Select(e => long.TryParse(e.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? ms : (long?)null)
            .FirstOrDefault();

    /// <summary>The extension line that records a time.</summary>
    public static string TimeExtension(long unixMs) => string.Create(CultureInfo.InvariantCulture, $"time {unixMs}");

    /// <summary>The extension line of a ledger checkpoint that commits to the ledger state map's root.</summary>
    public static string StateExtension(Hash32 stateRoot) => "state " + stateRoot.ToBase64();

    /// <summary>The root of the <c>state</c> extension, if present and well-formed.</summary>
    public Hash32? StateRoot =>
        Extensions.Where(e => e.StartsWith("state ", StringComparison.Ordinal))
            .Select(e => Hash32.TryFromBase64(e[6..], out var root) ? root : (Hash32?)null)
            .FirstOrDefault();

    /// <summary>
    /// Whether the extension lines are exactly those of a ledger checkpoint: <c>time &lt;unix ms&gt;</c>
    /// (decimal, no leading zeros), then <c>state &lt;base64 root&gt;</c> (canonical); null when they are, else why not.
    /// </summary>
    public string? LedgerExtensionProblem()
    {
        if (Extensions.Count != 2)
        {
            return $"a ledger checkpoint has exactly two extension lines ('time <unix ms>', then 'state <base64 root>'), this one {Extensions.Count}";
        }
        var time = Extensions[0];
        if (!time.StartsWith("time ", StringComparison.Ordinal) || TimeMs is not { } ms || TimeExtension(ms) != time)
        {
            return $"the first extension line must be 'time <unix ms>' without leading zeros, got '{time}'";
        }
        if (StateRoot is not { } root || StateExtension(root) != Extensions[1])
        {
            return $"the second extension line must be 'state <base64 SHA-256>' in canonical base64, got '{Extensions[1]}'";
        }
        return null;
    }

    /// <summary>The note text: each line followed by a newline.</summary>
    public string ToNoteText()
    {
        var sb = new StringBuilder();
        sb.Append(Origin).Append('\n')
            .Append(Size.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append(Root.ToBase64()).Append('\n');
        foreach (var line in Extensions)
        {
            sb.Append(line).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Signs the checkpoint with each signer (the log's key first).</summary>
    public SignedNote Sign(params IEnumerable<INoteSigner> signers) => SignedNote.Sign(ToNoteText(), signers);

    /// <summary>Parses a checkpoint body (note text). Does not verify anything.</summary>
    public static Result<Checkpoint> ParseText(string text)
    {
        if (!text.EndsWith('\n'))
        {
            return Result<Checkpoint>.Fail("checkpoint-format", "a checkpoint body ends with a newline");
        }
        var lines = text[..^1].Split('\n');
        if (lines.Length < 3)
        {
            return Result<Checkpoint>.Fail("checkpoint-format", $"a checkpoint has an origin, a size and a root hash line; got {lines.Length} line(s)");
        }
        var origin = lines[0];
        if (!IsValidOrigin(origin))
        {
            return Result<Checkpoint>.Fail("checkpoint-format", $"origin line '{origin}' is empty or has spaces, '+' or control characters");
        }
        var sizeText = lines[1];
        if (sizeText.Length == 0 || sizeText.Length > 19 || !sizeText.All(char.IsAsciiDigit) || (sizeText.Length > 1 && sizeText[0] == '0')
            || !long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out var size))
        {
            return Result<Checkpoint>.Fail("checkpoint-format", $"size line '{sizeText}' is not a decimal number without leading zeros");
        }
        if (!Hash32.TryFromBase64(lines[2], out var root))
        {
            return Result<Checkpoint>.Fail("checkpoint-format", $"root line '{lines[2]}' is not the base64 of 32 bytes");
        }
        var extensions = lines[3..];
        if (extensions.Any(line => string.IsNullOrEmpty(line) || line.Any(ch => ch < 0x20)))
        {
            return Result<Checkpoint>.Fail("checkpoint-format", "extension lines must be non-empty, without control characters");
        }
        return new Checkpoint(origin, size, root, extensions);
    }

    private static bool IsValidOrigin(string? origin) =>
        !string.IsNullOrEmpty(origin) && origin.Length <= 256 && !origin.Any(ch => char.IsWhiteSpace(ch) || ch == '+' || char.IsControl(ch));
}

/// <summary>A checkpoint whose note met a trust policy. Only <see cref="CheckpointVerifier"/> makes one.</summary>
public sealed class VerifiedCheckpoint
{
    internal VerifiedCheckpoint(Checkpoint checkpoint, VerifiedNote note)
    {
        Checkpoint = checkpoint;
        Note = note;
    }

    /// <summary>The checkpoint.</summary>
    public Checkpoint Checkpoint { get; }

    /// <summary>The verified note carrying it.</summary>
    public VerifiedNote Note { get; }

    /// <summary>Names of the trusted keys that signed it.</summary>
    public IReadOnlyList<string> Signers => Note.Signers;
}

/// <summary>Verifies a signed checkpoint: signatures first, then the body, then the origin.</summary>
public static class CheckpointVerifier
{
    /// <summary>
    /// Verifies <paramref name="note"/> under <paramref name="policy"/> and, when
    /// <paramref name="expectedOrigin"/> is given, that the checkpoint is for that log.
    /// </summary>
    public static Result<VerifiedCheckpoint> Verify(string note, TrustPolicy policy, string? expectedOrigin = null)
    {
        var parsed = SignedNote.Parse(note);
        return parsed.Succeeded ? Verify(parsed.Value, policy, expectedOrigin) : parsed.Failure!;
    }

    /// <inheritdoc cref="Verify(string, TrustPolicy, string?)"/>
    public static Result<VerifiedCheckpoint> Verify(SignedNote note, TrustPolicy policy, string? expectedOrigin = null)
    {
        var verified = NoteVerifier.Verify(note, policy);
        if (!verified.Succeeded)
        {
            return verified.Failure!;
        }
        var checkpoint = Checkpoint.ParseText(verified.Value.Text);
        if (!checkpoint.Succeeded)
        {
            return checkpoint.Failure!;
        }
        if (expectedOrigin is not null && !string.Equals(checkpoint.Value.Origin, expectedOrigin, StringComparison.Ordinal))
        {
            return Result<VerifiedCheckpoint>.Fail("origin-mismatch", $"the checkpoint is for log '{checkpoint.Value.Origin}', expected '{expectedOrigin}'");
        }
        return new VerifiedCheckpoint(checkpoint.Value, verified.Value);
    }
}
