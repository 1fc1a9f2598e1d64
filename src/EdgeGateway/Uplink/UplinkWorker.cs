using System.Globalization;
using EdgeGateway.Configuration;
using EdgeGateway.Log;
using EdgeGateway.Storage;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Uplink;

/// <summary>What the uplink is doing, as recorded for <c>status</c>.</summary>
public static class UplinkStates
{
    /// <summary>Everything sealed is committed by the node, or being uploaded.</summary>
    public const string Ok = "ok";

    /// <summary>The node cannot be reached or answers 5xx; retrying with backoff.</summary>
    public const string Offline = "offline";

    /// <summary>The node does not know the device (not enrolled yet); retrying slowly.</summary>
    public const string UnknownDevice = "unknown-device";

    /// <summary>The device was revoked: nothing is uploaded.</summary>
    public const string Revoked = "revoked";

    /// <summary>The node saw two roots for one size from this device: nothing is uploaded until an operator acts.</summary>
    public const string Equivocation = "equivocation";

    /// <summary>The node holds a log this gateway does not continue (e.g. the database was restored from an old copy).</summary>
    public const string Diverged = "diverged";

    /// <summary>The node refused an upload for a reason the gateway cannot fix by retrying; retrying slowly.</summary>
    public const string Rejected = "rejected";
}

/// <summary>
/// Hands sealed checkpoints and their leaves to the anchor node: asks the node how far it got
/// (on start, after every error), uploads from there in order, each request ending exactly at the
/// largest sealed checkpoint within the per-request limit, and records durably what the node
/// committed. Network errors and 5xx back off exponentially with jitter; refusals are handled by
/// their problem type (see docs/gateway.md).
/// </summary>
public sealed partial class UplinkWorker
{
    private const int MaxImmediateResyncs = 3;

    private readonly string _deviceId;
    private readonly IAnchorClient _client;
    private readonly SqliteUplinkStore _store;
    private readonly NoteVerifierKey _deviceKey;
    private readonly UplinkOptions _options;
    private readonly TimeProvider _clock;
    private readonly TimeProvider _waitClock;
    private readonly ExponentialBackoff _backoff;
    private readonly Func<GatewayEvent, CancellationToken, ValueTask> _postEvent;
    private readonly ILogger<UplinkWorker> _logger;
    private readonly AsyncSignal _sealed = new();
    private string? _state;
    private Uri? _recordedNode;
    private int _limit = UplinkRoutes.MaxLeavesPerUpload;

    /// <param name="deviceId">The device.</param>
    /// <param name="client">The node.</param>
    /// <param name="store">The uplink's database connection.</param>
    /// <param name="deviceKey">The device's public key, to check what the node says it anchored.</param>
    /// <param name="options">Retry settings.</param>
    /// <param name="clock">Gateway time, for the times recorded.</param>
    /// <param name="waitClock">
    /// The clock every wait runs on: real time, also under <c>run --simulate --speed N</c>, because
    /// the waits protect the node and the network, which live in real time (a backoff on a clock
    /// 1000 times faster retried hundreds of times a second).
    /// </param>
    /// <param name="random">Jitter.</param>
    /// <param name="postEvent">Appends a gateway event to the device log.</param>
    /// <param name="logger">Logger.</param>
    public UplinkWorker(string deviceId, IAnchorClient client, SqliteUplinkStore store, NoteVerifierKey deviceKey, UplinkOptions options,
        TimeProvider clock, TimeProvider waitClock, Random random, Func<GatewayEvent, CancellationToken, ValueTask> postEvent, ILogger<UplinkWorker> logger)
    {
        _deviceId = deviceId;
        _client = client;
        _store = store;
        _deviceKey = deviceKey;
        _options = options;
        _clock = clock;
        _waitClock = waitClock;
        _backoff = new ExponentialBackoff(options.RetryInitial, options.RetryMax, random);
        _postEvent = postEvent;
        _logger = logger;
    }

    /// <summary>What the node has committed, as last known.</summary>
    public long NodeCommittedSize { get; private set; } = -1;

    /// <summary>The current state (see <see cref="UplinkStates"/>), or null before the first attempt.</summary>
    public string? State => _state;

