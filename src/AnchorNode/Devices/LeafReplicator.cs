using AnchorNode.Ledger;
using AnchorNode.Storage;
using Firmware.Contracts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AnchorNode.Devices;

/// <summary>
/// Pulls the device leaves this node holds anchors of but not the leaves (it applied anchor entries
/// another member received) from its peers. For each such device it walks the anchors after its held
/// size in ledger order, a few at a time (up to 16384 leaves, or one larger anchor): it fetches the
/// missing leaves from the first peer that has them, checks them against each anchor's
/// device-signed root (<see cref="AnchoredLeafFill"/>), and only then stores them in one write; a
/// peer whose leaves fail the check is logged and the next one
/// asked. Nothing is stored that the ledger does not anchor, so a wrong peer can delay, never corrupt.
/// </summary>
public sealed partial class LeafReplicator : IDisposable
{
    // The most leaves fetched and stored at once, unless a single anchor has more.
    private const int MaxLeavesPerWrite = 4 * LeafPage.MaxLeaves;

    private readonly SqliteLedgerSequencer _writer;
    private readonly NodeReaders _readers;
    private readonly IReadOnlyList<ILeafPeer> _peers;
    private readonly TimeProvider _time;
    private readonly ILogger<LeafReplicator> _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly SemaphoreSlim _oneRun = new(1, 1);
    private long _pulled;
    private DateTimeOffset? _lastRun;
    private string? _lastError;

    /// <summary>A replicator storing through <paramref name="writer"/> (the node's local writer) and asking <paramref name="peers"/> in order.</summary>
    public LeafReplicator(SqliteLedgerSequencer writer, NodeReaders readers, IReadOnlyList<ILeafPeer> peers, TimeProvider time, ILogger<LeafReplicator> logger)
    {
        _writer = writer;
        _readers = readers;
        _peers = peers;
        _time = time;
        _logger = logger;
    }

    /// <summary>The peers, in the order they are asked.</summary>
    public IReadOnlyList<ILeafPeer> Peers => _peers;

    /// <summary>How far this node's device logs lag behind the anchors, and what the last pull did.</summary>
    public ReplicationStatus Status()
    {
        List<(string DeviceId, long Held, long Anchored)> behind;
        using (var lease = _readers.Rent())
        {
            behind = LeafGap.Behind(lease.Reader);
        }
        return new ReplicationStatus(_peers.Select(p => p.Name).ToList(), behind.Count, behind.Sum(b => b.Anchored - b.Held),
            Interlocked.Read(ref _pulled), _lastRun, _lastError, behind.Take(100).Select(b => new DeviceLag(b.DeviceId, b.Held, b.Anchored)).ToList());
    }

