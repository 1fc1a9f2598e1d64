using System.Globalization;
using System.Threading.Channels;
using EdgeGateway.Alarms;
using EdgeGateway.Sensors;
using EdgeGateway.Storage;
using Firmware.Contracts.Readings;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Log;

/// <summary>Settings of the <see cref="LogWriter"/>.</summary>
public sealed record LogWriterOptions
{
    /// <summary>The most events per transaction.</summary>
    public int BatchMaxEvents { get; init; } = 1000;

    /// <summary>How long (real time) the first event of a batch may wait for others to join it.</summary>
    public TimeSpan BatchMaxDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Gateway time between checkpoints.</summary>
    public TimeSpan SealInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The most leaves between two checkpoints.</summary>
    public int SealMaxLeaves { get; init; } = 1000;

    /// <summary>The disk budget in bytes.</summary>
    public long MaxDatabaseBytes { get; init; } = 1024L * 1024 * 1024;

    /// <summary>Attempts at committing one batch before the writer gives up (and the daemon exits).</summary>
    public int CommitAttempts { get; init; } = 8;

    /// <summary>
    /// Bytes kept aside on the data folder's file system (<see cref="DiskReserve"/>), given back
    /// when it fills up so that the full disk can still be recorded; 0 keeps none.
    /// </summary>
    public long ReserveBytes { get; init; }

    /// <summary>Leaves pruned per transaction when the disk budget needs space.</summary>
    public int PruneChunk { get; init; } = 10_000;

    /// <summary>Named in the <c>gateway-start</c> event.</summary>
    public string Version { get; init; } = "0";
}

/// <summary>
/// The single writer of the device log. Takes sensor and gateway events from a channel, turns
/// them into leaves (with the alarm leaves they cause), commits them in batches (group commit),
/// logs an acknowledgement per commit, seals checkpoints when due, keeps to the disk budget, and
/// on stop commits what is left, logs a <c>gateway-stop</c> event and seals.
/// </summary>
/// <remarks>
/// Two stages overlap: while batches are inserted and committed (SQLite, fsync) one after another
/// on a thread of their own (<see cref="Committer{TBatch, TOutcome}"/>, up to three handed over at
/// a time), the next is gathered, its leaves are built (JSON, salt, SHA-256), the Merkle nodes they
/// complete are hashed and the checkpoints due in it are signed on the writer's, so the commit
/// stage only stores rows; acknowledgements are handled on the writer's, oldest first. The disk
/// budget's work shares the database connection, so near the budget it waits until no commit is in
/// flight. Commits stay strictly in order, one at a time; a checkpoint is stored
/// in the transaction of the batch that reaches its size, so it costs no extra fsync. A batch whose
/// commit fails is retried with the very same leaf bytes and checkpoints, so no size ever gets two
/// different roots. A batch lingers for company (<see cref="LogWriterOptions.BatchMaxDelay"/>),
/// which keeps commits (and flash writes) few under a trickle of readings, except while a backlog
/// is drained: when the batch committing was filled to its limit, the next one takes what is
/// there, so the tail of a burst is acknowledged without waiting.
/// </remarks>
public sealed partial class LogWriter
{
    private static readonly TimeSpan ClockStepTolerance = TimeSpan.FromSeconds(5);

    private readonly DeviceLog _log;
    private readonly LeafDrafts _drafts;
    private readonly AlarmEngine _alarms;
    private readonly CalibratedReadings? _calibrations;
    private readonly DiskBudget _budget;
    private readonly LogWriterOptions _options;
    private readonly TimeProvider _clock;
    private readonly TimeProvider _realClock;
    private readonly ILogger<LogWriter> _logger;
    private readonly ClockWatch _clockWatch;
    private readonly List<LogInput> _batch;
    private readonly Queue<GatewayEvent> _pendingEvents = new();
    private readonly List<KeyValuePair<string, object?>> _meta = [];
    private long _lastSealedSize;
    private long _plannedSealedSize;
    private long _plannedSealTicks;
    // Batches handed to the committer, at most this many at a time (one committing, the others
    // queued behind it), so that the committer goes from one commit straight to the next.
    private const int MaxInFlight = 3;

    private readonly Queue<InFlight> _inFlight = new();
    private PreparedAppend? _lastPrepared;
    private bool _lastGatherFull;
    private bool _budgetDue;
    private Committer<Batch, CommitOutcome>? _committer;

    // Refusing readings: because the budget is used up, because the file system is full, or both.
    private readonly DiskReserve _reserve;
    private bool _budgetFull;
    private bool _fileSystemFull;
    private bool _refusing;
    private long _refused;
    private long _refusedRecorded;
    private long _refusedRecordedTicks;
    private long _refusedSinceMs;

    // Batches prepared but not committed because the file system was full, oldest first: they are
    // committed, in order and with the same bytes, when space returns. Everything prepared meanwhile
    // queues behind them.
    private readonly Queue<Batch> _held = new();
    private int _heldLeaves;
    private long _nextRetryTicks;
    private TimeSpan _retryWait = TimeSpan.Zero;
    private long _freeAtFailure = -1;
    private long _nextSpaceCheckTicks;

    // How often a full file system is looked at again, and the longest wait between two attempts at
    // the held batches while its free space does not change.
    private static readonly TimeSpan SpaceCheckInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryWait = TimeSpan.FromSeconds(60);

