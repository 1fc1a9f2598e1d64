using Firmware.Contracts.Ledger;
using AnchorNode.Ledger;
using AnchorNode.Storage;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Inventory;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Firmware.Contracts.Evidence;

namespace AnchorNode.Inventory;

/// <summary>A covenant breach as this node recorded it.</summary>
public sealed record StoredBreach(
    long PledgeIndex, string Covenant, string DeviceId, string SensorId, long StartMs, long EndMs, long DurationMs,
    long ExceededAtMs, double Peak, bool Ongoing, long DetectedAtMs);

/// <summary>A pledge's covenants as the monitor last judged them.</summary>
/// <param name="State"><c>held</c>, <c>breached</c>, <c>cannot-be-evaluated</c> or <c>none</c> (no covenants): the verdict of the lender's condition report.</param>
/// <param name="Reasons">Why it cannot be evaluated (the report's reasons, or why no report could be made).</param>
/// <param name="EvaluatedMs">When, node time.</param>
public sealed record CovenantStanding(string State, IReadOnlyList<string> Reasons, long EvaluatedMs);

/// <summary>
/// Watches the covenants of active pledges: computes each pledged lot's condition report from the
/// anchored readings (the same report a lender gets), records every breach in
/// <c>covenant_breaches</c> (updating ongoing ones), and publishes each new breach once to the
/// <see cref="ICovenantEvents"/> port.
/// </summary>
public sealed partial class CovenantMonitor
{
    private readonly ConditionReports _reports;
    private readonly NodeReaders _readers;
    private readonly SqliteLedgerSequencer _writer;
    private readonly ICovenantEvents _events;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, CovenantStanding> _standings = new();

    /// <summary>A monitor writing through <paramref name="writer"/>'s connection and publishing to <paramref name="events"/>.</summary>
    public CovenantMonitor(ConditionReports reports, NodeReaders readers, SqliteLedgerSequencer writer, ICovenantEvents events, TimeProvider time, ILogger<CovenantMonitor> logger)
    {
        _reports = reports;
        _readers = readers;
        _writer = writer;
        _events = events;
        _time = time;
        _logger = logger;
    }

