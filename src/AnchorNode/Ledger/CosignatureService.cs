using AnchorNode.Storage;
using Firmware.Contracts;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;

namespace AnchorNode.Ledger;

/// <summary>The checkpoint after cosignatures were added.</summary>
/// <param name="Size">Its ledger size.</param>
/// <param name="Note">The note with every signature gathered.</param>
/// <param name="Added">The members whose signatures were new.</param>
public sealed record CosignedCheckpoint(long Size, string Note, IReadOnlyList<string> Added);

/// <summary>
/// Adds other members' signatures to checkpoints this node signed. A cosignature is accepted only
/// on the exact text of a stored checkpoint, from a key the ledger lists as a member's, and only
/// when it verifies; so a cosignature needs no API key: it authenticates itself.
/// </summary>
public sealed class CosignatureService
{
    /// <summary>No stored checkpoint has this text.</summary>
    public const string UnknownCheckpoint = "unknown-checkpoint";

    private readonly SqliteLedgerSequencer _writer;
    private readonly SignatureChecker _signatures;

    /// <summary>Stores cosignatures through <paramref name="writer"/>.</summary>
    public CosignatureService(SqliteLedgerSequencer writer, SignatureChecker signatures)
    {
        _writer = writer;
        _signatures = signatures;
    }

    /// <summary>Merges the member signatures of <paramref name="note"/> into the stored checkpoint with the same text.</summary>
    public async Task<Result<CosignedCheckpoint>> AddAsync(string note, CancellationToken cancellationToken)
    {
        var parsed = SignedNote.Parse(note);
        if (!parsed.Succeeded)
        {
            return Result<CosignedCheckpoint>.Fail(LedgerFailures.EntryFormat, $"not a signed note: {parsed.Failure!.Message}");
        }
        var checkpoint = Checkpoint.ParseText(parsed.Value.Text);
        if (!checkpoint.Succeeded)
        {
            return Result<CosignedCheckpoint>.Fail(LedgerFailures.EntryFormat, $"not a checkpoint: {checkpoint.Failure!.Message}");
        }
        return await _writer.RunExclusiveAsync(context => Merge(context, parsed.Value, checkpoint.Value.Size), cancellationToken);
    }

    private Result<CosignedCheckpoint> Merge(LedgerWriteContext context, SignedNote submitted, long size)
    {
        var select = context.Command("SELECT note FROM checkpoints WHERE size = $size", "$size");
        select.Parameters[0].Value = size;
        if (select.ExecuteScalar() is not string storedText)
        {
            return Result<CosignedCheckpoint>.Fail(UnknownCheckpoint, $"this node signed no ledger checkpoint of size {size}");
        }
        var stored = SignedNote.Parse(storedText).Value;
        if (stored.Text != submitted.Text)
        {
            return Result<CosignedCheckpoint>.Fail(UnknownCheckpoint, $"the checkpoint text differs from the one this node signed at size {size}; cosign the exact text served at /v1/ledger/checkpoints/{size}");
        }
        var present = stored.Signatures.Select(s => s.ToLine()).ToHashSet(StringComparer.Ordinal);
        var fresh = submitted.Signatures.Where(s => !present.Contains(s.ToLine())).ToList();
        var signedBy = stored.Signatures.Select(s => s.KeyName).ToHashSet(StringComparer.Ordinal);
        var added = new List<string>();
        foreach (var signature in fresh)
        {
            var member = context.State.Member(signature.KeyName);
            if (member is null)
            {
                return Result<CosignedCheckpoint>.Fail(LedgerFailures.NotAMember, $"'{signature.KeyName}' is not a member of this consortium");
            }
            var key = _signatures.Key(member.Name, member.PublicKey);
            if (key.KeyId != signature.KeyId)
            {
                return Result<CosignedCheckpoint>.Fail(LedgerFailures.NotAMember, $"the signature of '{member.Name}' has key ID {signature.KeyId:x8}, the member's key has {key.KeyId:x8}");
            }
            if (!_signatures.Verify(key, stored, signature))
            {
                return Result<CosignedCheckpoint>.Fail(LedgerFailures.BadSignature, $"the signature of '{member.Name}' does not verify on the checkpoint of size {size}");
            }
            if (signedBy.Add(member.Name))
            {
                added.Add(member.Name);
            }
        }
        if (added.Count == 0)
        {
            return new CosignedCheckpoint(size, storedText, []);
        }
        var merged = SignedNote.Parse(stored.ToString()).Value;
        foreach (var signature in fresh.Where(s => added.Contains(s.KeyName)).GroupBy(s => s.KeyName).Select(g => g.First()))
        {
            merged = merged.Merge(SignedNote.Parse(stored.Text + "\n" + signature.ToLine() + "\n").Value);
        }
        var update = context.Command("UPDATE checkpoints SET note = $note, signatures = $count WHERE size = $size", "$note", "$count", "$size");
        update.Parameters[0].Value = merged.ToString();
        update.Parameters[1].Value = merged.Signatures.Count;
        update.Parameters[2].Value = size;
        update.ExecuteNonQuery();
        return new CosignedCheckpoint(size, merged.ToString(), added);
    }
}
