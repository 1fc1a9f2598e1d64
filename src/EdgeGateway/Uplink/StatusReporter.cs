using EdgeGateway.Storage;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Uplink;

/// <summary>
/// Tells the node how this gateway is doing (<see cref="UplinkRoutes.Status"/>): its log and
/// backlog, its sensors and alarms, signed with the device key. Sends after every upload cycle
/// (<see cref="Notify"/>) and at least every <c>uplink.statusIntervalSeconds</c>, also when there is
/// nothing to upload, so the node sees the gateway alive. A failed report is logged and the next
/// one follows at the next cycle or interval; nothing here waits on, or for, the readings.
/// </summary>
public sealed partial class StatusReporter
{
    private readonly string _deviceId;
    private readonly IAnchorClient _client;
    private readonly SqliteUplinkStore _store;
    private readonly INoteSigner _signer;
    private readonly GatewayHealth _health;
    private readonly string _version;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _clock;
    private readonly TimeProvider _waitClock;
    private readonly ILogger<StatusReporter> _logger;
    private readonly AsyncSignal _cycle = new();
    private long _lastSentMs;
    private bool _failing;
    private long _accepted;

    /// <param name="deviceId">The device.</param>
    /// <param name="client">The node.</param>
    /// <param name="store">A database connection of the reporter's own.</param>
    /// <param name="signer">The device key.</param>
    /// <param name="health">Sensors and alarms.</param>
    /// <param name="version">The software version reported.</param>
    /// <param name="interval">The longest time between two reports.</param>
    /// <param name="clock">Gateway time, for the report's time.</param>
    /// <param name="waitClock">The clock the interval runs on (real time: the node judges contact in real time).</param>
    /// <param name="logger">Logger.</param>
    public StatusReporter(string deviceId, IAnchorClient client, SqliteUplinkStore store, INoteSigner signer, GatewayHealth health, string version,
        TimeSpan interval, TimeProvider clock, TimeProvider waitClock, ILogger<StatusReporter> logger)
    {
        _deviceId = deviceId;
        _client = client;
        _store = store;
        _signer = signer;
        _health = health;
        _version = version;
        _interval = interval;
        _clock = clock;
        _waitClock = waitClock;
        _logger = logger;
        _lastSentMs = store.LastStatusReportMs() ?? 0;
    }

    /// <summary>Reports the node accepted since start.</summary>
    public long Accepted => Interlocked.Read(ref _accepted);

    /// <summary>An upload cycle ended: report now.</summary>
    public void Notify() => _cycle.Set();

    /// <summary>Runs until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await SendOnceAsync(cancellationToken);
                await _cycle.WaitAsync(_interval, _waitClock, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A report must never take the gateway down; the next one follows at the interval.
                LogUnexpected(e);
                try
                {
                    await Task.Delay(_interval, _waitClock, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Builds, signs and sends one report; true when the node accepted it.</summary>
    public async Task<bool> SendOnceAsync(CancellationToken cancellationToken)
    {
        var report = Build(NextTimeMs());
        var note = GatewayStatusNote.Sign(report, _signer).ToString();
        _store.RecordStatusReport(report.GatewayTimeMs);
        _lastSentMs = report.GatewayTimeMs;
        var answer = await _client.PostStatusAsync(_deviceId, note, cancellationToken);
        if (answer.Problem is { } problem)
        {
            if (problem.Code == ProblemTypes.StaleReport && problem.LastGatewayTimeMs is { } held && held >= _lastSentMs)
            {
                // The node holds a newer report (a restored database, or a clock that went back): the next goes above it.
                _lastSentMs = held;
            }
            if (!_failing)
            {
                LogFailed(problem.ToString());
            }
            _failing = true;
            return false;
        }
        if (_failing)
        {
            LogRecovered();
        }
        _failing = false;
        Interlocked.Increment(ref _accepted);
        return true;
    }

    /// <summary>The report as of now, with the given time.</summary>
    public GatewayStatusReport Build(long gatewayTimeMs)
    {
        var meta = _store.ReadMeta();
        var sealedSize = _store.LastCheckpoint()?.Size ?? 0;
        var (sensors, active, recent) = _health.Snapshot();
        return new GatewayStatusReport(_deviceId, gatewayTimeMs, meta.Size, Math.Min(sealedSize, meta.Size), Math.Max(0, meta.Size - sealedSize),
            sensors, active, recent, _version);
    }

    // Strictly increasing even when the clock steps back or the gateway restarts within a millisecond.
    private long NextTimeMs() => Math.Max(_clock.GetUtcNow().ToUnixTimeMilliseconds(), _lastSentMs + 1);

    [LoggerMessage(EventId = 111, EventName = "status-report-failed", Level = LogLevel.Warning, Message = "the node did not take the status report (retried at the next upload cycle or interval): {Problem}")]
    private partial void LogFailed(string problem);

    [LoggerMessage(EventId = 112, EventName = "status-report-ok", Level = LogLevel.Information, Message = "status reports reach the node again")]
    private partial void LogRecovered();

    [LoggerMessage(EventId = 113, EventName = "status-report-error", Level = LogLevel.Error, Message = "the status report failed unexpectedly; trying again at the next interval")]
    private partial void LogUnexpected(Exception exception);
}