    /// <summary>Evaluates every active pledge with covenants; returns the breaches found for the first time.</summary>
    public async Task<IReadOnlyList<CovenantBreachEvent>> CheckAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var watched = new List<PledgeRecord>();
            using (var lease = _readers.Rent())
            {
                foreach (var pledge in lease.Reader.State.Pledges().Where(p => p.Status == PledgeStatus.Active))
                {
                    if (LotChains.StatementAt(lease.Reader, pledge.Index, Firmware.Contracts.Ledger.EntryKinds.Pledge) is { } statement
                        && PledgeStatement.From(statement) is { Succeeded: true, Value.Covenants.Count: > 0 })
                    {
                        watched.Add(pledge);
                    }
                    else
                    {
                        _standings[pledge.Index] = new CovenantStanding(ConditionVerdict.NoCovenants, [], _time.GetUtcNow().ToUnixTimeMilliseconds());
                    }
                }
            }
            var found = new List<(PledgeRecord Pledge, string Covenant, CovenantBreach Breach)>();
            foreach (var pledge in watched)
            {
                var report = _reports.Build(pledge.Receipt, new LotBundleRequest { Pledge = pledge.Index });
                var evaluatedMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
                if (!report.Succeeded)
                {
                    _standings[pledge.Index] = new CovenantStanding(ConditionVerdict.CannotBeEvaluated, [report.Failure!.Message], evaluatedMs);
                    LogNotEvaluated(_logger, pledge.Index, pledge.Receipt, report.Failure!.ToString());
                    continue;
                }
                var verdict = report.Value.Conditions.Verdict;
                _standings[pledge.Index] = new CovenantStanding(verdict.Covenants, verdict.Covenants == ConditionVerdict.CannotBeEvaluated ? verdict.Reasons : [], evaluatedMs);
                foreach (var status in report.Value.Conditions.Covenants.Where(c => c.Breached))
                {
                    found.AddRange(status.Breaches.Select(b => (pledge, status.Covenant, b)));
                }
            }
            if (found.Count == 0)
            {
                return [];
            }
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            var fresh = await _writer.RunExclusiveAsync(context => Store(context, found, now), cancellationToken);
            foreach (var breach in fresh)
            {
                try
                {
                    await _events.PublishAsync(breach, cancellationToken);
                }
#pragma warning disable CA1031 // a failing subscriber must not stop detection; the breach stays recorded
                catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    LogPublishFailed(_logger, breach.PledgeIndex, e);
                }
            }
            return fresh;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The covenant state of each active pledge: <c>breached</c> when a breach is recorded (recorded
    /// breaches survive a restart), else the verdict of the last evaluation, else
    /// <c>cannot-be-evaluated</c> because none was made since the node started.
    /// </summary>
    public IReadOnlyDictionary<long, CovenantStanding> Standings(NodeReader reader)
    {
        var breached = new Dictionary<long, long>();
        using (var rows = reader.Command("SELECT pledge, MIN(detected_ms) FROM covenant_breaches GROUP BY pledge", 0).ExecuteReader())
        {
            while (rows.Read())
            {
                breached[rows.GetInt64(0)] = rows.GetInt64(1);
            }
        }
        var standings = new Dictionary<long, CovenantStanding>();
        foreach (var pledge in reader.State.Pledges().Where(p => p.Status == PledgeStatus.Active))
        {
            standings[pledge.Index] = breached.TryGetValue(pledge.Index, out var detected)
                ? new CovenantStanding(ConditionVerdict.Breached, [], _standings.TryGetValue(pledge.Index, out var last) ? last.EvaluatedMs : detected)
                : _standings.TryGetValue(pledge.Index, out var seen) ? seen
                : new CovenantStanding(ConditionVerdict.CannotBeEvaluated, ["not evaluated since the node started"], 0);
        }
        return standings;
    }

    /// <summary>The breaches recorded for a pledge, oldest first.</summary>
    public IReadOnlyList<StoredBreach> Breaches(long pledgeIndex)
    {
        using var lease = _readers.Rent();
        var command = lease.Reader.Command("""
            SELECT pledge, covenant, device, sensor, start_ms, end_ms, duration_ms, exceeded_ms, peak, ongoing, detected_ms
            FROM covenant_breaches WHERE pledge = $p0 ORDER BY exceeded_ms, device, sensor
            """, 1);
        command.Parameters[0].Value = pledgeIndex;
        using var reader = command.ExecuteReader();
        var list = new List<StoredBreach>();
        while (reader.Read())
        {
            list.Add(new StoredBreach(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4), reader.GetInt64(5),
                reader.GetInt64(6), reader.GetInt64(7), reader.GetDouble(8), reader.GetInt64(9) != 0, reader.GetInt64(10)));
        }
        return list;
    }

    private List<CovenantBreachEvent> Store(LedgerWriteContext context, List<(PledgeRecord Pledge, string Covenant, CovenantBreach Breach)> found, long now)
    {
        var insert = context.Command("""
            INSERT INTO covenant_breaches (pledge, covenant, device, sensor, start_ms, end_ms, duration_ms, exceeded_ms, peak, ongoing, detected_ms)
            VALUES ($pledge, $covenant, $device, $sensor, $start, $end, $duration, $exceeded, $peak, $ongoing, $now)
            ON CONFLICT (pledge, covenant, device, sensor, start_ms) DO NOTHING
            """, "$pledge", "$covenant", "$device", "$sensor", "$start", "$end", "$duration", "$exceeded", "$peak", "$ongoing", "$now");
        var update = context.Command("""
            UPDATE covenant_breaches SET end_ms = $end, duration_ms = $duration, exceeded_ms = $exceeded, peak = $peak, ongoing = $ongoing
            WHERE pledge = $pledge AND covenant = $covenant AND device = $device AND sensor = $sensor AND start_ms = $start
            """, "$pledge", "$covenant", "$device", "$sensor", "$start", "$end", "$duration", "$exceeded", "$peak", "$ongoing");
        var fresh = new List<CovenantBreachEvent>();
        foreach (var (pledge, covenant, b) in found)
        {
            object[] values = [pledge.Index, covenant, b.DeviceId, b.SensorId, b.StartMs, b.EndMs, b.DurationMs, b.ExceededAtMs, b.Peak, b.Ongoing ? 1 : 0, now];
            for (var i = 0; i < values.Length; i++)
            {
                insert.Parameters[i].Value = values[i];
            }
            // A breach is new only the first time it is stored; later rounds extend an ongoing one.
            if (insert.ExecuteNonQuery() == 1)
            {
                var breach = new CovenantBreachEvent(pledge.Index, pledge.Receipt, pledge.Lender, covenant, b.DeviceId, b.SensorId, b.StartMs, b.ExceededAtMs, b.EndMs, b.Peak, b.Ongoing, now);
                _events.Record(context, breach);
                fresh.Add(breach);
                continue;
            }
            for (var i = 0; i < values.Length - 1; i++)
            {
                update.Parameters[i].Value = values[i];
            }
            update.ExecuteNonQuery();
        }
        return fresh;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Covenants of pledge {Pledge} (lot {Receipt}) not evaluated yet: {Reason}")]
    private static partial void LogNotEvaluated(ILogger logger, long pledge, string receipt, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Publishing a breach of pledge {Pledge} failed; it stays recorded")]
    private static partial void LogPublishFailed(ILogger logger, long pledge, Exception exception);
}

/// <summary>
/// Runs <see cref="CovenantMonitor.CheckAsync"/> when a new ledger checkpoint was signed (reports see
/// readings only once a checkpoint covers their anchor), at most once per interval.
/// </summary>
public sealed partial class CovenantMonitorService(CovenantMonitor monitor, NodeReaders readers, TimeSpan interval, TimeProvider time, ILogger<CovenantMonitorService> logger) : BackgroundService
{
    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long? seen = -1;
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                long? size;
                using (var lease = readers.Rent())
                {
                    size = lease.Reader.LatestCheckpoint()?.Size;
                }
                if (size is null || size == seen)
                {
                    continue;
                }
                await monitor.CheckAsync(stoppingToken);
                seen = size;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // the monitor must survive a bad round (e.g. a locked database) and try again
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogFailed(logger, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Checking covenants failed; trying again at the next interval")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
