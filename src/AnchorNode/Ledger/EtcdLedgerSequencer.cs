using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Threading.Channels;
using AnchorNode.Configuration;
using AnchorNode.Storage;
using Etcdserverpb;
using Firmware.Contracts;
using Firmware.Contracts.Ledger;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace AnchorNode.Ledger;

/// <summary>How far this node's store is behind the consortium's order.</summary>
/// <param name="Applied">Entries applied into this node's store.</param>
/// <param name="Ordered">Entries etcd held when this node last looked.</param>
/// <param name="Endpoint">The etcd member this node talks to now.</param>
/// <param name="Halted">Why applying stopped, or null while it runs.</param>
/// <param name="LastError">The last error talking to etcd, or null.</param>
public sealed record ConsortiumOrderStatus(long Applied, long Ordered, string Endpoint, string? Halted, string? LastError);

/// <summary>
/// The ordering port over the consortium's etcd cluster (docs/spec-ledger.md §6). A proposal is
/// checked by the rules against this node's store at etcd's last index, then appended with a
/// transaction that compares that index (compare-and-swap) and retried when another member got
/// there first. Every member node, this one included, applies etcd's sequence in order into its own
/// store through the local writer (<see cref="SqliteLedgerSequencer"/>), so an append is answered
/// once its entry is in etcd's committed sequence and applied here with its local data (the device
/// leaves of an anchor). Checkpoints are sealed and cosigned through etcd as well.
/// </summary>
public sealed partial class EtcdLedgerSequencer : ILedgerSequencer, IAsyncDisposable
{
    // etcd refuses a transaction of more than 128 operations by default (--max-txn-ops) and a request
    // over 1.5 MiB (--max-request-bytes).
    private const int MaxBatch = 100;
    private const int MaxBatchBytes = 1 << 20;
    private const int PageSize = 512;

    private readonly EtcdCluster _etcd;
    private readonly SqliteLedgerSequencer _writer;
    private readonly NodeReaders _readers;
    private readonly LedgerCheckpointer _checkpointer;
    private readonly CosignatureService _cosignatures;
    private readonly string _member;
    private readonly string _origin;
    private readonly SignatureChecker _signatures;
    private readonly IReadOnlyList<ILedgerPeer> _peers;
    private readonly TimeProvider _time;
    private readonly EtcdSettings _settings;
    private readonly ILogger _logger;
    private readonly Channel<Pending> _proposals = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, Pending> _inFlight = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Task _proposer;
    private readonly Task _applier;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _applied;
    private long _ordered;
    private long _revision;
    private string? _halted;
    private string? _lastError;

    /// <summary>Connects to the cluster <paramref name="settings"/> names and starts applying its order into <paramref name="writer"/>'s store.</summary>
    public EtcdLedgerSequencer(EtcdSettings settings, string consortium, SqliteLedgerSequencer writer, NodeReaders readers, LedgerCheckpointer checkpointer,
        CosignatureService cosignatures, SignatureChecker signatures, string member, IReadOnlyList<ILedgerPeer> peers, TimeProvider time, ILogger<EtcdLedgerSequencer> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _settings = settings;
        _etcd = new EtcdCluster(settings, settings.PrefixFor(consortium));
        _writer = writer;
        _readers = readers;
        _checkpointer = checkpointer;
        _cosignatures = cosignatures;
        _member = member;
        _origin = LedgerNames.Origin(consortium);
        _signatures = signatures;
        _peers = peers;
        _time = time;
        _logger = logger;
        using (var lease = readers.Rent())
        {
            _applied = lease.Reader.LedgerSize;
            _revision = lease.Reader.Meta(RevisionKey) is { } stored ? long.Parse(stored, System.Globalization.CultureInfo.InvariantCulture) : 0;
        }
        _proposer = Task.Run(ProposeLoopAsync);
        _applier = Task.Run(ApplyLoopAsync);
    }

    /// <summary>The meta row holding the etcd revision this node has applied everything up to.</summary>
    public const string RevisionKey = "etcd_revision";

    /// <summary>Where this node stands.</summary>
    public ConsortiumOrderStatus Status => new(Interlocked.Read(ref _applied), Interlocked.Read(ref _ordered), _etcd.Current, _halted, _lastError);