    /// <summary>Raised after the node committed an upload: the checkpoint it anchored and the anchor's ledger index.</summary>
    public event Action<StoredCheckpoint, long>? Anchored;

    /// <summary>Raised after every attempt to bring the node up to date, whatever its outcome.</summary>
    public event Action? CycleCompleted;

    /// <summary>Tells the worker that a checkpoint was sealed.</summary>
    public void NotifySealed() => _sealed.Set();

    /// <summary>Runs until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var resyncs = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            Outcome outcome;
            try
            {
                outcome = await SyncAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The uplink must never take the gateway down: readings are safe in the database.
                LogUnexpected(e);
                outcome = Outcome.Retry;
            }
            CycleCompleted?.Invoke();
            try
            {
                switch (outcome)
                {
                    case Outcome.UpToDate:
                        resyncs = 0;
                        _backoff.Reset();
                        // Also wakes now and then to notice revocation or a node that lost data.
                        await _sealed.WaitAsync(_options.SlowRetry, _waitClock, cancellationToken);
                        break;
                    case Outcome.Resync when ++resyncs <= MaxImmediateResyncs:
                        break;
                    case Outcome.Resync:
                    case Outcome.Retry:
                        var wait = _backoff.Next();
                        LogRetrying(wait.TotalSeconds, _backoff.Attempt);
                        await Task.Delay(wait, _waitClock, cancellationToken);
                        break;
                    case Outcome.Slow:
                        resyncs = 0;
                        await _sealed.WaitAsync(_options.SlowRetry, _waitClock, cancellationToken);
                        break;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private enum Outcome
    {
        UpToDate,
        Retry,
        Resync,
        Slow,
    }

    private async Task<Outcome> SyncAsync(CancellationToken cancellationToken)
    {
        var answer = await _client.GetStatusAsync(_deviceId, cancellationToken);
        RecordNode();
        if (answer.Problem is { } statusProblem)
        {
            return await OnProblemAsync(statusProblem, "status", cancellationToken);
        }
        var status = answer.Value!;
        if (status.Revoked)
        {
            return await EnterAsync(UplinkStates.Revoked, "the node says this device's enrolment was revoked; nothing more is uploaded", cancellationToken);
        }
        if (status.Equivocated)
        {
            return await EnterAsync(UplinkStates.Equivocation, "the node blocked this device for signing two roots for one size; uploads wait until an operator clears it", cancellationToken);
        }
        if (!status.Enrolled)
        {
            return await EnterAsync(UplinkStates.UnknownDevice, "the node does not know this device; enrol its key (init printed it). Readings stay here meanwhile", cancellationToken);
        }

        var meta = _store.ReadMeta();
        var committed = status.CommittedSize;
        if (committed > meta.Size)
        {
            return await EnterAsync(UplinkStates.Diverged,
                Invariant($"the node holds {committed} leaves of this device but this gateway has {meta.Size}: the database is older than what was uploaded (restored or replaced); this log cannot continue there"),
                cancellationToken);
        }
        if (status.Checkpoint is { } anchored && CheckAnchored(anchored, committed) is { } divergence)
        {
            return await EnterAsync(UplinkStates.Diverged, divergence, cancellationToken);
        }
        RecordCommitted(committed, status.LedgerIndex);

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var checkpoint = _store.LargestCheckpointWithin(committed, committed + _limit);
            if (checkpoint is null)
            {
                var last = _store.LastCheckpoint();
                if (last is null || last.Size <= committed)
                {
                    await EnterAsync(UplinkStates.Ok, Invariant($"the node has committed all {committed} sealed leaves"), cancellationToken);
                    return Outcome.UpToDate;
                }
                if (_limit < UplinkRoutes.MaxLeavesPerUpload)
                {
                    return await EnterAsync(UplinkStates.Rejected,
                        Invariant($"the node refused uploads as too large down to {_limit} leaves, and no checkpoint is that close to {committed}"), cancellationToken);
                }
                return await EnterAsync(UplinkStates.Rejected,
                    Invariant($"no sealed checkpoint within {_limit} leaves after the node's size {committed} (next is {last.Size})"), cancellationToken);
            }
            if (committed < meta.PrunedBelow)
            {
                return await EnterAsync(UplinkStates.Diverged,
                    Invariant($"the node has only {committed} leaves but this gateway pruned below {meta.PrunedBelow} after the node had committed them; the node lost data"),
                    cancellationToken);
            }

            var (count, base64Length) = _store.MeasureLeaves(committed, checkpoint.Size);
            var batch = new UplinkBatch(checkpoint.Note, committed, (int)(checkpoint.Size - committed), base64Length,
                _store.ReadLeafBytes(committed, checkpoint.Size));
            if (count != batch.Count)
            {
                return await EnterAsync(UplinkStates.Rejected, Invariant($"leaves {committed}..{checkpoint.Size - 1} are not all in the database"), cancellationToken);
            }
            var upload = await _client.UploadAsync(_deviceId, batch, cancellationToken);
            if (upload.Problem is { } problem)
            {
                if (problem.Code == ProblemTypes.TooLarge && _limit > 1)
                {
                    _limit = Math.Max(1, batch.Count / 2);
                    LogTooLarge(batch.Count, _limit);
                    continue;
                }
                return await OnProblemAsync(problem, "upload", cancellationToken);
            }
            var receipt = upload.Value!;
            LogUploaded(committed, batch.Count, checkpoint.Size, receipt.CommittedSize, receipt.LedgerIndex);
            if (receipt.CommittedSize != checkpoint.Size)
            {
                LogUnexpectedReceipt(checkpoint.Size, receipt.CommittedSize);
                RecordCommitted(receipt.CommittedSize, receipt.LedgerIndex);
                return Outcome.Resync;
            }
            committed = receipt.CommittedSize;
            RecordCommitted(committed, receipt.LedgerIndex);
            Anchored?.Invoke(checkpoint, receipt.LedgerIndex);
            _backoff.Reset();
            await EnterAsync(UplinkStates.Ok, Invariant($"the node committed {committed} leaves"), cancellationToken);
        }
    }

    // The node's last anchored checkpoint must be one this device signed, with the root this log has.
    private string? CheckAnchored(string note, long committed)
    {
        var verified = CheckpointVerifier.Verify(note, TrustPolicy.Single(_deviceKey), DeviceLogs.Origin(_deviceId));
        if (!verified.Succeeded)
        {
            return $"the checkpoint the node anchored for this device does not verify with this gateway's key ({verified.Failure}); the key was replaced after enrolment";
        }
        var anchored = verified.Value.Checkpoint;
        if (anchored.Size != committed)
        {
            return null;
        }
        var local = _store.GetCheckpoint(anchored.Size);
        if (local is not null && local.Root != anchored.Root)
        {
            return Invariant($"the node anchored root {anchored.Root.ToHex()} at size {anchored.Size} but this gateway's checkpoint there has {local.Root.ToHex()}: the database is not the one that uploaded");
        }
        return null;
    }

    private async Task<Outcome> OnProblemAsync(UplinkProblem problem, string call, CancellationToken cancellationToken)
    {
        if (FailoverAnchorClient.IsNodeFault(problem))
        {
            // No answer, a 5xx, or a member node that has not caught up: retried with backoff (on the
            // next of node.urls, if there are several), starting again from that node's status.
            await EnterAsync(UplinkStates.Offline, $"{call}: {problem}", cancellationToken);
            return Outcome.Retry;
        }
        switch (problem.Code)
        {
            case ProblemTypes.Gap:
            case ProblemTypes.StaleCheckpoint:
                // The node's size moved since the status: ask again and resume from there.
                LogResync(call, problem.ToString());
                return Outcome.Resync;
            case ProblemTypes.UnknownDevice:
                return await EnterAsync(UplinkStates.UnknownDevice, $"{call}: {problem}; enrol this device's key. Readings stay here meanwhile", cancellationToken);
            case ProblemTypes.RevokedDevice:
                return await EnterAsync(UplinkStates.Revoked, $"{call}: {problem}", cancellationToken);
            case ProblemTypes.Equivocation:
                return await EnterAsync(UplinkStates.Equivocation, $"{call}: {problem}", cancellationToken);
            default:
                return await EnterAsync(UplinkStates.Rejected, $"{call}: {problem}", cancellationToken);
        }
    }

    private async Task<Outcome> EnterAsync(string state, string detail, CancellationToken cancellationToken)
    {
        var changed = !string.Equals(_state, state, StringComparison.Ordinal);
        _state = state;
        if (changed || state != UplinkStates.Ok)
        {
            _store.RecordState(state, detail, NowMs());
        }
        if (changed)
        {
            switch (state)
            {
                case UplinkStates.Ok:
                    LogOk(detail);
                    break;
                case UplinkStates.Offline:
                    LogOffline(detail);
                    break;
                default:
                    LogRefused(state, detail);
                    // Refusals are part of the device's history: they go into its signed log.
                    await _postEvent(new GatewayEvent($"uplink-{state}", detail, NowMs()), cancellationToken);
                    break;
            }
        }
        return state switch
        {
            UplinkStates.Ok => Outcome.UpToDate,
            UplinkStates.Offline => Outcome.Retry,
            _ => Outcome.Slow,
        };
    }

    // The node this cycle uploads to, or after a failure the one the next cycle asks (the next of node.urls).
    private void RecordNode()
    {
        var node = _client.Node;
        if (node != _recordedNode)
        {
            _store.RecordNodeUrl(node.AbsoluteUri);
            _recordedNode = node;
        }
    }

    private void RecordCommitted(long committed, long? ledgerIndex)
    {
        if (committed != NodeCommittedSize)
        {
            if (committed < NodeCommittedSize)
            {
                LogNodeWentBack(NodeCommittedSize, committed);
            }
            _store.RecordNodeCommitted(committed, ledgerIndex, NowMs());
            NodeCommittedSize = committed;
        }
    }

    private long NowMs() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 101, EventName = "uploaded", Level = LogLevel.Information,
        Message = "uploaded leaves from {First} ({Count} leaves) with checkpoint {CheckpointSize}; node committed {CommittedSize} at ledger index {LedgerIndex}")]
    private partial void LogUploaded(long first, int count, long checkpointSize, long committedSize, long ledgerIndex);

    [LoggerMessage(EventId = 102, EventName = "uplink-ok", Level = LogLevel.Information, Message = "uplink ok: {Detail}")]
    private partial void LogOk(string detail);

    [LoggerMessage(EventId = 103, EventName = "uplink-offline", Level = LogLevel.Warning, Message = "node unreachable, readings are kept and retried: {Detail}")]
    private partial void LogOffline(string detail);

    [LoggerMessage(EventId = 104, EventName = "uplink-refused", Level = LogLevel.Error, Message = "uplink {State}: {Detail}")]
    private partial void LogRefused(string state, string detail);

    [LoggerMessage(EventId = 105, EventName = "uplink-retry", Level = LogLevel.Information, Message = "retrying the uplink in {WaitSeconds} s (attempt {Attempt})")]
    private partial void LogRetrying(double waitSeconds, int attempt);

    [LoggerMessage(EventId = 106, EventName = "uplink-resync", Level = LogLevel.Warning, Message = "{Call} answered {Problem}; asking the node for its size again")]
    private partial void LogResync(string call, string problem);

    [LoggerMessage(EventId = 107, EventName = "uplink-too-large", Level = LogLevel.Warning, Message = "the node refused {Count} leaves as too large; trying at most {Limit}")]
    private partial void LogTooLarge(int count, int limit);

    [LoggerMessage(EventId = 108, EventName = "uplink-receipt", Level = LogLevel.Warning, Message = "uploaded up to {Expected} but the node says it committed {Committed}; resynchronising")]
    private partial void LogUnexpectedReceipt(long expected, long committed);

    [LoggerMessage(EventId = 110, EventName = "uplink-error", Level = LogLevel.Error, Message = "the uplink failed unexpectedly; retrying with backoff")]
    private partial void LogUnexpected(Exception exception);

    [LoggerMessage(EventId = 109, EventName = "node-went-back", Level = LogLevel.Error, Message = "the node's committed size went back from {Before} to {After}; re-sending from there")]
    private partial void LogNodeWentBack(long before, long after);
}
