using System.Collections.Concurrent;
using AnchorNode.Ledger;
using Microsoft.Extensions.Logging;

namespace AnchorNode.Inventory;

/// <summary>A covenant of a pledge found breached in anchored readings.</summary>
/// <param name="PledgeIndex">The pledge entry.</param>
/// <param name="Receipt">The lot.</param>
/// <param name="Lender">The lender holding the pledge.</param>
/// <param name="Covenant">The covenant, as the pledge states it (e.g. <c>temperature above 8 for 30m</c>).</param>
/// <param name="DeviceId">The device whose sensor shows it.</param>
/// <param name="SensorId">The sensor.</param>
/// <param name="StartMs">When the period beyond the limit began.</param>
/// <param name="ExceededAtMs">When the allowed duration ran out.</param>
/// <param name="EndMs">The end of the period as far as the readings show.</param>
/// <param name="Peak">The most extreme value.</param>
/// <param name="Ongoing">True while no reading shows the goods back within the limit.</param>
/// <param name="DetectedAtMs">When this node noticed (its clock).</param>
public sealed record CovenantBreachEvent(
    long PledgeIndex, string Receipt, string Lender, string Covenant, string DeviceId, string SensorId,
    long StartMs, long ExceededAtMs, long EndMs, double Peak, bool Ongoing, long DetectedAtMs);

/// <summary>
/// Where covenant breaches go when the node first detects them (once per breach): a lender's
/// notification, the MQTT bridge (<c>edgetrace/nodes/&lt;node&gt;/covenants</c>), a log.
/// </summary>
public interface ICovenantEvents
{
    /// <summary>Publishes a newly detected breach. Failures are logged by the caller and do not stop detection.</summary>
    ValueTask PublishAsync(CovenantBreachEvent breach, CancellationToken cancellationToken);

    /// <summary>
    /// Called inside the transaction that records the breach, before <see cref="PublishAsync"/>: what
    /// must exist exactly when the breach is recorded (a notification outbox row) is written here, on
    /// <paramref name="context"/>'s connection. Nothing by default.
    /// </summary>
    void Record(LedgerWriteContext context, CovenantBreachEvent breach)
    {
    }
}

/// <summary>Logs breaches as warnings (the default when nothing else subscribes).</summary>
public sealed partial class LoggingCovenantEvents(ILogger<LoggingCovenantEvents> logger) : ICovenantEvents
{
    /// <inheritdoc/>
    public ValueTask PublishAsync(CovenantBreachEvent breach, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(breach);
        LogBreach(logger, breach.Receipt, breach.PledgeIndex, breach.Lender, breach.Covenant, breach.DeviceId, breach.SensorId, breach.Peak);
        return ValueTask.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Covenant breached: lot {Receipt}, pledge {Pledge} ({Lender}): '{Covenant}' on {Device}/{Sensor}, peak {Peak}")]
    private static partial void LogBreach(ILogger logger, string receipt, long pledge, string lender, string covenant, string device, string sensor, double peak);
}

/// <summary>Keeps breaches in memory for in-process subscribers and tests; also forwards them to another port.</summary>
public sealed class InMemoryCovenantEvents(ICovenantEvents? next = null) : ICovenantEvents
{
    private readonly ConcurrentQueue<CovenantBreachEvent> _events = new();

    /// <summary>Every breach published, in order.</summary>
    public IReadOnlyList<CovenantBreachEvent> Events => _events.ToList();

    /// <inheritdoc/>
    public void Record(LedgerWriteContext context, CovenantBreachEvent breach) => next?.Record(context, breach);

    /// <inheritdoc/>
    public ValueTask PublishAsync(CovenantBreachEvent breach, CancellationToken cancellationToken)
    {
        _events.Enqueue(breach);
        return next?.PublishAsync(breach, cancellationToken) ?? ValueTask.CompletedTask;
    }
}
