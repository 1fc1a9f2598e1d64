using AnchorNode.Inventory;
using AnchorNode.Ledger;

namespace AnchorNode.Notifications;

/// <summary>
/// Covenant breaches to the lender's contacts: the outbox rows are written in the transaction that
/// records the breach (so a crash cannot keep one without the other), and the dispatcher is woken
/// once it committed. Then passes the breach on to <paramref name="next"/>.
/// </summary>
public sealed class OutboxCovenantEvents(NotificationRecipients recipients, NotificationDispatcher dispatcher, string consortium, string member, ICovenantEvents next) : ICovenantEvents
{
    /// <summary>The message of <paramref name="breach"/>.</summary>
    public static NotificationMessage Message(CovenantBreachEvent breach, string consortium, string member)
    {
        ArgumentNullException.ThrowIfNull(breach);
        var key = $"covenant.breach/{breach.PledgeIndex}/{breach.Covenant}/{breach.DeviceId}/{breach.SensorId}/{breach.StartMs}";
        var subject = $"Covenant breached: lot {breach.Receipt}, pledge {breach.PledgeIndex} ({breach.Lender}): '{breach.Covenant}' on {breach.DeviceId}/{breach.SensorId}, peak {breach.Peak}";
        return new NotificationMessage("covenant.breach", key, consortium, member, breach.DetectedAtMs, subject, Breach: breach);
    }

    /// <inheritdoc/>
    public void Record(LedgerWriteContext context, CovenantBreachEvent breach)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(breach);
        NotificationOutbox.Add(context.Connection, Message(breach, consortium, member).For(recipients.Lender(breach.Lender)));
        next.Record(context, breach);
    }

    /// <inheritdoc/>
    public ValueTask PublishAsync(CovenantBreachEvent breach, CancellationToken cancellationToken)
    {
        dispatcher.Wake();
        return next.PublishAsync(breach, cancellationToken);
    }
}