    /// <summary>Makes the background loop look again now (e.g. after anchor entries were applied).</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already woken.
            }
        }
    }

    /// <summary>Pulls every missing leaf it can, once; answers the status afterwards.</summary>
    public async Task<ReplicationStatus> RunOnceAsync(CancellationToken cancellationToken)
    {
        await _oneRun.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            List<(string DeviceId, long Held, long Anchored)> behind;
            using (var lease = _readers.Rent())
            {
                behind = LeafGap.Behind(lease.Reader);
            }
            string? error = null;
            foreach (var (deviceId, _, _) in behind)
            {
                error = await PullAsync(deviceId, cancellationToken).ConfigureAwait(false) ?? error;
            }
            _lastError = error;
            _lastRun = _time.GetUtcNow();
        }
        finally
        {
            _oneRun.Release();
        }
        return Status();
    }

    /// <summary>Runs <see cref="RunOnceAsync"/> every <paramref name="interval"/> and whenever woken, until cancelled.</summary>
    public async Task RunAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or InvalidDataException or ObjectDisposedException)
            {
                _lastError = e.Message;
                LogRunFailed(_logger, e.Message);
            }
            using var elapsed = new CancellationTokenSource(interval, _time);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, elapsed.Token);
            try
            {
                await _wake.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The interval passed.
            }
        }
    }

    /// <summary>Stores checked leaves in one write through the node's writer.</summary>
    internal async Task<Result> StoreAsync(AnchoredLeafFill fill, CancellationToken cancellationToken)
    {
        var stored = await _writer.RunExclusiveAsync(fill.Store, cancellationToken).ConfigureAwait(false);
        if (stored.Succeeded)
        {
            Interlocked.Add(ref _pulled, fill.Size - fill.Gap.Held);
        }
        return stored;
    }

    // One device, anchor by anchor; null when it caught up, else why not.
    private async Task<string?> PullAsync(string deviceId, CancellationToken cancellationToken)
    {
        while (true)
        {
            LeafGap? gap;
            using (var lease = _readers.Rent())
            {
                gap = LeafGap.Of(lease.Reader, deviceId);
            }
            if (gap is null)
            {
                return null;
            }
            if (_peers.Count == 0)
            {
                return $"{deviceId}: {gap.Missing} leaves missing and no peers configured";
            }
            // Small anchors (an upload every few seconds) are pulled several at a time, checked together and stored in one write.
            var next = gap with { Anchors = gap.Anchors.TakeWhile((a, i) => i == 0 || a.Size - gap.Held <= MaxLeavesPerWrite).ToList() };
            var fill = await FetchCheckedAsync(next, cancellationToken).ConfigureAwait(false);
            if (!fill.Succeeded)
            {
                return fill.Failure!.Message;
            }
            var stored = await StoreAsync(fill.Value, cancellationToken).ConfigureAwait(false);
            if (!stored.Succeeded)
            {
                // An upload filled it meanwhile; look again from the new size.
                if (stored.Failure!.Code == DeviceLeavesAttachment.Moved)
                {
                    continue;
                }
                return stored.Failure.Message;
            }
            LogPulled(_logger, fill.Value.Size - gap.Held, deviceId, gap.Held, next.Anchors[^1].Index);
        }
    }

    private async Task<Result<AnchoredLeafFill>> FetchCheckedAsync(LeafGap gap, CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        foreach (var peer in _peers)
        {
            var leaves = await FetchAsync(peer, gap, cancellationToken).ConfigureAwait(false);
            if (!leaves.Succeeded)
            {
                LogPeerFailed(_logger, peer.Name, gap.DeviceId, leaves.Failure!.Message);
                errors.Add(leaves.Failure.Message);
                continue;
            }
            Result<AnchoredLeafFill> fill;
            using (var lease = _readers.Rent())
            {
                fill = AnchoredLeafFill.Check(lease.Reader, gap, leaves.Value);
            }
            if (fill.Succeeded)
            {
                return fill;
            }
            LogPeerRefused(_logger, peer.Name, gap.DeviceId, gap.Held, gap.AnchoredSize - 1, fill.Failure!.Message);
            errors.Add($"{peer.Name} served leaves of {gap.DeviceId} that were refused: {fill.Failure.Message}");
        }
        return Result<AnchoredLeafFill>.Fail("leaves-unavailable",
            $"no peer served the leaves {gap.Held}..{gap.AnchoredSize - 1} of {gap.DeviceId} anchored up to ledger index {gap.Anchors[^1].Index}: {string.Join("; ", errors)}");
    }

    private static async Task<Result<IReadOnlyList<ReadOnlyMemory<byte>>>> FetchAsync(ILeafPeer peer, LeafGap gap, CancellationToken cancellationToken)
    {
        var leaves = new List<ReadOnlyMemory<byte>>((int)Math.Min(gap.Missing, 1 << 16));
        var from = gap.Held;
        while (from < gap.AnchoredSize)
        {
            var count = (int)Math.Min(LeafPage.MaxLeaves, gap.AnchoredSize - from);
            var page = await peer.LeavesAsync(gap.DeviceId, from, count, cancellationToken).ConfigureAwait(false);
            if (!page.Succeeded)
            {
                return page.Failure!;
            }
            if (page.Value.Count == 0)
            {
                return Result<IReadOnlyList<ReadOnlyMemory<byte>>>.Fail("peer-behind", $"{peer.Name} holds no leaves of {gap.DeviceId} from sequence {from}");
            }
            leaves.AddRange(page.Value.Select(b => (ReadOnlyMemory<byte>)b));
            from += page.Value.Count;
        }
        return leaves;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var peer in _peers.OfType<IDisposable>())
        {
            peer.Dispose();
        }
        _wake.Dispose();
        _oneRun.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Pulled {Count} leaves of {DeviceId} from sequence {From} (up to the anchor at ledger index {Anchor})")]
    private static partial void LogPulled(ILogger logger, long count, string deviceId, long from, long anchor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Peer {Peer} could not serve leaves of {DeviceId}: {Reason}")]
    private static partial void LogPeerFailed(ILogger logger, string peer, string deviceId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused leaves from peer {Peer} for device {DeviceId}, sequences {From}..{To}: {Reason}")]
    private static partial void LogPeerRefused(ILogger logger, string peer, string deviceId, long from, long to, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leaf replication round failed: {Reason}")]
    private static partial void LogRunFailed(ILogger logger, string reason);
}

/// <summary>Runs the <see cref="LeafReplicator"/> in the background of <c>serve</c>.</summary>
public sealed class LeafReplicationService(LeafReplicator replicator, TimeSpan interval) : BackgroundService
{
    /// <inheritdoc/>
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => replicator.RunAsync(interval, stoppingToken);
}
