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
public sealed partial class LogWriter
{
    private static readonly TimeSpan ClockStepTolerance = TimeSpan.FromSeconds(5);

    private readonly DeviceLog _log;
    private readonly LeafDrafts _drafts;
    private readonly AlarmEngine _alarms;
    private readonly DiskBudget _budget;
    private readonly LogWriterOptions _options;
    private readonly TimeProvider _clock;
    private readonly TimeProvider _realClock;
    private readonly ILogger<LogWriter> _logger;
    private readonly ClockWatch _clockWatch;
    private readonly List<LogInput> _batch;
    private readonly List<ReadingLeaf> _leaves;
    private readonly List<KeyValuePair<string, object?>> _meta = [];
    private long _lastSealedSize;
    private long _lastSealTicks;
    private bool _refusing;
    private long _refused;
    private long _refusedSinceMs;

    /// <param name="log">The device log (owned by this writer while it runs).</param>
    /// <param name="drafts">Leaf contents for events.</param>
    /// <param name="alarms">The alarm engine.</param>
    /// <param name="options">Batching, sealing and budget settings.</param>
    /// <param name="clock">Gateway time: leaf times of gateway events, sealing (simulated under <c>--speed</c>).</param>
    /// <param name="realClock">Real time: how long a reading waits for its commit, retry waits.</param>
    /// <param name="logger">Where acknowledgements and events are logged.</param>
    public LogWriter(DeviceLog log, LeafDrafts drafts, AlarmEngine alarms, LogWriterOptions options, TimeProvider clock, TimeProvider realClock, ILogger<LogWriter> logger)
    {
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
        _leaves = new List<ReadingLeaf>(options.BatchMaxEvents + 16);
    }

    /// <summary>Raised after a checkpoint is stored (on the writer's thread).</summary>
    public event Action<StoredCheckpoint>? CheckpointSealed;

    /// <summary>Raised after each commit that appended leaves (on the writer's thread).</summary>
    public event Action<CommitResult>? Committed;

    /// <summary>True while new readings are refused because the disk budget is exhausted.</summary>
    public bool RefusingReadings => _refusing;

    /// <summary>
    /// Runs until <paramref name="input"/> completes (the normal stop: sources stopped first) or
    /// <paramref name="cancellationToken"/> fires; in both cases what has been read is committed,
    /// a <c>gateway-stop</c> event is appended and the log is sealed before returning.
    /// </summary>
    public async Task RunAsync(ChannelReader<LogInput> input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        await StartAsync();
        while (!cancellationToken.IsCancellationRequested)
        {
            var wake = await WaitForInputAsync(input, cancellationToken);
            if (wake == Wake.Input)
            {
                await GatherAsync(input, cancellationToken);
                await ProcessAsync();
            }
            else if (wake != Wake.SealDue)
            {
                break;
            }
            await CheckClockAsync();
            SealIfDue(force: false);
            await CheckBudgetAsync();
        }

        // Stopping: everything already read is committed; nothing that was acknowledged is undone.
        while (true)
        {
            _batch.Clear();
            while (_batch.Count < _options.BatchMaxEvents && input.TryRead(out var item))
            {
                _batch.Add(item);
            }
            if (_batch.Count == 0)
            {
                break;
            }
            await ProcessAsync();
        }
        await AppendEventsAsync(new GatewayEvent("gateway-stop",
            Invariant($"stopped cleanly; log size {_log.Size}{(_refused > 0 ? $", {_refused} readings refused while the disk budget was exhausted" : "")}"), NowMs()));
        SealIfDue(force: true);
    }