    // While readings are refused, their count is written at most this often (each write takes
    // space that a full file system does not have), and with every batch that has leaves anyway.
    private static readonly TimeSpan RefusedRecordInterval = TimeSpan.FromSeconds(5);

    // The most leaves held in memory; beyond it the writer stops taking input until space returns.
    private const int MaxHeldLeaves = 20_000;

    /// <param name="log">The device log (owned by this writer while it runs).</param>
    /// <param name="drafts">Leaf contents for events.</param>
    /// <param name="alarms">The alarm engine.</param>
    /// <param name="options">Batching, sealing and budget settings.</param>
    /// <param name="clock">Gateway time: leaf times of gateway events, sealing (simulated under <c>--speed</c>).</param>
    /// <param name="realClock">Real time: how long a reading waits for its commit, retry waits.</param>
    /// <param name="logger">Where acknowledgements and events are logged.</param>
    /// <param name="calibrations">The sensors' calibrations, applied to readings before the alarm engine sees them; null: none.</param>
    public LogWriter(DeviceLog log, LeafDrafts drafts, AlarmEngine alarms, LogWriterOptions options, TimeProvider clock, TimeProvider realClock, ILogger<LogWriter> logger,
        CalibratedReadings? calibrations = null)
    {
        _calibrations = calibrations;
        _log = log;
        _drafts = drafts;
        _alarms = alarms;
        _options = options;
        _budget = new DiskBudget(options.MaxDatabaseBytes);
        _clock = clock;
        _realClock = realClock;
        _logger = logger;
        _clockWatch = new ClockWatch(clock, ClockStepTolerance);
        _batch = new List<LogInput>(options.BatchMaxEvents);
        _reserve = new DiskReserve(Path.GetDirectoryName(Path.GetFullPath(log.Store.Path))!, options.ReserveBytes);
    }

    /// <summary>Raised after a checkpoint is stored (on the writer's thread).</summary>
    public event Action<StoredCheckpoint>? CheckpointSealed;

    /// <summary>Raised after each commit that appended leaves (on the writer's thread).</summary>
    public event Action<CommitResult>? Committed;

    /// <summary>
    /// Raised after each commit that appended leaves, with those leaves in sequence order (on the
    /// writer's thread, after <see cref="Committed"/>): nothing is reported before it is on disk.
    /// Handlers must be quick and must not throw; the list is not reused by the writer.
    /// </summary>
    public event Action<IReadOnlyList<ReadingLeaf>>? LeavesCommitted;

    /// <summary>True while new readings are refused because the disk budget is exhausted or the file system is full.</summary>
    public bool RefusingReadings => _refusing;

    /// <summary>Leaves prepared but not yet committed because the file system is full.</summary>
    public int HeldLeaves => _heldLeaves;

    /// <summary>
    /// Runs until <paramref name="input"/> completes (the normal stop: sources stopped first) or
    /// <paramref name="cancellationToken"/> fires; in both cases what has been read is committed,
    /// a <c>gateway-stop</c> event is appended and the log is sealed before returning.
    /// </summary>
    public async Task RunAsync(ChannelReader<LogInput> input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        await StartAsync();
        using (var committer = new Committer<Batch, CommitOutcome>(CommitWithRetries, "log-commit"))
        {
            _committer = committer;
            try
            {
                await PipelineAsync(input, cancellationToken);
            }
            finally
            {
                // Whatever was handed over is committed (or failed) before the log is used here again.
                committer.Complete();
            }
            await DrainAsync();
            _committer = null;
        }

        // Stopping: everything already read is committed; nothing that was acknowledged is undone.
        while (input.TryPeek(out _))
        {
            _batch.Clear();
            while (_batch.Count < _options.BatchMaxEvents && input.TryRead(out var item))
            {
                _batch.Add(item);
            }
            await CommitNowAsync(Prepare([], sealAtEnd: false));
        }
        _batch.Clear();
        _pendingEvents.Enqueue(new GatewayEvent("gateway-stop",
            Invariant($"stopped cleanly; log size {NextSequence + _pendingEvents.Count + 1}{(_refused > 0 ? $", {_refused} readings refused while the disk was full" : "")}"), NowMs()));
        await CommitNowAsync(Prepare([], sealAtEnd: true));
        if (_held.Count > 0)
        {
            // Never acknowledged, so nothing acknowledged is lost; but say what was not stored.
            LogStoppedFull(_held.Peek().First, NextSequence - 1, _heldLeaves);
        }
    }

