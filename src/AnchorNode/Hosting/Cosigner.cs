using AnchorNode.Hosting;
using System.Net.Http.Json;
using AnchorNode.Endpoints;
using AnchorNode.Ledger;
using AnchorNode.Runtime;
using AnchorNode.Storage;
using Firmware.Contracts;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;

namespace AnchorNode.Hosting;

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

    /// <summary>The failure code when the node's state root is not the replica's.</summary>
    public const string StateMismatch = "state-mismatch";

    private readonly NodeRuntime _replica;
    private readonly HttpClient _node;
    private readonly TimeProvider _time;

    /// <summary>Cosigns as <paramref name="replica"/>'s member, reading from <paramref name="node"/> (base address set; an API key in its default headers for the entries).</summary>
    public Cosigner(NodeRuntime replica, HttpClient node)
    {
        _replica = replica;
        _node = node;
        _time = replica.Time;
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
                // The replica's writer never checkpoints its log itself, as the node's does not; a
                // long replay would otherwise grow it without bound.
                _replica.Wal.CheckpointIfLarge();
            }
        }

        if (checkpoint.Value.LedgerExtensionProblem() is { } extensions)
        {
            return Result<CosignReport>.Fail("checkpoint-format", $"the node's checkpoint of size {size}: {extensions}; not cosigning");
        }
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (checkpoint.Value.TimeMs > now + Firmware.Contracts.Uplink.ProblemTypes.MaxClockSkewMs)
        {
            return Result<CosignReport>.Fail("time-ahead", $"the node's checkpoint of size {size} is dated {EvidenceVerifier.Iso(checkpoint.Value.TimeMs!.Value)}, ahead of this member's clock ({EvidenceVerifier.Iso(now)}); not cosigning a time that has not come");
        }
        var stateRoot = checkpoint.Value.StateRoot!.Value;
        IReadOnlyList<StateEntry>? replicaState = null;
        var signed = await _replica.Sequencer.RunExclusiveAsync(context =>
        {
            var tree = context.Ledger.Reader;
            if (context.State.Size != size)
            {
                return Result<SignedNote>.Fail("replica-ahead", $"the replica holds {context.State.Size} entries, the node's latest checkpoint is for {size}; not cosigning an older checkpoint");
            }
            var root = tree.Root(size);
            if (root != checkpoint.Value.Root)
            {
                return Result<SignedNote>.Fail("root-mismatch", $"the replica's root at size {size} is {root.ToBase64()}, the node's checkpoint says {checkpoint.Value.Root.ToBase64()}; not cosigning");
            }
            replicaState = LedgerStateMap.Entries(context.State);
            if (LedgerStateMap.Tree(replicaState).Root != stateRoot)
            {
                return Result<SignedNote>.Fail(StateMismatch, "");
            }
            var members = context.State.Member(_replica.Config.Member);
            if (members is null || members.PublicKey != Convert.ToBase64String(_replica.Member.PublicKey.Span))
            {
                return Result<SignedNote>.Fail(LedgerFailures.NotAMember, $"the ledger does not list '{_replica.Config.Member}' with this data folder's key; not cosigning");
            }
            _replica.Guard.Check(size, tree);
            _replica.Guard.Record(size, root);
            var cosigned = note.Value.WithSignature(_replica.Member);
            KeepCosigned(context, size, root, checkpoint.Value.TimeMs!.Value, cosigned, replicaState);
            return cosigned;
        }, cancellationToken);
        if (!signed.Succeeded)
        {
            return signed.Failure!.Code == StateMismatch ? await StateDifferenceAsync(size, stateRoot, replicaState!, cancellationToken) : signed.Failure!;
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

    // The replica keeps each checkpoint its member signed, with the state map it recomputed for it:
    // 'AnchorNode verify' on the replica's folder then checks every one against its own replay, and
    // the member holds its own record of what it vouched for.
    private static void KeepCosigned(LedgerWriteContext context, long size, Hash32 root, long timeMs, SignedNote note, IReadOnlyList<StateEntry> state)
    {
        var previous = StateValues.At(context.Connection, size).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        StateValues.Record(context.Connection, size, state, previous);
        var insert = context.Command("""
            INSERT INTO checkpoints (size, root, time_ms, note, signatures) VALUES ($size, $root, $time, $note, $count)
            ON CONFLICT (size) DO UPDATE SET note = excluded.note, signatures = excluded.signatures
            WHERE checkpoints.root = excluded.root AND excluded.signatures > checkpoints.signatures
            """, "$size", "$root", "$time", "$note", "$count");
        insert.Parameters[0].Value = size;
        insert.Parameters[1].Value = root.Bytes.ToArray();
        insert.Parameters[2].Value = timeMs;
        insert.Parameters[3].Value = note.ToString();
        insert.Parameters[4].Value = note.Signatures.Select(s => s.KeyName).Distinct(StringComparer.Ordinal).Count();
        insert.ExecuteNonQuery();
    }

    // Which key the node's state differs in: the node lists its map; the first key (ordinal) whose
    // value is not the replica's is named, so an operator can see what went wrong where.
    private async Task<Result<CosignReport>> StateDifferenceAsync(long size, Hash32 stateRoot, IReadOnlyList<StateEntry> mine, CancellationToken cancellationToken)
    {
        var prefix = $"the node's checkpoint of size {size} commits to state root {stateRoot.ToBase64()}, the replica computes {LedgerStateMap.Tree(mine).Root.ToBase64()}; not cosigning";
        StateView? theirs;
        try
        {
            theirs = await _node.GetFromJsonAsync(new Uri($"v1/ledger/state?size={size}", UriKind.Relative), NodeJsonContext.Default.StateView, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            return Result<CosignReport>.Fail(StateMismatch, $"{prefix} (the node's state listing could not be read: {e.Message})");
        }
        var node = (theirs?.Entries ?? []).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        var replica = mine.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        var key = node.Keys.Union(replica.Keys).Order(StringComparer.Ordinal)
            .FirstOrDefault(k => !node.TryGetValue(k, out var a) || !replica.TryGetValue(k, out var b) || a != b);
        if (key is null)
        {
            return Result<CosignReport>.Fail(StateMismatch, $"{prefix}; the node lists the same values as the replica, so its root is computed wrongly");
        }
        static string Show(string? v) => v is null ? "absent" : $"'{v.Replace('\n', ';')}'";
        return Result<CosignReport>.Fail(StateMismatch,
            $"{prefix}: key '{key}' differs: the node has {Show(node.GetValueOrDefault(key))}, the replica {Show(replica.GetValueOrDefault(key))}");
    }
}