    private async Task StartAsync()
    {
        var now = NowMs();
        var ended = _alarms.Restore(_log.Store.ReadAlarmStates(), now);
        if (_log.Store.GetMetaLong(MetaKeys.DiskFullSinceMs) is { } since)
        {
            _refusing = true;
            _refusedSinceMs = since;
            _refused = _log.Store.GetMetaLong(MetaKeys.RefusedReadings) ?? 0;
        }
        _lastSealedSize = _log.LastCheckpoint?.Size ?? 0;
        _lastSealTicks = _clock.GetTimestamp();

        _batch.Clear();
        _batch.Add(LogInput.From(new GatewayEvent("gateway-start",
            Invariant($"EdgeGateway {_options.Version} started; log size {_log.Size}, last checkpoint {_lastSealedSize}, pruned below {_log.PrunedBelow}"), now)));
        _meta.Add(new(MetaKeys.DiskBudgetBytes, _budget.MaxBytes));
        await ProcessAsync(ended);
        LogStarted(_log.DeviceId, _log.Size, _lastSealedSize, _log.PrunedBelow);
        SealIfDue(force: false);
        await CheckBudgetAsync();
    }

    private enum Wake
    {
        Input,
        SealDue,
        Completed,
        Cancelled,
    }

    private async Task<Wake> WaitForInputAsync(ChannelReader<LogInput> input, CancellationToken cancellationToken)
    {
        if (input.TryPeek(out _))
        {
            return Wake.Input;
        }
        TimeSpan? untilSeal = _log.Size > _lastSealedSize ? _options.SealInterval - _clock.GetElapsedTime(_lastSealTicks) : null;
        if (untilSeal <= TimeSpan.Zero)
        {
            return Wake.SealDue;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var wait = input.WaitToReadAsync(stop.Token).AsTask();
        Task first = wait;
        if (untilSeal is { } timeout)
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

    private async Task GatherAsync(ChannelReader<LogInput> input, CancellationToken cancellationToken)
    {
        _batch.Clear();
        var started = _realClock.GetTimestamp();
        while (true)
        {
            while (_batch.Count < _options.BatchMaxEvents && input.TryRead(out var item))
            {
                _batch.Add(item);
            }
            var remaining = _options.BatchMaxDelay - _realClock.GetElapsedTime(started);
            if (_batch.Count >= _options.BatchMaxEvents || remaining <= TimeSpan.Zero || cancellationToken.IsCancellationRequested)
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

    private async Task ProcessAsync(IReadOnlyList<AlarmTransition>? extraAlarms = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var refusedBefore = _refused;
            try
            {
                BuildLeaves(extraAlarms);
                if (_refused != refusedBefore)
                {
                    _meta.Add(new(MetaKeys.RefusedReadings, _refused));
                }
                var changes = _alarms.TakeChanges();
                if (_leaves.Count == 0 && changes.Count == 0 && _meta.Count == 0)
                {
                    return;
                }
                var result = _log.Append(_leaves, changes, _meta);
                _meta.Clear();
                if (result.Count > 0)
                {
                    LogCommitted(result.First, result.Last, result.Size, _log.Root().ToHex());
                    Committed?.Invoke(result);
                }
                return;
            }
            catch (SqliteException e) when (attempt < _options.CommitAttempts)
            {
                _refused = refusedBefore;
                var wait = TimeSpan.FromMilliseconds(Math.Min(30_000, 250 * (1 << Math.Min(attempt, 10))));
                LogCommitFailed(e, _batch.Count, attempt, _options.CommitAttempts, wait.TotalSeconds);
                // The engine ran ahead of the rolled-back transaction: back to what is committed.
                _alarms.Restore(_log.Store.ReadAlarmStates(), NowMs());
                await Task.Delay(wait, _realClock, CancellationToken.None);
            }
        }
    }

    private void BuildLeaves(IReadOnlyList<AlarmTransition>? extraAlarms)
    {
        _leaves.Clear();
        foreach (var item in _batch)
        {
            if (item.Event is { } gatewayEvent)
            {
                AddLeaf(_drafts.ForGatewayEvent(gatewayEvent, NextSequence), null);
                continue;
            }
            var sensorEvent = item.Sensor!;
            IReadOnlyList<AlarmTransition> transitions = [];
            if (sensorEvent is Measurement m && double.IsFinite(m.Value))
            {
                var quantity = LeafDrafts.QuantityName(m.Quantity);
                if (Senml.UnitOf(quantity) == m.Unit)
                {
                    transitions = _alarms.Observe(new AlarmReading(_drafts.ZoneOf(m.SensorId), m.SensorId, quantity, m.TimeMs, m.Value, m.Unit));
                }
            }
            if (_refusing)
            {
                _refused++;
            }
            else
            {
                AddLeaf(_drafts.ForSensorEvent(sensorEvent, NextSequence), sensorEvent);
            }
            foreach (var transition in transitions)
            {
                AddAlarm(transition);
            }
        }
        foreach (var transition in extraAlarms ?? [])
        {
            AddAlarm(transition);
        }
    }

    private long NextSequence => _log.Size + _leaves.Count;

    private void AddAlarm(AlarmTransition transition)
    {
        if (transition.Started)
        {
            LogAlarmStarted(transition.Zone, transition.RuleId, transition.SensorId, transition.Detail);
        }
        else
        {
            LogAlarmEnded(transition.Zone, transition.RuleId, transition.SensorId, transition.Detail);
        }
        var content = _drafts.ForAlarm(transition, NextSequence);
        try
        {
            _leaves.Add(_log.CreateLeaf(content));
        }
        catch (ArgumentException)
        {
            // The sensor id is not one a leaf may carry; the alarm is still recorded, naming it in the detail.
            _leaves.Add(_log.CreateLeaf(content with
            {
                SensorId = null,
                Detail = LeafDrafts.CleanDetail($"sensor {transition.SensorId}: {transition.Detail}"),
            }));
        }
    }

    private void AddLeaf(LeafContent content, SensorEvent? source)
    {
        try
        {
            _leaves.Add(_log.CreateLeaf(content));
        }
        catch (ArgumentException e) when (source is not null)
        {
            LogInvalidReading(source.SensorId, e.Message);
            _leaves.Add(_log.CreateLeaf(_drafts.ForRefusedEvent(source, content.Sequence, e.Message)));
        }
    }

    private async Task AppendEventsAsync(params GatewayEvent[] events)
    {
        _batch.Clear();
        foreach (var e in events)
        {
            _batch.Add(LogInput.From(e));
        }
        await ProcessAsync();
    }

    private void SealIfDue(bool force)
    {
        while (_log.Size - _lastSealedSize >= _options.SealMaxLeaves)
        {
            if (!Seal(_lastSealedSize + _options.SealMaxLeaves))
            {
                return;
            }
        }
        if (_log.Size > _lastSealedSize && (force || _clock.GetElapsedTime(_lastSealTicks) >= _options.SealInterval))
        {
            Seal(_log.Size);
        }
    }

    private bool Seal(long size)
    {
        StoredCheckpoint checkpoint;
        try
        {
            checkpoint = _log.Seal(size, NowMs());
        }
        catch (SqliteException e)
        {
            LogSealFailed(e, size);
            return false;
        }
        _lastSealedSize = size;
        _lastSealTicks = _clock.GetTimestamp();
        LogSealed(checkpoint.Size, checkpoint.Root.ToHex());
        CheckpointSealed?.Invoke(checkpoint);
        return true;
    }

    private async Task CheckBudgetAsync()
    {
        var used = _log.Store.UsedBytes();
        if (used > _budget.PruneAtBytes)
        {
            var committed = _log.Store.GetMetaLong(MetaKeys.NodeCommittedSize) ?? 0;
            var bound = DiskBudget.PrunableBound(committed, _log.LastCheckpoint?.Size ?? 0, _log.Size);
            if (bound > _log.PrunedBelow)
            {
                var from = _log.PrunedBelow;
                while (used > _budget.PruneToBytes && _log.PrunedBelow < bound)
                {
                    _log.Prune(Math.Min(bound, (_log.PrunedBelow + _options.PruneChunk) / 16 * 16));
                    used = _log.Store.UsedBytes();
                }
                LogPruned(from, _log.PrunedBelow, used, _budget.MaxBytes);
                await AppendEventsAsync(new GatewayEvent("disk-pruned",
                    Invariant($"pruned leaves {from}..{_log.PrunedBelow - 1}, committed by the node, to keep the database within its budget; now {Megabytes(used)} of {Megabytes(_budget.MaxBytes)} MB"),
                    NowMs()));
                used = _log.Store.UsedBytes();
            }
        }
        if (!_refusing && used >= _budget.MaxBytes)
        {
            _refusing = true;
            _refusedSinceMs = NowMs();
            var pending = _log.Size - (_log.Store.GetMetaLong(MetaKeys.NodeCommittedSize) ?? 0);
            LogDiskFull(used, _budget.MaxBytes, pending);
            _meta.Add(new(MetaKeys.DiskFullSinceMs, _refusedSinceMs));
            await AppendEventsAsync(new GatewayEvent("disk-full",
                Invariant($"database at {Megabytes(used)} of {Megabytes(_budget.MaxBytes)} MB and {pending} leaves are not yet committed by the node; new readings are refused (and counted) until the node commits and space is freed"),
                _refusedSinceMs));
        }
        else if (_refusing && used < _budget.ResumeBelowBytes)
        {
            _refusing = false;
            var refused = _refused;
            _refused = 0;
            LogDiskResumed(refused, used, _budget.MaxBytes);
            _meta.Add(new(MetaKeys.DiskFullSinceMs, null));
            _meta.Add(new(MetaKeys.RefusedReadings, 0L));
            await AppendEventsAsync(new GatewayEvent("disk-resumed",
                Invariant($"accepting readings again; {refused} readings were refused since {DateTimeOffset.FromUnixTimeMilliseconds(_refusedSinceMs):yyyy-MM-dd'T'HH:mm:ss'Z'} while the disk budget was exhausted"),
                NowMs()));
        }
    }

    private async Task CheckClockAsync()
    {
        if (_clockWatch.Check() is { } step)
        {
            LogClockStep(step.TotalSeconds);
            await AppendEventsAsync(new GatewayEvent("clock-step",
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
        Message = "could not commit {Count} events (attempt {Attempt} of {Attempts}); nothing of the batch was acknowledged; retrying in {WaitSeconds} s")]
    private partial void LogCommitFailed(Exception exception, int count, int attempt, int attempts, double waitSeconds);

    [LoggerMessage(EventId = 5, EventName = "seal-failed", Level = LogLevel.Error,
        Message = "could not store checkpoint {Size}; retrying at the next commit")]
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
        Message = "DISK BUDGET EXHAUSTED: database uses {UsedBytes} of {BudgetBytes} bytes and {Pending} leaves await the node; NEW READINGS ARE REFUSED until the node commits. Check the uplink, or raise storage.maxDatabaseMegabytes")]
    private partial void LogDiskFull(long usedBytes, long budgetBytes, long pending);

    [LoggerMessage(EventId = 10, EventName = "disk-resumed", Level = LogLevel.Warning,
        Message = "disk budget has room again; {Refused} readings were refused meanwhile; database uses {UsedBytes} of {BudgetBytes} bytes")]
    private partial void LogDiskResumed(long refused, long usedBytes, long budgetBytes);

    [LoggerMessage(EventId = 11, EventName = "clock-step", Level = LogLevel.Warning,
        Message = "the wall clock stepped {StepSeconds} s")]
    private partial void LogClockStep(double stepSeconds);

    [LoggerMessage(EventId = 12, EventName = "invalid-reading", Level = LogLevel.Warning,
        Message = "a reading of sensor {SensorId} cannot be a leaf as reported ({Reason}); recorded as a fault")]
    private partial void LogInvalidReading(string sensorId, string reason);
}