    // The running part: batches are prepared here and committed in order on the committer's
    // thread, up to MaxInFlight at a time; their acknowledgements are handled here, oldest first.
    private async Task PipelineAsync(ChannelReader<LogInput> input, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (_held.Count > 0)
            {
                if (!await WhileHeldAsync(input, cancellationToken))
                {
                    return;
                }
                continue;
            }
            CheckSpaceIfDue();
            await KeepToBudgetAsync();
            if (_inFlight.Count == 0)
            {
                var wake = await WaitForInputAsync(input, cancellationToken);
                if (wake == Wake.SealDue)
                {
                    SealNow();
                    CheckClock();
                    CheckBudget();
                    continue;
                }
                if (wake == Wake.SpaceCheck)
                {
                    continue;
                }
                if (wake != Wake.Input)
                {
                    return;
                }
            }
            else if (!input.TryPeek(out _) && !HasPending)
            {
                // Nothing to prepare meanwhile: acknowledge the oldest commit in flight first.
                await FinishOldestAsync();
                continue;
            }

            // Draining a backlog (the batch before was filled to its limit): what is left does not
            // wait for company, so the last readings of a burst are not held back by the linger.
            await GatherAsync(input, NextBatchLimit(NextSequence), linger: _inFlight.Count == 0 || !_lastGatherFull, cancellationToken);
            var next = Prepare([], sealAtEnd: false);
            while (_inFlight.Count > 0 && (_inFlight.Peek().Outcome.IsCompleted || _inFlight.Count >= MaxInFlight))
            {
                await FinishOldestAsync();
            }
            if (next is null)
            {
                continue;
            }
            if (_held.Count > 0)
            {
                Hold(next);
            }
            else
            {
                _inFlight.Enqueue(new InFlight(next, _committer!.Commit(next)));
            }
        }
    }

    // Commits are blocked for want of space: the held batches are tried again when the file
    // system's free space changes (at most every SpaceCheckInterval) or, while it does not, with a
    // wait doubling up to MaxRetryWait. Meanwhile input is taken as usual (readings refused and
    // counted, alarms and events prepared and held) until MaxHeldLeaves. False when the input ended.
    private async Task<bool> WhileHeldAsync(ChannelReader<LogInput> input, CancellationToken cancellationToken)
    {
        if (_realClock.GetTimestamp() >= _nextRetryTicks || FreeSpaceChanged())
        {
            await TryCommitHeldAsync();
            if (_held.Count == 0)
            {
                return true;
            }
        }
        if (HasPending && _heldLeaves < MaxHeldLeaves)
        {
            _batch.Clear();
            if (Prepare([], sealAtEnd: false) is { } pending)
            {
                Hold(pending);
            }
            return true;
        }
        var untilCheck = TimeSpan.FromTicks(Math.Max(0, Math.Min(_nextRetryTicks, _nextSpaceCheckTicks) - _realClock.GetTimestamp())
            * TimeSpan.TicksPerSecond / _realClock.TimestampFrequency);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(untilCheck, _realClock, stop.Token);
        var wait = _heldLeaves < MaxHeldLeaves ? input.WaitToReadAsync(stop.Token).AsTask() : delay;
        var first = await Task.WhenAny(wait, delay);
        await stop.CancelAsync();
        if (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        if (first != wait || wait == delay)
        {
            return true;
        }
        if (!await (Task<bool>)wait)
        {
            return false;
        }
        await GatherAsync(input, NextBatchLimit(NextSequence), linger: true, cancellationToken);
        if (Prepare([], sealAtEnd: false) is { } next)
        {
            Hold(next);
        }
        return true;
    }

    private bool FreeSpaceChanged()
    {
        if (_realClock.GetTimestamp() < _nextSpaceCheckTicks)
        {
            return false;
        }
        _nextSpaceCheckTicks = _realClock.GetTimestamp() + Ticks(SpaceCheckInterval);
        return SafeFreeBytes() != _freeAtFailure;
    }

    private long SafeFreeBytes()
    {
        try
        {
            return _reserve.FreeBytes();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _realClock.TimestampFrequency);

    private void Hold(Batch batch)
    {
        _held.Enqueue(batch);
        _heldLeaves += batch.Leaves.Count;
    }

    // Tries the held batches in order on a thread of their own; stops at the first that fails for want of space.
    private async Task TryCommitHeldAsync()
    {
        while (_held.TryPeek(out var batch))
        {
            CommitOutcome outcome;
            try
            {
                outcome = await Task.Run(() => CommitWithRetries(batch));
            }
            catch (Exception e) when (DiskReserve.IsOutOfSpace(e))
            {
                _freeAtFailure = SafeFreeBytes();
                _retryWait = _retryWait == TimeSpan.Zero ? SpaceCheckInterval : TimeSpan.FromTicks(Math.Min(MaxRetryWait.Ticks, _retryWait.Ticks * 2));
                _nextRetryTicks = _realClock.GetTimestamp() + Ticks(_retryWait);
                LogHeldRetryFailed(_held.Count, _heldLeaves, _retryWait.TotalSeconds);
                EnterFileSystemFull(e);
                return;
            }
            _held.Dequeue();
            _heldLeaves -= batch.Leaves.Count;
            OnCommitted(outcome, batch);
        }
        _retryWait = TimeSpan.Zero;
        _freeAtFailure = -1;
    }

    private async Task DrainAsync()
    {
        while (_inFlight.Count > 0)
        {
            await FinishOldestAsync();
        }
    }

    private bool HasPending => _pendingEvents.Count > 0 || _meta.Count > 0;

    private async Task StartAsync()
    {
        var now = NowMs();
        var ended = _alarms.Restore(_log.Store.ReadAlarmStates(), now);
        if (_log.Store.GetMetaLong(MetaKeys.DiskFullSinceMs) is { } since)
        {
            _refusing = true;
            _refusedSinceMs = since;
            _refused = _refusedRecorded = _log.Store.GetMetaLong(MetaKeys.RefusedReadings) ?? 0;
            // Still full or not is found out again: the budget after the first commit, the file system now.
            _budgetFull = _log.Store.GetMetaString(MetaKeys.DiskFullCause) != DiskFullCauses.FileSystem;
        }
        _lastSealedSize = _plannedSealedSize = _log.LastCheckpoint?.Size ?? 0;
        _plannedSealTicks = _clock.GetTimestamp();

        _pendingEvents.Enqueue(new GatewayEvent("gateway-start",
            Invariant($"EdgeGateway {_options.Version} started; log size {_log.Size}, last checkpoint {_lastSealedSize}, pruned below {_log.PrunedBelow}"), now));
        foreach (var transition in ended)
        {
            LogAlarmEnded(transition.Zone, transition.RuleId, transition.SensorId, transition.Detail);
        }
        _meta.Add(new(MetaKeys.DiskBudgetBytes, _budget.MaxBytes));
        if (!HoldReserve())
        {
            EnterFileSystemFull(null);
        }
        else if (_refusing && !_budgetFull)
        {
            UpdateRefusing();
        }
        _batch.Clear();
        await CommitNowAsync(Prepare(ended, sealAtEnd: false));
        LogStarted(_log.DeviceId, _log.Size, _lastSealedSize, _log.PrunedBelow);
    }

    private enum Wake
    {
        Input,
        SealDue,
        SpaceCheck,
        Completed,
        Cancelled,
    }

    private async Task<Wake> WaitForInputAsync(ChannelReader<LogInput> input, CancellationToken cancellationToken)
    {
        if (input.TryPeek(out _) || HasPending)
        {
            return Wake.Input;
        }
        TimeSpan? untilSeal = _log.Size > _lastSealedSize ? _options.SealInterval - _clock.GetElapsedTime(_plannedSealTicks) : null;
        if (untilSeal <= TimeSpan.Zero)
        {
            return Wake.SealDue;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var wait = input.WaitToReadAsync(stop.Token).AsTask();
        Task first = wait;
        if (_fileSystemFull)
        {
            // Also wakes to look at the file system again.
            var spaceCheck = Task.Delay(SpaceCheckInterval, _realClock, stop.Token);
            first = untilSeal is { } sealTimeout
                ? await Task.WhenAny(wait, spaceCheck, Task.Delay(sealTimeout, _clock, stop.Token))
                : await Task.WhenAny(wait, spaceCheck);
            if (first == spaceCheck && !cancellationToken.IsCancellationRequested)
            {
                await stop.CancelAsync();
                return Wake.SpaceCheck;
            }
        }
        else if (untilSeal is { } timeout)
        {
            first = await Task.WhenAny(wait, Task.Delay(timeout, _clock, stop.Token));
        }
        else
        {
            try
            {
                await wait;
            }
            catch (OperationCanceledException)
            {
                // Stopping; reported below.
            }
        }
        await stop.CancelAsync();
        if (first != wait || wait.IsCanceled)
        {
            return cancellationToken.IsCancellationRequested ? Wake.Cancelled : Wake.SealDue;
        }
        return await wait ? Wake.Input : Wake.Completed;
    }

    // A batch ends where the next size-based checkpoint is due, so that the checkpoint is signed at
    // the end of the batch's own transaction.
    private int NextBatchLimit(long nextSequence)
    {
        var untilSeal = _plannedSealedSize + _options.SealMaxLeaves - nextSequence - _pendingEvents.Count;
        return (int)Math.Clamp(untilSeal, 1, _options.BatchMaxEvents);
    }

    private async Task GatherAsync(ChannelReader<LogInput> input, int limit, bool linger, CancellationToken cancellationToken)
    {
        _batch.Clear();
        var started = _realClock.GetTimestamp();
        while (true)
        {
            while (_batch.Count < limit && input.TryRead(out var item))
            {
                _batch.Add(item);
            }
            _lastGatherFull = _batch.Count >= limit;
            var remaining = _options.BatchMaxDelay - _realClock.GetElapsedTime(started);
            if (!linger || _lastGatherFull || remaining <= TimeSpan.Zero || cancellationToken.IsCancellationRequested)
            {
                return;
            }
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var wait = input.WaitToReadAsync(stop.Token).AsTask();
            var first = await Task.WhenAny(wait, Task.Delay(remaining, _realClock, stop.Token));
            await stop.CancelAsync();
            if (first != wait || wait.IsCanceled || !await wait)
            {
                return;
            }
        }
    }

    /// <summary>What one transaction writes.</summary>
    private sealed class Batch(long first)
    {
        public long First { get; } = first;

        public List<ReadingLeaf> Leaves { get; } = new(1024);

        public IReadOnlyList<AlarmStateChange> AlarmChanges { get; set; } = [];

        public List<KeyValuePair<string, object?>> Meta { get; } = [];

        public List<long> SealSizes { get; } = [];

        public PreparedAppend? Prepared { get; set; }

        public long End => First + Leaves.Count;
    }

    private readonly record struct CommitOutcome(CommitResult Result, IReadOnlyList<StoredCheckpoint> Sealed, long UsedBytes);

    private readonly record struct InFlight(Batch Batch, Task<CommitOutcome> Outcome);

    // The sequence of the next leaf prepared: after the batches still committing, if any.
    private long NextSequence => _lastPrepared?.Size ?? _log.Size;

    // Builds the leaves of the gathered inputs (and pending gateway events, and extra alarm
    // transitions) from NextSequence on, hashes the Merkle nodes they complete and signs the
    // checkpoints due, after the batch prepared before (which may still be committing), so that
    // the commit stage only stores rows. Null when there is nothing to write.
    private Batch? Prepare(IReadOnlyList<AlarmTransition> extraAlarms, bool sealAtEnd)
    {
        var batch = new Batch(NextSequence);
        while (_pendingEvents.TryDequeue(out var pending))
        {
            AddLeaf(batch, _drafts.ForGatewayEvent(pending, batch.End), null);
        }
        foreach (var item in _batch)
        {
            if (item.Event is { } gatewayEvent)
            {
                AddLeaf(batch, _drafts.ForGatewayEvent(gatewayEvent, batch.End), null);
                continue;
            }
            if (item.TickMs is { } nowMs)
            {
                // Like gateway events, written while readings are refused.
                var tick = _alarms.Tick(nowMs);
                foreach (var window in tick.Windows)
                {
                    LogSuppression(window.Zone, window.Opened ? SuppressionTransition.StartCode : SuppressionTransition.EndCode, window.Detail);
                    AddLeaf(batch, _drafts.ForSuppression(window, batch.End), null);
                }
                foreach (var transition in tick.Alarms)
                {
                    AddAlarm(batch, transition);
                }
                continue;
            }
            if (item.Door is { } door)
            {
                // Like gateway events, door changes are few and are written while readings are refused.
                if (door.Changed)
                {
                    AddLeaf(batch, _drafts.ForDoor(door, batch.End), null);
                }
                foreach (var transition in _alarms.ObserveDoor(door.Zone, door.DoorId, door.Open, door.TimeMs))
                {
                    AddAlarm(batch, transition);
                }
                continue;
            }
            var sensorEvent = item.Sensor!;
            IReadOnlyList<AlarmTransition> transitions = [];
            if (sensorEvent is Measurement m && double.IsFinite(m.Value))
            {
                var quantity = LeafDrafts.QuantityName(m.Quantity);
                if (Senml.UnitOf(quantity) == m.Unit)
                {
                    var reading = new AlarmReading(_drafts.ZoneOf(m.SensorId), m.SensorId, quantity, m.TimeMs, m.Value, m.Unit);
                    transitions = _alarms.Observe(_calibrations?.Correct(reading) ?? reading);
                }
            }
            else if (sensorEvent is SensorFault { Quantity: not Quantity.Tag })
            {
                // Not a good reading: a "no data" rule watches the sensor, and its silence goes on.
                _alarms.Seen(_drafts.ZoneOf(sensorEvent.SensorId), sensorEvent.SensorId, sensorEvent.TimeMs);
            }
            if (_refusing)
            {
                _refused++;
            }
            else
            {
                AddLeaf(batch, _drafts.ForSensorEvent(sensorEvent, batch.End), sensorEvent);
            }
            foreach (var transition in transitions)
            {
                AddAlarm(batch, transition);
            }
        }
        foreach (var transition in extraAlarms)
        {
            AddAlarm(batch, transition);
        }
        _batch.Clear();

        batch.AlarmChanges = _alarms.TakeChanges();
        if (_refused != _refusedRecorded && (batch.Leaves.Count > 0 || _realClock.GetElapsedTime(_refusedRecordedTicks) >= RefusedRecordInterval))
        {
            _meta.Add(new(MetaKeys.RefusedReadings, _refused));
            _refusedRecorded = _refused;
            _refusedRecordedTicks = _realClock.GetTimestamp();
        }
        batch.Meta.AddRange(_meta);
        _meta.Clear();
        if (batch.Leaves.Count == 0 && batch.AlarmChanges.Count == 0 && batch.Meta.Count == 0)
        {
            return null;
        }

        while (_plannedSealedSize + _options.SealMaxLeaves <= batch.End)
        {
            _plannedSealedSize += _options.SealMaxLeaves;
            batch.SealSizes.Add(_plannedSealedSize);
        }
        if (batch.End > _plannedSealedSize && (sealAtEnd || _clock.GetElapsedTime(_plannedSealTicks) >= _options.SealInterval))
        {
            _plannedSealedSize = batch.End;
            batch.SealSizes.Add(batch.End);
        }
        if (batch.SealSizes.Count > 0)
        {
            _plannedSealTicks = _clock.GetTimestamp();
        }
        batch.Prepared = _log.Prepare(batch.Leaves, _lastPrepared, batch.SealSizes, batch.SealSizes.Count > 0 ? NowMs() : 0);
        _lastPrepared = batch.Prepared;
        return batch;
    }

    // On the committer's thread, or on the writer's when nothing is in flight.
    private CommitOutcome Commit(Batch batch)
    {
        var appended = _log.Append(batch.Prepared!, batch.AlarmChanges, batch.Meta);
        long used;
        try
        {
            used = _log.Store.UsedBytes();
        }
        catch (SqliteException)
        {
            // Committed all the same; the budget is looked at after the next commit.
            used = -1;
        }
        return new CommitOutcome(appended.Commit, appended.Sealed, used);
    }

    // A failed commit is retried with the very same batch; after the last attempt the writer stops.
    // A full file system is not retried here: the writer holds the batch until space returns.
    private CommitOutcome CommitWithRetries(Batch batch)
    {
        try
        {
            return Commit(batch);
        }
        catch (SqliteException first) when (!DiskReserve.IsOutOfSpace(first))
        {
            var failure = first;
            for (var attempt = 1; ; attempt++)
            {
                if (attempt >= _options.CommitAttempts)
                {
                    throw new IOException($"could not commit leaves {batch.First}..{batch.End - 1} after {attempt} attempts: {failure.Message}", failure);
                }
                var wait = TimeSpan.FromMilliseconds(Math.Min(30_000, 250 * (1 << Math.Min(attempt, 10))));
                LogCommitFailed(failure, batch.Leaves.Count, attempt, _options.CommitAttempts, wait.TotalSeconds);
                Task.Delay(wait, _realClock, CancellationToken.None).GetAwaiter().GetResult();
                try
                {
                    return Commit(batch);
                }
                catch (SqliteException e) when (!DiskReserve.IsOutOfSpace(e))
                {
                    failure = e;
                }
            }
        }
    }

    private async Task FinishOldestAsync()
    {
        var (batch, committing) = _inFlight.Dequeue();
        CommitOutcome outcome;
        try
        {
            outcome = await committing;
        }
        catch (Exception e) when (DiskReserve.IsOutOfSpace(e))
        {
            Hold(batch);
            // The committer failed every batch handed over after this one without trying it.
            while (_inFlight.TryDequeue(out var later))
            {
                try
                {
                    OnCommitted(await later.Outcome, later.Batch);
                }
                catch (Exception laterFailure) when (DiskReserve.IsOutOfSpace(laterFailure))
                {
                    Hold(later.Batch);
                }
            }
            _committer?.Reset();
            EnterFileSystemFull(e);
            return;
        }
        OnCommitted(outcome, batch);
    }

    // Commits on the writer's thread; only while nothing is in flight. Behind held batches, the
    // batch is held too and all are tried.
    private async Task CommitNowAsync(Batch? batch)
    {
        if (batch is not null)
        {
            Hold(batch);
        }
        if (_held.Count == 0)
        {
            return;
        }
        await TryCommitHeldAsync();
        if (_held.Count > 0 && _fileSystemFull && _reserve.Release())
        {
            // Space was just given back: one more try at once.
            await TryCommitHeldAsync();
        }
        if (_held.Count == 0)
        {
            CheckBudget();
        }
    }

    private void OnCommitted(CommitOutcome outcome, Batch batch)
    {
        var result = outcome.Result;
        if (result.Count > 0)
        {
            if (_logger.IsEnabled(LogLevel.Information))
            {
                // The root the transaction was checked to reach; worked out here, not on the commit thread.
                LogCommitted(result.First, result.Last, result.Size, batch.Prepared!.Root().ToHex());
            }
            Committed?.Invoke(result);
            LeavesCommitted?.Invoke(batch.Leaves);
        }
        foreach (var checkpoint in outcome.Sealed)
        {
            OnSealed(checkpoint);
        }
        CheckClock();
        _budgetDue |= outcome.UsedBytes >= 0 && _budget.NeedsAttention(outcome.UsedBytes, _budgetFull);
        if (!_fileSystemFull && IsLow())
        {
            EnterFileSystemFull(null);
        }
    }

    private bool IsLow()
    {
        try
        {
            return _reserve.IsLow();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private bool HoldReserve()
    {
        try
        {
            return _reserve.TryHold();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogReserveFailed(e, _reserve.Path);
            return !IsLow();
        }
    }

    // The file system is full (a commit failed for want of space, or little is left): the reserve
    // is given back so that what is held, the disk-full event and the few alarm and event leaves
    // can still be written, and readings are refused until CheckSpaceIfDue finds room again.
    private void EnterFileSystemFull(Exception? cause)
    {
        if (_fileSystemFull)
        {
            return;
        }
        _fileSystemFull = true;
        var released = _reserve.Release();
        _nextRetryTicks = _realClock.GetTimestamp();
        _nextSpaceCheckTicks = _realClock.GetTimestamp() + Ticks(SpaceCheckInterval);
        LogDiskFull(cause, DiskFullCauses.FileSystem, "space is freed on the data folder's file system",
            Invariant($"{SafeFreeBytes()} bytes are free; a reserve of {(released ? _reserve.Bytes : 0)} bytes was given back to record this; {_heldLeaves} leaves (none acknowledged yet) wait in memory to be committed"));
        UpdateRefusing();
    }

    // While the file system is full and nothing is held: room for the reserve again means readings
    // are accepted again (the held batches, if any, are committed first).
    private void CheckSpaceIfDue()
    {
        if (!_fileSystemFull || _realClock.GetTimestamp() < _nextSpaceCheckTicks)
        {
            return;
        }
        _nextSpaceCheckTicks = _realClock.GetTimestamp() + Ticks(SpaceCheckInterval);
        if (HoldReserve())
        {
            _fileSystemFull = false;
            UpdateRefusing();
        }
    }

    // Starts or ends refusing readings when the budget's or the file system's state changed.
    private void UpdateRefusing()
    {
        var refusing = _budgetFull || _fileSystemFull;
        if (refusing == _refusing)
        {
            if (refusing)
            {
                _meta.Add(new(MetaKeys.DiskFullCause, Cause()));
            }
            return;
        }
        _refusing = refusing;
        if (refusing)
        {
            _refusedSinceMs = NowMs();
            var pending = _log.Size - SafeCommittedSize();
            var detail = _fileSystemFull
                ? Invariant($"the file system of the data folder is full ({Megabytes(SafeFreeBytes())} MB free); {pending} leaves are not yet committed by the node and all acknowledged ones are kept; new readings are refused (and counted) until space is freed")
                : Invariant($"database at its budget of {Megabytes(_budget.MaxBytes)} MB and {pending} leaves are not yet committed by the node; new readings are refused (and counted) until the node commits and space is freed");
            _meta.Add(new(MetaKeys.DiskFullSinceMs, _refusedSinceMs));
            _meta.Add(new(MetaKeys.DiskFullCause, Cause()));
            _pendingEvents.Enqueue(new GatewayEvent("disk-full", detail, _refusedSinceMs));
            return;
        }
        var refused = _refused;
        _refused = _refusedRecorded = 0;
        LogDiskResumed(refused, SafeFreeBytes());
        _meta.Add(new(MetaKeys.DiskFullSinceMs, null));
        _meta.Add(new(MetaKeys.DiskFullCause, null));
        _meta.Add(new(MetaKeys.RefusedReadings, 0L));
        _pendingEvents.Enqueue(new GatewayEvent("disk-resumed",
            Invariant($"accepting readings again; {refused} readings were refused since {DateTimeOffset.FromUnixTimeMilliseconds(_refusedSinceMs):yyyy-MM-dd'T'HH:mm:ss'Z'} while the disk was full"),
            NowMs()));
    }

    private string Cause() => _fileSystemFull ? DiskFullCauses.FileSystem : DiskFullCauses.Budget;

    private long SafeCommittedSize()
    {
        try
        {
            return _log.Store.GetMetaLong(MetaKeys.NodeCommittedSize) ?? 0;
        }
        catch (SqliteException)
        {
            return 0;
        }
    }

    // The budget's work (pruning, reading the node's committed size) shares the database
    // connection with the commits, so it waits until none is in flight. It is due only near the
    // budget; there, batches are committed one at a time.
    private async Task KeepToBudgetAsync()
    {
        if (!_budgetDue)
        {
            return;
        }
        await DrainAsync();
        if (_held.Count == 0)
        {
            CheckBudget();
        }
    }

    private void OnSealed(StoredCheckpoint checkpoint)
    {
        _lastSealedSize = Math.Max(_lastSealedSize, checkpoint.Size);
        LogSealed(checkpoint.Size, checkpoint.Root.ToHex());
        CheckpointSealed?.Invoke(checkpoint);
    }

    private void AddAlarm(Batch batch, AlarmTransition transition)
    {
        if (transition.Started)
        {
            LogAlarmStarted(transition.Zone, transition.RuleId, transition.SensorId, transition.Detail);
        }
        else
        {
            LogAlarmEnded(transition.Zone, transition.RuleId, transition.SensorId, transition.Detail);
        }
        var content = _drafts.ForAlarm(transition, batch.End);
        try
        {
            batch.Leaves.Add(_log.CreateLeaf(content));
        }
        catch (ArgumentException)
        {
            // The sensor id is not one a leaf may carry; the alarm is still recorded, naming it in the detail.
            batch.Leaves.Add(_log.CreateLeaf(content with
            {
                SensorId = null,
                Detail = LeafDrafts.CleanDetail($"sensor {transition.SensorId}: {transition.Detail}"),
            }));
        }
    }

    private void AddLeaf(Batch batch, LeafContent content, SensorEvent? source)
    {
        try
        {
            batch.Leaves.Add(_log.CreateLeaf(content));
        }
        catch (ArgumentException e) when (source is not null)
        {
            LogInvalidReading(source.SensorId, e.Message);
            batch.Leaves.Add(_log.CreateLeaf(_drafts.ForRefusedEvent(source, content.Sequence, e.Message)));
        }
    }

    // A time-based seal when no batch is flowing (idle gateway): its own small transaction.
    private void SealNow()
    {
        if (_log.Size <= _lastSealedSize)
        {
            return;
        }
        try
        {
            var checkpoint = _log.Seal(_log.Size, NowMs());
            _plannedSealedSize = _log.Size;
            _plannedSealTicks = _clock.GetTimestamp();
            OnSealed(checkpoint);
        }
        catch (SqliteException e)
        {
            _plannedSealTicks = _clock.GetTimestamp();
            if (DiskReserve.IsOutOfSpace(e))
            {
                EnterFileSystemFull(e);
                return;
            }
            LogSealFailed(e, _log.Size);
        }
    }

    // Checked near the budget after commits, with none in flight; what it decides (events,
    // refusing) applies from the next batch prepared.
    private void CheckBudget()
    {
        _budgetDue = false;
        try
        {
            var used = _log.Store.UsedBytes();
            if (used > _budget.PruneAtBytes)
            {
                used = Prune(used);
            }
            if (!_budgetFull && used >= _budget.MaxBytes)
            {
                _budgetFull = true;
                LogDiskFull(null, DiskFullCauses.Budget, "the node commits and pruning frees space",
                    Invariant($"The database uses {used} of its budget of {_budget.MaxBytes} bytes and {_log.Size - SafeCommittedSize()} leaves await the node; check the uplink, or raise storage.maxDatabaseMegabytes"));
                UpdateRefusing();
            }
            else if (_budgetFull && used < _budget.ResumeBelowBytes)
            {
                _budgetFull = false;
                UpdateRefusing();
            }
        }
        catch (SqliteException e) when (DiskReserve.IsOutOfSpace(e))
        {
            // Pruning writes too; it is tried again after a later commit.
            EnterFileSystemFull(e);
        }
    }

    private long Prune(long used)
    {
        var committed = _log.Store.GetMetaLong(MetaKeys.NodeCommittedSize) ?? 0;
        var bound = DiskBudget.PrunableBound(committed, _lastSealedSize, _log.Size);
        if (bound <= _log.PrunedBelow)
        {
            return used;
        }
        var from = _log.PrunedBelow;
        while (used > _budget.PruneToBytes && _log.PrunedBelow < bound)
        {
            _log.Prune(Math.Min(bound, (_log.PrunedBelow + _options.PruneChunk) / 16 * 16));
            used = _log.Store.UsedBytes();
        }
        LogPruned(from, _log.PrunedBelow, used, _budget.MaxBytes);
        _pendingEvents.Enqueue(new GatewayEvent("disk-pruned",
            Invariant($"pruned leaves {from}..{_log.PrunedBelow - 1}, committed by the node, to keep the database within its budget; now {Megabytes(used)} of {Megabytes(_budget.MaxBytes)} MB"),
            NowMs()));
        return used;
    }

    private void CheckClock()
    {
        if (_clockWatch.Check() is { } step)
        {
            LogClockStep(step.TotalSeconds);
            _pendingEvents.Enqueue(new GatewayEvent("clock-step",
                Invariant($"the wall clock stepped {step.TotalSeconds:+0.000;-0.000} s; readings before and after are on different time bases"), NowMs()));
        }
    }

    private long NowMs() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    private static string Megabytes(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 1, EventName = "started", Level = LogLevel.Information,
        Message = "device log of {DeviceId} open: size {Size}, last checkpoint {CheckpointSize}, pruned below {PrunedBelow}")]
    private partial void LogStarted(string deviceId, long size, long checkpointSize, long prunedBelow);

    [LoggerMessage(EventId = 2, EventName = "committed", Level = LogLevel.Information,
        Message = "committed leaves {First}..{Last}; log size {Size}, root {Root}")]
    private partial void LogCommitted(long first, long last, long size, string root);

    [LoggerMessage(EventId = 3, EventName = "sealed", Level = LogLevel.Information,
        Message = "sealed checkpoint {Size} with root {Root}")]
    private partial void LogSealed(long size, string root);

    [LoggerMessage(EventId = 4, EventName = "commit-failed", Level = LogLevel.Error,
        Message = "could not commit {Count} leaves (attempt {Attempt} of {Attempts}); nothing of the batch was acknowledged; retrying the same leaves in {WaitSeconds} s")]
    private partial void LogCommitFailed(Exception exception, int count, int attempt, int attempts, double waitSeconds);

    [LoggerMessage(EventId = 5, EventName = "seal-failed", Level = LogLevel.Error,
        Message = "could not store checkpoint {Size}; retrying when it is next due")]
    private partial void LogSealFailed(Exception exception, long size);

    [LoggerMessage(EventId = 6, EventName = "alarm-start", Level = LogLevel.Warning,
        Message = "alarm {Zone}/{Rule} started for sensor {SensorId}: {Detail}")]
    private partial void LogAlarmStarted(string zone, string rule, string sensorId, string detail);

    [LoggerMessage(EventId = 7, EventName = "alarm-end", Level = LogLevel.Information,
        Message = "alarm {Zone}/{Rule} ended for sensor {SensorId}: {Detail}")]
    private partial void LogAlarmEnded(string zone, string rule, string sensorId, string detail);

    [LoggerMessage(EventId = 8, EventName = "disk-pruned", Level = LogLevel.Information,
        Message = "pruned committed leaves {From}..{To} (exclusive); database uses {UsedBytes} of {BudgetBytes} bytes")]
    private partial void LogPruned(long from, long to, long usedBytes, long budgetBytes);

    [LoggerMessage(EventId = 9, EventName = "disk-full", Level = LogLevel.Error,
        Message = "DISK FULL ({Cause}): NEW READINGS ARE REFUSED (and counted) until {Until}; everything acknowledged is kept. {Detail}")]
    private partial void LogDiskFull(Exception? exception, string cause, string until, string detail);

    [LoggerMessage(EventId = 10, EventName = "disk-resumed", Level = LogLevel.Warning,
        Message = "the disk has room again: accepting readings; {Refused} readings were refused meanwhile; the file system has {FreeBytes} bytes free")]
    private partial void LogDiskResumed(long refused, long freeBytes);

    [LoggerMessage(EventId = 11, EventName = "clock-step", Level = LogLevel.Warning,
        Message = "the wall clock stepped {StepSeconds} s")]
    private partial void LogClockStep(double stepSeconds);

    [LoggerMessage(EventId = 14, EventName = "disk-full-retry", Level = LogLevel.Debug,
        Message = "the file system is still full: {Batches} batches ({Leaves} leaves) wait; trying again in at most {WaitSeconds} s, sooner if free space changes")]
    private partial void LogHeldRetryFailed(int batches, int leaves, double waitSeconds);

    [LoggerMessage(EventId = 15, EventName = "stopped-disk-full", Level = LogLevel.Error,
        Message = "stopping with the file system full: leaves {First}..{Last} ({Leaves} leaves, read but never acknowledged) could not be stored; everything acknowledged is kept")]
    private partial void LogStoppedFull(long first, long last, int leaves);

    [LoggerMessage(EventId = 16, EventName = "reserve-failed", Level = LogLevel.Warning,
        Message = "could not write the disk reserve {Path}; a full disk will be noticed all the same, with less room to record it")]
    private partial void LogReserveFailed(Exception exception, string path);

    [LoggerMessage(EventId = 12, EventName = "invalid-reading", Level = LogLevel.Warning,
        Message = "a reading of sensor {SensorId} cannot be a leaf as reported ({Reason}); recorded as a fault")]
    private partial void LogInvalidReading(string sensorId, string reason);

    [LoggerMessage(EventId = 17, EventName = "suppression", Level = LogLevel.Information,
        Message = "alarms of zone {Zone}: {Code}: {Detail}")]
    private partial void LogSuppression(string zone, string code, string detail);
}