    /// <inheritdoc/>
    public async Task<Result<AppendedEntry>> AppendAsync(LedgerProposal proposal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        var pending = new Pending(proposal);
        if (!_proposals.Writer.TryWrite(pending))
        {
            throw new ObjectDisposedException(nameof(EtcdLedgerSequencer), "the ledger writer has stopped");
        }
        try
        {
            return await pending.Completion.Task.WaitAsync(TimeSpan.FromMilliseconds(_settings.AppendTimeoutMs * 2L), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new LedgerUnavailableException($"the entry was not applied on this node within {_settings.AppendTimeoutMs * 2L} ms; whether it was ordered is unknown, ask again", e);
        }
    }

    /// <summary>Called after this node applied entries other members proposed (e.g. to pull the leaves of their anchors).</summary>
    public Action? AppliedFromOthers { get; set; }

    /// <summary>Waits until this node's store holds every entry etcd held when the call was made.</summary>
    public async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        try
        {
            await WaitAppliedAsync(await _etcd.SizeAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (EtcdUnavailableException)
        {
            // Without etcd this node answers from what it has.
        }
    }

    /// <summary>Waits until this node's store holds at least <paramref name="size"/> entries.</summary>
    public async Task WaitAppliedAsync(long size, CancellationToken cancellationToken)
    {
        while (Interlocked.Read(ref _applied) < size)
        {
            if (_halted is { } halted)
            {
                throw new LedgerUnavailableException($"this node stopped applying the consortium's order, so it appends nothing: {halted}");
            }
            var progress = Volatile.Read(ref _progress).Task;
            if (Interlocked.Read(ref _applied) >= size)
            {
                break;
            }
            Wake();
            await progress.WaitAsync(TimeSpan.FromMilliseconds(_settings.PollIntervalMs * 4), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Seals a checkpoint of the consortium's ledger at its current size, when this node has applied
    /// all of it and that size has no seal yet: the seal carries the time every member signs, so all
    /// members sign the same checkpoint text (docs/spec-ledger.md §6). True when this call sealed.
    /// </summary>
    private async Task<bool> SealIfGrownAsync(CancellationToken cancellationToken)
    {
        var size = await _etcd.SizeAsync(cancellationToken).ConfigureAwait(false);
        if (size == 0 || Interlocked.Read(ref _applied) != size)
        {
            Wake();
            return false;
        }
        var last = LatestCheckpoint();
        if (last is { } checkpoint && checkpoint.Size >= size)
        {
            return false;
        }
        var time = Math.Max(_time.GetUtcNow().ToUnixTimeMilliseconds(), last?.TimeMs ?? 0);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = ByteString.CopyFromUtf8(_etcd.Keys.Size), Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal, Value = EtcdLedgerKeys.NumberValue(size) });
        txn.Compare.Add(new Compare { Key = ByteString.CopyFromUtf8(_etcd.Keys.Seal(size)), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(_etcd.Keys.Seal(size)), Value = EtcdLedgerKeys.NumberValue(time) } });
        var response = await _etcd.TxnAsync(txn, cancellationToken).ConfigureAwait(false);
        Wake();
        return response.Succeeded;
    }

    /// <summary>
    /// Seals the consortium's ledger at its current size (unless a seal covers it already) and waits
    /// until this node has signed the sealed checkpoint; returns it, or null when this node's latest
    /// checkpoint already covered the whole order.
    /// </summary>
    public async Task<StoredCheckpoint?> SealAndSignAsync(CancellationToken cancellationToken)
    {
        var size = await _etcd.SizeAsync(cancellationToken).ConfigureAwait(false);
        await WaitAppliedAsync(size, cancellationToken).ConfigureAwait(false);
        if (size == 0 || LatestCheckpoint() is { } covered && covered.Size >= size)
        {
            return null;
        }
        var deadline = _time.GetUtcNow() + TimeSpan.FromMilliseconds(_settings.AppendTimeoutMs);
        while (true)
        {
            await SealIfGrownAsync(cancellationToken).ConfigureAwait(false);
            if (LatestCheckpoint() is { } signed && signed.Size >= size)
            {
                await TrimAsync(cancellationToken).ConfigureAwait(false);
                return signed;
            }
            if (_halted is { } halted)
            {
                throw new InvalidOperationException($"this node stopped applying the consortium's order: {halted}");
            }
            if (_time.GetUtcNow() > deadline)
            {
                throw new InvalidOperationException($"no checkpoint of size {size} was sealed and signed here within {_settings.AppendTimeoutMs} ms");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(50, _settings.PollIntervalMs)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deletes from etcd the entries (and seals and signature lines) below the newest checkpoint that
    /// a quorum of members signed and that leaves at least <c>keepEntries</c> entries in etcd; every
    /// node keeps them in its store. Returns the new floor, or null when nothing was deleted.
    /// </summary>
    public async Task<long?> TrimAsync(CancellationToken cancellationToken)
    {
        if (_settings.KeepEntries <= 0)
        {
            return null;
        }
        var size = await _etcd.SizeAsync(cancellationToken).ConfigureAwait(false);
        long floor;
        int quorum;
        long? target;
        using (var lease = _readers.Rent())
        {
            quorum = Math.Max(1, lease.Reader.State.Quorum);
            target = lease.Reader.LatestSignedBy(size - _settings.KeepEntries, quorum)?.Size;
        }
        floor = EtcdLedgerKeys.ParseNumber(await _etcd.GetAsync(_etcd.Keys.Trimmed, cancellationToken).ConfigureAwait(false));
        if (target is not { } trimTo || trimTo <= floor)
        {
            return null;
        }
        var txn = new TxnRequest();
        txn.Compare.Add(floor == 0
            ? new Compare { Key = ByteString.CopyFromUtf8(_etcd.Keys.Trimmed), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 }
            : new Compare { Key = ByteString.CopyFromUtf8(_etcd.Keys.Trimmed), Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal, Value = EtcdLedgerKeys.NumberValue(floor) });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(_etcd.Keys.Trimmed), Value = EtcdLedgerKeys.NumberValue(trimTo) } });
        txn.Success.Add(Delete(_etcd.Keys.Entry(floor), _etcd.Keys.Entry(trimTo)));
        txn.Success.Add(Delete(_etcd.Keys.Seal(0), _etcd.Keys.Seal(trimTo)));
        txn.Success.Add(Delete(_etcd.Keys.Signatures(0), _etcd.Keys.Signatures(trimTo)));
        var response = await _etcd.TxnAsync(txn, cancellationToken).ConfigureAwait(false);
        return response.Succeeded ? trimTo : null;

        static RequestOp Delete(string from, string to) =>
            new() { RequestDeleteRange = new DeleteRangeRequest { Key = ByteString.CopyFromUtf8(from), RangeEnd = ByteString.CopyFromUtf8(to) } };
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _proposals.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        Wake();
        try
        {
            await Task.WhenAll(_proposer, _applier).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        foreach (var pending in _inFlight.Values)
        {
            pending.Completion.TrySetException(new ObjectDisposedException(nameof(EtcdLedgerSequencer), "the node stopped before the entry was applied here"));
        }
        _etcd.Dispose();
        _stopping.Dispose();
        _wake.Dispose();
    }

    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private StoredCheckpoint? LatestCheckpoint()
    {
        using var lease = _readers.Rent();
        return lease.Reader.LatestCheckpoint();
    }

    // ---- proposing ----------------------------------------------------------------------------

    private async Task ProposeLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        Pending? held = null;
        while (held is not null || await _proposals.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            var bytes = 0;
            if (held is not null)
            {
                batch.Add(held);
                bytes += held.Proposal.Entry.Length;
                held = null;
            }
            while (batch.Count < MaxBatch && _proposals.Reader.TryRead(out var next))
            {
                if (batch.Count > 0 && bytes + next.Proposal.Entry.Length > MaxBatchBytes)
                {
                    held = next;
                    break;
                }
                batch.Add(next);
                bytes += next.Proposal.Entry.Length;
            }
            try
            {
                await ProposeAsync(batch).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // every proposer awaits its own answer; the loop must keep running
            catch (Exception e)
#pragma warning restore CA1031
            {
                var failure = _stopping.IsCancellationRequested ? new ObjectDisposedException(nameof(EtcdLedgerSequencer), "the node is stopping") : Unavailable(e);
                foreach (var pending in batch)
                {
                    pending.Completion.TrySetException(failure);
                }
            }
        }
    }

    private static Exception Unavailable(Exception e) => e is LedgerUnavailableException or LedgerWriteException ? e
        : new LedgerUnavailableException($"the consortium's etcd cluster did not order the entry: {e.Message}", e);

    private async Task ProposeAsync(List<Pending> batch)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        bounded.CancelAfter(TimeSpan.FromMilliseconds(_settings.AppendTimeoutMs));
        try
        {
            await ProposeAsync(batch, bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (!_stopping.IsCancellationRequested)
        {
            throw new LedgerUnavailableException($"the entry was not ordered and applied within {_settings.AppendTimeoutMs} ms (etcd without quorum, or this node behind); try again", e);
        }
    }

    private async Task ProposeAsync(List<Pending> batch, CancellationToken token)
    {
        var deadline = _time.GetUtcNow() + TimeSpan.FromMilliseconds(_settings.AppendTimeoutMs);
        var pending = batch.Where(p => !p.Completion.Task.IsCompleted).ToList();
        for (var attempt = 1; pending.Count > 0; attempt++)
        {
            long size;
            try
            {
                size = await _etcd.SizeAsync(token).ConfigureAwait(false);
            }
            catch (EtcdUnavailableException e) when (_time.GetUtcNow() < deadline)
            {
                _lastError = e.Message;
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, 50 * attempt)), token).ConfigureAwait(false);
                continue;
            }
            catch (EtcdUnavailableException e)
            {
                throw new LedgerUnavailableException($"the consortium's etcd cluster has no quorum or cannot be reached, so nothing was appended: {e.Message}", e);
            }
            await WaitAppliedAsync(size, token).ConfigureAwait(false);
            var checkedEntries = await _writer.ValidateAsync(pending.Select(p => p.Proposal).ToList(), size, token).ConfigureAwait(false);
            if (checkedEntries is null)
            {
                continue;
            }
            var accepted = new List<Pending>(pending.Count);
            for (var i = 0; i < pending.Count; i++)
            {
                if (checkedEntries[i].Succeeded)
                {
                    accepted.Add(pending[i]);
                }
                else
                {
                    pending[i].Completion.TrySetResult(checkedEntries[i].Failure!);
                }
            }
            if (accepted.Count == 0)
            {
                return;
            }
            var txn = new TxnRequest();
            txn.Compare.Add(new Compare { Key = ByteString.CopyFromUtf8(_etcd.Keys.Size), Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal, Value = EtcdLedgerKeys.NumberValue(size) });
            if (size == 0)
            {
                // The genesis: the size key does not exist yet, and a value comparison with a missing key fails.
                txn.Compare.Clear();
                txn.Compare.Add(new Compare { Key = ByteString.CopyFromUtf8(_etcd.Keys.Size), Target = Compare.Types.CompareTarget.Create, Result = Compare.Types.CompareResult.Equal, CreateRevision = 0 });
            }
            for (var i = 0; i < accepted.Count; i++)
            {
                var index = size + i;
                accepted[i].Index = index;
                _inFlight[index] = accepted[i];
                txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(_etcd.Keys.Entry(index)), Value = ByteString.CopyFrom(accepted[i].Proposal.Entry) } });
            }
            txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(_etcd.Keys.Size), Value = EtcdLedgerKeys.NumberValue(size + accepted.Count) } });
            bool committed;
            try
            {
                // A refusal is not proof that nothing was appended: the client library repeats a call
                // whose answer was lost, and the repeat is refused by the first attempt's own commit.
                committed = (await _etcd.TxnAsync(txn, token).ConfigureAwait(false)).Succeeded
                    || await CommittedAsync(size, accepted[0], deadline, token).ConfigureAwait(false);
            }
            catch (EtcdUnavailableException e)
            {
                // The transaction may have committed even though no answer came: look.
                _lastError = e.Message;
                committed = await CommittedAsync(size, accepted[0], deadline, token).ConfigureAwait(false);
            }
            if (committed)
            {
                Interlocked.Exchange(ref _ordered, Math.Max(Interlocked.Read(ref _ordered), size + accepted.Count));
                Wake();
                return;
            }
            foreach (var item in accepted)
            {
                _inFlight.TryRemove(new KeyValuePair<long, Pending>(item.Index, item));
            }
            LogConflict(_logger, size, attempt);
            if (_time.GetUtcNow() >= deadline)
            {
                foreach (var item in accepted)
                {
                    item.Completion.TrySetException(new LedgerUnavailableException($"other members kept appending first for {_settings.AppendTimeoutMs} ms; nothing was appended, try again"));
                }
                return;
            }
            pending = accepted;
        }
    }

    private async Task<bool> CommittedAsync(long index, Pending first, DateTimeOffset deadline, CancellationToken token)
    {
        while (true)
        {
            try
            {
                var stored = await _etcd.GetAsync(_etcd.Keys.Entry(index), token).ConfigureAwait(false);
                return stored is not null && stored.Span.SequenceEqual(first.Proposal.Entry);
            }
            catch (EtcdUnavailableException) when (_time.GetUtcNow() < deadline)
            {
                await Task.Delay(200, token).ConfigureAwait(false);
            }
            catch (EtcdUnavailableException e)
            {
                // Whether it committed is unknown: the entries stay registered, so that if it did, this
                // node still applies them with their local data; the caller is told to look again.
                throw new LedgerUnavailableException($"the consortium's etcd cluster stopped answering during the append; whether entry {index} was appended is unknown, ask again: {e.Message}", e);
            }
        }
    }

    // ---- applying -----------------------------------------------------------------------------

    private async Task ApplyLoopAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            bool more;
            try
            {
                more = await ApplyPageAsync(token).ConfigureAwait(false);
                _lastError = null;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (EtcdUnavailableException e)
            {
                _lastError = e.Message;
                LogUnavailable(_logger, e.Message);
                more = false;
            }
#pragma warning disable CA1031 // applying must go on after any failure; each is logged and retried
            catch (Exception e)
#pragma warning restore CA1031
            {
                _lastError = e.Message;
                LogApplyFailed(_logger, e);
                more = false;
            }
            if (_halted is not null)
            {
                Signal();
                FailInFlight(_halted);
                return;
            }
            if (!more)
            {
                try
                {
                    await _wake.WaitAsync(TimeSpan.FromMilliseconds(_settings.PollIntervalMs), token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    // Reads what changed under the prefix since the last revision applied, in revision order, and
    // applies it; true when a full page came back (there may be more).
    private async Task<bool> ApplyPageAsync(CancellationToken token)
    {
        var request = new RangeRequest
        {
            Key = ByteString.CopyFromUtf8(_etcd.Keys.Prefix),
            RangeEnd = _etcd.Keys.RangeEnd,
            MinModRevision = _revision + 1,
            SortOrder = RangeRequest.Types.SortOrder.Ascend,
            SortTarget = RangeRequest.Types.SortTarget.Mod,
            Limit = PageSize,
        };
        var page = await _etcd.RangeAsync(request, token).ConfigureAwait(false);
        var items = page.Kvs.OrderBy(kv => kv.ModRevision).ThenBy(kv => kv.Key.ToStringUtf8(), StringComparer.Ordinal).ToList();
        if (items.Count == 0)
        {
            _revision = Math.Max(_revision, page.Header.Revision);
            return false;
        }
        // One transaction writes several keys at one revision; a page cut inside a revision is read
        // again from that revision, and what was applied already is skipped.
        var through = page.More ? items[^1].ModRevision - 1 : page.Header.Revision;
        if (page.More && through <= _revision)
        {
            through = items[^1].ModRevision;
        }
        var applied = Interlocked.Read(ref _applied);
        var work = new List<Task>();
        var appends = new List<(long Index, Pending? Owner, Task<Result<AppendedEntry>> Task)>();
        var seals = new List<Task<StoredCheckpoint?>>();
        var signatures = new List<(long Size, string Member, string Line)>();
        var next = applied;
        foreach (var kv in items.Where(kv => kv.ModRevision <= through))
        {
            var (kind, number, member) = _etcd.Keys.Parse(kv.Key.ToStringUtf8());
            switch (kind)
            {
                case EtcdKeyKind.Size:
                    Interlocked.Exchange(ref _ordered, Math.Max(Interlocked.Read(ref _ordered), EtcdLedgerKeys.ParseNumber(kv.Value)));
                    break;
                case EtcdKeyKind.Entry when number < next:
                    // Applied already, perhaps by another process on this folder (a command-line tool):
                    // if it is one of ours, answer it, with its local data stored after it.
                    if (_inFlight.TryGetValue(number, out var done) && done.Proposal.Entry.AsSpan().SequenceEqual(kv.Value.Span))
                    {
                        await CompleteAppliedElsewhereAsync(done, number, kv.Value.ToByteArray(), token).ConfigureAwait(false);
                    }
                    break;
                case EtcdKeyKind.Entry when number > next && appends.Count == 0:
                    // The entries between were deleted from etcd (keepEntries): copy them from a peer.
                    await CatchUpAsync(next, token).ConfigureAwait(false);
                    return true;
                case EtcdKeyKind.Entry when number > next:
                    // Apply what comes before the gap first; the next page meets the gap first.
                    through = kv.ModRevision - 1;
                    goto done;
                case EtcdKeyKind.Entry:
                    var bytes = kv.Value.ToByteArray();
                    var owner = _inFlight.TryGetValue(number, out var mine) && mine.Proposal.Entry.AsSpan().SequenceEqual(bytes) ? mine : null;
                    var attachment = owner?.Proposal.Attachment is { } local ? new OrderedAttachment(local, _logger) : null;
                    appends.Add((number, owner, _writer.AppendAsync(new LedgerProposal(bytes, attachment) { ExpectedIndex = number }, token)));
                    next++;
                    break;
                case EtcdKeyKind.Seal:
                    seals.Add(_checkpointer.SignSealedAsync(number, EtcdLedgerKeys.ParseNumber(kv.Value), token));
                    break;
                case EtcdKeyKind.Signature when member != _member:
                    signatures.Add((number, member!, kv.Value.ToStringUtf8()));
                    break;
                default:
                    break;
            }
        }
    done:
        foreach (var (index, owner, task) in appends)
        {
            var result = await task.ConfigureAwait(false);
            if (result.Succeeded)
            {
                Interlocked.Exchange(ref _applied, index + 1);
                _inFlight.TryRemove(index, out _);
                owner?.Completion.TrySetResult(result.Value with { LedgerSize = index + 1 });
                continue;
            }
            if (result.Failure!.Code == SqliteLedgerSequencer.NotAtPosition)
            {
                // Another process (a command-line tool on the same folder) applied it first: answer
                // ours among what it applied, and read again.
                long stored;
                using (var lease = _readers.Rent())
                {
                    stored = lease.Reader.LedgerSize;
                }
                Interlocked.Exchange(ref _applied, stored);
                foreach (var (ownIndex, ownOwner, _) in appends)
                {
                    if (ownOwner is not null && ownIndex < stored)
                    {
                        await CompleteAppliedElsewhereAsync(ownOwner, ownIndex, ownOwner.Proposal.Entry, token).ConfigureAwait(false);
                    }
                }
                Signal();
                return true;
            }
            _halted = $"entry {index} of the consortium's order breaks the ledger rules on this node ({result.Failure.Code}: {result.Failure.Message}); "
                + "this node stops applying rather than diverge, and signs nothing further; compare with the other members' nodes";
            LogHalted(_logger, _halted);
            return false;
        }
        if (appends.Any(a => a.Owner is null))
        {
            AppliedFromOthers?.Invoke();
        }
        foreach (var seal in seals)
        {
            try
            {
                if (await seal.ConfigureAwait(false) is { } signed)
                {
                    await PublishSignatureAsync(signed, token).ConfigureAwait(false);
                }
            }
            catch (InvalidOperationException e)
            {
                LogNotSigning(_logger, e.Message);
            }
        }
        foreach (var (size, member, line) in signatures)
        {
            await MergeSignatureAsync(size, member, line, token).ConfigureAwait(false);
        }
        _revision = through;
        await _writer.RunExclusiveAsync(context =>
        {
            var put = context.Command("INSERT INTO meta (key, value) VALUES ($key, $value) ON CONFLICT (key) DO UPDATE SET value = excluded.value", "$key", "$value");
            put.Parameters[0].Value = RevisionKey;
            put.Parameters[1].Value = through.ToString(System.Globalization.CultureInfo.InvariantCulture);
            put.ExecuteNonQuery();
            return true;
        }, token).ConfigureAwait(false);
        Signal();
        return page.More;
    }

    // Our entry was applied by another process on this folder, without our local data: store the
    // data after it, then answer. If the data cannot be stored, the proposer is told to send again
    // (an upload's leaves then come with the re-sent upload).
    private async Task CompleteAppliedElsewhereAsync(Pending owner, long index, byte[] bytes, CancellationToken token)
    {
        if (LedgerEntry.Parse(bytes) is not { Succeeded: true } entry)
        {
            return;
        }
        _inFlight.TryRemove(index, out _);
        if (owner.Proposal.Attachment is { } attachment)
        {
            var stored = await _writer.RunExclusiveAsync(context => attachment.Apply(context, entry.Value, index), token).ConfigureAwait(false);
            if (!stored.Succeeded)
            {
                owner.Completion.TrySetException(new LedgerUnavailableException($"entry {index} was applied by another process without its local data, which could not be stored after it ({stored.Failure!.Message}); send again"));
                return;
            }
        }
        owner.Completion.TrySetResult(new AppendedEntry(index, index + 1, entry.Value));
    }

    // Entries [from, trimmed) are no longer in etcd: take them from a peer, and keep them only if the
    // ledger they give at the trimmed size has the root and state root of the checkpoint sealed there,
    // signed by a quorum of members (their signature lines in etcd). Then sign that checkpoint too.
    private async Task CatchUpAsync(long from, CancellationToken token)
    {
        var trimmed = EtcdLedgerKeys.ParseNumber(await _etcd.GetAsync(_etcd.Keys.Trimmed, token).ConfigureAwait(false));
        if (from >= trimmed)
        {
            throw new LedgerWriteException($"etcd's order skips from entry {from}, but etcd deleted entries only below {trimmed}; the order has a gap", new InvalidOperationException("gap"));
        }
        var sealTime = EtcdLedgerKeys.ParseNumber(await _etcd.GetAsync(_etcd.Keys.Seal(trimmed), token).ConfigureAwait(false));
        var lines = (await _etcd.RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(_etcd.Keys.Signatures(trimmed)), RangeEnd = ByteString.CopyFromUtf8(EtcdClientRangeEnd(_etcd.Keys.Signatures(trimmed))) }, token).ConfigureAwait(false))
            .Kvs.Select(kv => kv.Value.ToStringUtf8().TrimEnd('\n')).ToList();
        var errors = new List<string>();
        foreach (var peer in _peers)
        {
            try
            {
                var proposals = new List<LedgerProposal>();
                for (var index = from; index < trimmed;)
                {
                    var page = await peer.EntriesAsync(index, (int)Math.Min(1000, trimmed - index), token).ConfigureAwait(false);
                    if (page.Count == 0)
                    {
                        throw new InvalidDataException($"it served no entry {index}");
                    }
                    foreach (var (at, bytes) in page.TakeWhile(e => e.Index < trimmed))
                    {
                        if (at != index)
                        {
                            throw new InvalidDataException($"it served entry {at} where {index} was asked for");
                        }
                        proposals.Add(new LedgerProposal(bytes) { ExpectedIndex = index });
                        index++;
                    }
                }
                var kept = await _writer.AppendAllAsync(proposals, context => MatchesSeal(context, trimmed, sealTime, lines), token).ConfigureAwait(false);
                if (!kept.Succeeded)
                {
                    throw new InvalidDataException(kept.Failure!.Message);
                }
                Interlocked.Exchange(ref _applied, trimmed);
                LogCaughtUp(_logger, trimmed - from, peer.Name, trimmed);
                if (await _checkpointer.SignSealedAsync(trimmed, sealTime, token).ConfigureAwait(false) is { } signed)
                {
                    await PublishSignatureAsync(signed, token).ConfigureAwait(false);
                }
                foreach (var line in lines)
                {
                    await MergeSignatureAsync(trimmed, line, line, token).ConfigureAwait(false);
                }
                Signal();
                return;
            }
            catch (Exception e) when (e is HttpRequestException or InvalidDataException or System.Text.Json.JsonException or FormatException or TaskCanceledException && !token.IsCancellationRequested)
            {
                LogPeerRefused(_logger, peer.Name, from, trimmed, e.Message);
                errors.Add($"{peer.Name}: {e.Message}");
            }
        }
        throw new LedgerWriteException($"entries {from}..{trimmed - 1} are no longer in etcd and no peer served ones that match the checkpoint a quorum signed at {trimmed}"
            + (errors.Count == 0 ? " (node.json lists no peers)" : ": " + string.Join("; ", errors)), new InvalidOperationException("catch-up"));
    }

    private Result MatchesSeal(LedgerWriteContext context, long size, long timeMs, IReadOnlyList<string> lines)
    {
        if (context.State.Size != size)
        {
            return Result.Fail("catch-up", $"the copied entries end at {context.State.Size}, not {size}");
        }
        var stateRoot = LedgerStateMap.Tree(LedgerStateMap.Entries(context.State)).Root;
        var text = new Firmware.Contracts.Checkpoints.Checkpoint(_origin, size, context.Ledger.Root(), [Firmware.Contracts.Checkpoints.Checkpoint.TimeExtension(timeMs), Firmware.Contracts.Checkpoints.Checkpoint.StateExtension(stateRoot)]).ToNoteText();
        var signers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var note = Firmware.Contracts.Notes.SignedNote.Parse(text + "\n" + line + "\n");
            if (note.Succeeded && _signatures.VerifyMembers(note.Value, context.State.Member) is { Succeeded: true } verified)
            {
                signers.UnionWith(verified.Value.Select(m => m.Name));
            }
        }
        var quorum = Math.Max(1, context.State.Quorum);
        return signers.Count >= quorum ? Result.Ok
            : Result.Fail("catch-up", $"the copied ledger at size {size} is signed by {signers.Count} of the {quorum} members a checkpoint needs ({string.Join(", ", signers)}); it is not the history the members signed");
    }

    private static string EtcdClientRangeEnd(string prefix) => dotnet_etcd.EtcdClient.GetRangeEnd(prefix);

    private async Task PublishSignatureAsync(StoredCheckpoint signed, CancellationToken token)
    {
        var note = Firmware.Contracts.Notes.SignedNote.Parse(signed.Note).Value;
        var line = note.Signatures.First(s => s.KeyName == _member).ToLine();
        var txn = new TxnRequest();
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(_etcd.Keys.Signature(signed.Size, _member)), Value = ByteString.CopyFromUtf8(line) } });
        await _etcd.TxnAsync(txn, token).ConfigureAwait(false);
    }

    private async Task MergeSignatureAsync(long size, string member, string line, CancellationToken token)
    {
        StoredCheckpoint? stored;
        using (var lease = _readers.Rent())
        {
            stored = lease.Reader.CheckpointAt(size);
        }
        if (stored is null)
        {
            return;
        }
        var text = NoteText.TextOf(stored.Note);
        var merged = await _cosignatures.AddAsync(text + "\n" + line + (line.EndsWith('\n') ? "" : "\n"), token).ConfigureAwait(false);
        if (!merged.Succeeded)
        {
            LogBadSignature(_logger, member, size, merged.Failure!.Message);
        }
    }

    private void Signal()
    {
        var previous = Interlocked.Exchange(ref _progress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        previous.TrySetResult();
    }

    private void FailInFlight(string reason)
    {
        foreach (var pending in _inFlight.Values)
        {
            pending.Completion.TrySetException(new LedgerUnavailableException($"this node stopped applying the consortium's order: {reason}"));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Copied {Count} entries no longer in etcd from {Peer}, matching the checkpoint a quorum signed at size {Size}")]
    private static partial void LogCaughtUp(ILogger logger, long count, string peer, long size);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peer {Peer} did not serve entries {From}..{To} that match the quorum's checkpoint: {Reason}")]
    private static partial void LogPeerRefused(ILogger logger, string peer, long from, long to, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Another member appended at index {Index} first (attempt {Attempt}); checking again")]
    private static partial void LogConflict(ILogger logger, long index, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The etcd cluster did not answer; applying continues when it does: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Applying the consortium's order failed; trying again")]
    private static partial void LogApplyFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "{Reason}")]
    private static partial void LogHalted(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Not signing a sealed checkpoint: {Reason}")]
    private static partial void LogNotSigning(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The signature of {Member} on the checkpoint of size {Size} in etcd was not accepted: {Reason}")]
    private static partial void LogBadSignature(ILogger logger, string member, long size, string reason);

    private sealed class Pending(LedgerProposal proposal)
    {
        public LedgerProposal Proposal { get; } = proposal;

        public long Index { get; set; } = -1;

        public TaskCompletionSource<Result<AppendedEntry>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    // The entry is in the consortium's order already, so its local data cannot veto it: a refusal is
    // logged and the data is left to come from a peer or from the device's next upload.
    private sealed partial class OrderedAttachment(ILedgerAttachment inner, ILogger logger) : ILedgerAttachment
    {
        public Result Apply(LedgerWriteContext context, LedgerEntry entry, long index)
        {
            context.Execute("SAVEPOINT attachment");
            var result = inner.Apply(context, entry, index);
            if (!result.Succeeded)
            {
                context.Execute("ROLLBACK TO attachment");
                LogRefused(logger, index, result.Failure!.Message);
            }
            context.Execute("RELEASE attachment");
            return Result.Ok;
        }

        [LoggerMessage(Level = LogLevel.Warning, Message = "The local data of entry {Index} was not stored ({Reason}); the entry is applied without it")]
        private static partial void LogRefused(ILogger logger, long index, string reason);
    }
}

/// <summary>The ordering service could not decide now (no quorum, unreachable); try again later. HTTP 503.</summary>
public sealed class LedgerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
