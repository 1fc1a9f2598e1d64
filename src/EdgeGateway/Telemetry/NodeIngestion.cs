using System.Threading.Channels;
using EdgeGateway.Log;
using EdgeGateway.Mqtt;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Telemetry;

/// <summary>
/// Takes sensor-node and zigbee2mqtt messages from the client's bounded receive queue, decodes
/// them, and writes their readings into the log writer's channel: the same path, checks and
/// durable store as wired sensors. Dropped messages are counted per reason and logged at most
/// once per reason per <see cref="LogInterval"/> (a flooding node cannot flood the journal).
/// </summary>
/// <remarks>
/// The network thread never waits for this: when the disk falls behind, the log writer's channel
/// holds this loop back and the receive queue drops its oldest messages (counted as
/// <see cref="NodeDropReasons.QueueFull"/>). A bad message costs one decode and never stops the ones after it.
/// </remarks>
public sealed partial class NodeIngestion
{
    /// <summary>The shortest time between two log lines for the same drop reason.</summary>
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(30);

    private readonly NodeMessageDecoder _decoder;
    private readonly ChannelWriter<LogInput> _log;
    private readonly TelemetryCounters _counters;
    private readonly TimeProvider _clock;
    private readonly TimeProvider _realClock;
    private readonly ILogger<NodeIngestion> _logger;
    private readonly Dictionary<string, DropLog> _logState = new(StringComparer.Ordinal);

    /// <param name="decoder">Decodes and checks messages.</param>
    /// <param name="log">The log writer's channel.</param>
    /// <param name="counters">Where messages are counted.</param>
    /// <param name="clock">Gateway time: the receive time of a pack (simulated under <c>--speed</c>).</param>
    /// <param name="realClock">Real time, for rate-limiting the log.</param>
    /// <param name="logger">Logger.</param>
    public NodeIngestion(NodeMessageDecoder decoder, ChannelWriter<LogInput> log, TelemetryCounters counters, TimeProvider clock, TimeProvider realClock,
        ILogger<NodeIngestion> logger)
    {
        _decoder = decoder;
        _log = log;
        _counters = counters;
        _clock = clock;
        _realClock = realClock;
        _logger = logger;
    }

    /// <summary>Runs until <paramref name="messages"/> completes or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(ChannelReader<MqttMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        await foreach (var message in messages.ReadAllAsync(cancellationToken))
        {
            Firmware.Contracts.Result<IReadOnlyList<Sensors.Measurement>> decoded;
            try
            {
                decoded = _decoder.Decode(message, _clock.GetUtcNow().ToUnixTimeMilliseconds());
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A defect in decoding must not stop ingestion; the message is dropped like a malformed one.
                LogDecodeFailed(e, message.Topic);
                _counters.NodeMessageDropped(NodeDropReasons.Malformed);
                continue;
            }
            if (!decoded.Succeeded)
            {
                _counters.NodeMessageDropped(decoded.Failure!.Code);
                LogDropRateLimited(decoded.Failure.Code, decoded.Failure.Message);
                continue;
            }
            foreach (var reading in decoded.Value)
            {
                await _log.WriteAsync(LogInput.From(reading), cancellationToken);
            }
            _counters.NodeMessageIngested(decoded.Value.Count);
        }
    }

    private void LogDropRateLimited(string reason, string detail)
    {
        var now = _realClock.GetTimestamp();
        if (!_logState.TryGetValue(reason, out var state))
        {
            state = new DropLog();
            _logState[reason] = state;
        }
        else if (_realClock.GetElapsedTime(state.LastLogged, now) < LogInterval)
        {
            state.Suppressed++;
            return;
        }
        var suppressed = state.Suppressed;
        state.LastLogged = now;
        state.Suppressed = 0;
        LogDropped(reason, detail, suppressed, LogInterval.TotalSeconds);
    }

    private sealed class DropLog
    {
        public long LastLogged { get; set; }

        public long Suppressed { get; set; }
    }

    [LoggerMessage(EventId = 521, EventName = "node-message-dropped", Level = LogLevel.Warning,
        Message = "dropped a sensor-node message ({Reason}): {Detail} ({Suppressed} more dropped for this reason since the last such line; at most one line per reason every {IntervalSeconds} s, all counted in status)")]
    private partial void LogDropped(string reason, string detail, long suppressed, double intervalSeconds);

    [LoggerMessage(EventId = 522, EventName = "node-message-error", Level = LogLevel.Error,
        Message = "decoding a message on {Topic} failed unexpectedly; dropped, ingestion carries on")]
    private partial void LogDecodeFailed(Exception exception, string topic);
}
