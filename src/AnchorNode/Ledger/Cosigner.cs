using System.Net.Http.Json;
using AnchorNode.Endpoints;
using AnchorNode.Hosting;
using Firmware.Contracts;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;

namespace AnchorNode.Ledger;

/// <summary>What a cosigning round did.</summary>
/// <param name="Size">The ledger size cosigned.</param>
/// <param name="Replayed">Entries replayed into the replica this round.</param>
/// <param name="Signers">The members whose signatures the checkpoint now carries.</param>
public sealed record CosignReport(long Size, long Replayed, IReadOnlyList<string> Signers);

/// <summary>
/// Another member's side of cosigning. It keeps its own replica of the ledger (the same database
/// and rules as a node, in its own data folder), replays every entry it has not seen through the
/// rules, and signs the node's latest checkpoint only when the replica's root at that size is the
/// checkpoint's root. A replica that rejects an entry, or disagrees on a root, refuses to sign and
/// says which entry. So a member's cosignature means: every entry up to here is valid and this is
/// the only history this member has signed for.
/// </summary>
public sealed class Cosigner
{
    private const int Page = 500;

    private readonly NodeRuntime _replica;
    private readonly HttpClient _node;

    /// <summary>Cosigns as <paramref name="replica"/>'s member, reading from <paramref name="node"/> (base address set; an API key in its default headers for the entries).</summary>
    public Cosigner(NodeRuntime replica, HttpClient node)
    {
        _replica = replica;
        _node = node;
    }

    /// <summary>Replays up to the node's latest checkpoint and cosigns it.</summary>
    public async Task<Result<CosignReport>> CosignLatestAsync(CancellationToken cancellationToken)
    {
        var text = await _node.GetStringAsync(new Uri("v1/ledger/checkpoint", UriKind.Relative), cancellationToken);
        var note = SignedNote.Parse(text);
        if (!note.Succeeded)
        {
            return Result<CosignReport>.Fail(LedgerFailures.EntryFormat, $"the node's checkpoint is not a signed note: {note.Failure!.Message}");
        }
        var checkpoint = Checkpoint.ParseText(note.Value.Text);
        if (!checkpoint.Succeeded || checkpoint.Value.Origin != _replica.Config.Origin)
        {
            return Result<CosignReport>.Fail(LedgerFailures.WrongConsortium, $"the node serves a checkpoint of '{(checkpoint.Succeeded ? checkpoint.Value.Origin : "?")}', this member belongs to '{_replica.Config.Origin}'");
        }
        var size = checkpoint.Value.Size;

        long replayed = 0;
        long have;
        using (var lease = _replica.Readers.Rent())
        {
            have = lease.Reader.LedgerSize;
        }
        while (have < size)
        {
            var page = await _node.GetFromJsonAsync(new Uri($"v1/ledger/entries?from={have}&count={Math.Min(Page, size - have)}", UriKind.Relative),
                NodeJsonContext.Default.EntriesView, cancellationToken);
            if (page is null || page.Entries.Count == 0 || page.Entries[0].Index != have)
            {
                return Result<CosignReport>.Fail("replica-gap", $"the node did not serve entry {have}; not cosigning");
            }
            foreach (var item in page.Entries)
            {
                if (item.Index != have || have >= size)
                {
                    break;
                }
                var appended = await _replica.Sequencer.AppendAsync(new LedgerProposal(Convert.FromBase64String(item.Entry)), cancellationToken);
                if (!appended.Succeeded)
                {
                    return Result<CosignReport>.Fail(appended.Failure!.Code, $"entry {item.Index} ({item.Kind}) breaks the ledger rules on replay, so the ledger is not cosigned: {appended.Failure.Message}");
                }
                have++;
                replayed++;
            }
        }

        var signed = await _replica.Sequencer.RunExclusiveAsync(context =>
        {
            var tree = context.Ledger.Reader;
            var root = tree.Root(size);
            if (root != checkpoint.Value.Root)
            {
                return Result<SignedNote>.Fail("root-mismatch", $"the replica's root at size {size} is {root.ToBase64()}, the node's checkpoint says {checkpoint.Value.Root.ToBase64()}; not cosigning");
            }
            var members = context.State.Member(_replica.Config.Member);
            if (members is null || members.PublicKey != Convert.ToBase64String(_replica.Member.PublicKey.Span))
            {
                return Result<SignedNote>.Fail(LedgerFailures.NotAMember, $"the ledger does not list '{_replica.Config.Member}' with this data folder's key; not cosigning");
            }
            _replica.Guard.Check(size, tree);
            _replica.Guard.Record(size, root);
            return note.Value.WithSignature(_replica.Member);
        }, cancellationToken);
        if (!signed.Succeeded)
        {
            return signed.Failure!;
        }

        using var response = await _node.PostAsync(new Uri("v1/ledger/cosignatures", UriKind.Relative),
            new StringContent(signed.Value.ToString(), System.Text.Encoding.UTF8, "text/plain"), cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return Result<CosignReport>.Fail("cosign-refused", $"the node refused the cosignature ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
        var view = await response.Content.ReadFromJsonAsync(NodeJsonContext.Default.CosignView, cancellationToken);
        var signers = SignedNote.Parse(view!.Note).Value.Signatures.Select(s => s.KeyName).Distinct(StringComparer.Ordinal).ToList();
        return new CosignReport(size, replayed, signers);
    }
}
