namespace Firmware.Contracts.Ledger.Rules;

/// <summary>
/// An acknowledgement of an alarm, signed by an operator member. The rules read only ledger state:
/// they check that the device is enrolled, that an anchor covers the named leaf, and that the alarm
/// has no acknowledgement yet. That the leaf is an alarm's start leaf with this zone and rule is
/// checked by the node before it proposes the entry, and by a verifier that holds the leaf.
/// </summary>
internal sealed class AcknowledgeRule : IEntryRule
{
    public string Kind => EntryKinds.Acknowledge;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var statement = StatementEntries.Read(entry, state);
        if (!statement.Succeeded)
        {
            return statement.Failure!;
        }
        var acknowledge = AcknowledgeStatement.From(statement.Value);
        if (!acknowledge.Succeeded)
        {
            return acknowledge.Failure!;
        }
        var signers = StatementEntries.Signers(entry, state, signatures, MemberRoles.Operator);
        if (!signers.Succeeded)
        {
            return signers.Failure!;
        }
        var ack = acknowledge.Value;
        if (state.Device(ack.DeviceId) is not { } device)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.UnknownDevice, $"device '{ack.DeviceId}' was never enrolled");
        }
        if (device.AnchoredSize <= ack.Alarm)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.AlarmNotAnchored,
                $"alarm leaf {ack.Alarm} of '{ack.DeviceId}' is not anchored: the device's anchored log has {device.AnchoredSize} leaves");
        }
        if (state.Acknowledgement(ack.DeviceId, ack.Alarm) is { } earlier)
        {
            return new Failure(LedgerFailures.AlarmAcknowledged, $"alarm {ack.Alarm} of '{ack.DeviceId}' was acknowledged at ledger index {earlier.Index}") { LedgerIndex = earlier.Index };
        }
        return new Effect(ack, statement.Value);
    }

    private sealed class Effect(AcknowledgeStatement acknowledge, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            state.PutAcknowledgement(new AcknowledgementRecord(acknowledge.DeviceId, acknowledge.Alarm, index));
            state.AddStatement(statement.Hash, index);
        }
    }
}
