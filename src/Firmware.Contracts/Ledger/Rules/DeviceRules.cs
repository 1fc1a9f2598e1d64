namespace Firmware.Contracts.Ledger.Rules;

/// <summary>
/// A device enrolment, signed by an operator member. A device with an enrolment in force cannot
/// be enrolled again (revoke first); a re-enrolled device keeps its anchored log, which it must extend.
/// </summary>
internal sealed class EnrolRule : IEntryRule
{
    public string Kind => EntryKinds.Enrol;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var statement = StatementEntries.Read(entry, state);
        if (!statement.Succeeded)
        {
            return statement.Failure!;
        }
        var enrol = EnrolStatement.From(statement.Value);
        if (!enrol.Succeeded)
        {
            return enrol.Failure!;
        }
        var signers = StatementEntries.Signers(entry, state, signatures, MemberRoles.Operator);
        if (!signers.Succeeded)
        {
            return signers.Failure!;
        }
        var existing = state.Device(enrol.Value.DeviceId);
        if (existing is { IsActive: true })
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.DeviceEnrolled, $"device '{existing.DeviceId}' is enrolled (ledger index {existing.EnrolmentIndex}); revoke that enrolment first");
        }
        var operatorName = signers.Value.First(s => s.Roles.HasFlag(MemberRoles.Operator)).Name;
        return new Effect(enrol.Value, existing, operatorName, statement.Value);
    }

    private sealed class Effect(EnrolStatement enrol, DeviceRecord? previous, string operatorName, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            var record = new DeviceRecord
            {
                DeviceId = enrol.DeviceId,
                PublicKey = enrol.PublicKey,
                Site = enrol.Site,
                Zone = enrol.Zone,
                Sensors = enrol.Sensors,
                EnrolmentIndex = index,
                EnrolledBy = operatorName,
            };
            if (previous is not null)
            {
                record = record with
                {
                    AnchorIndex = previous.AnchorIndex,
                    AnchoredSize = previous.AnchoredSize,
                    AnchoredRoot = previous.AnchoredRoot,
                    EquivocationIndex = previous.EquivocationIndex,
                };
            }
            state.PutDevice(record);
            state.AddStatement(statement.Hash, index);
        }
    }
}

/// <summary>A revocation of the enrolment in force, signed by an operator member.</summary>
internal sealed class RevokeRule : IEntryRule
{
    public string Kind => EntryKinds.Revoke;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var statement = StatementEntries.Read(entry, state);
        if (!statement.Succeeded)
        {
            return statement.Failure!;
        }
        var revoke = RevokeStatement.From(statement.Value);
        if (!revoke.Succeeded)
        {
            return revoke.Failure!;
        }
        var signers = StatementEntries.Signers(entry, state, signatures, MemberRoles.Operator);
        if (!signers.Succeeded)
        {
            return signers.Failure!;
        }
        var device = state.Device(revoke.Value.DeviceId);
        if (device is null)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.UnknownDevice, $"device '{revoke.Value.DeviceId}' was never enrolled");
        }
        if (!device.IsActive)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.RevokedDevice, $"the enrolment of '{device.DeviceId}' was already revoked at ledger index {device.RevocationIndex}");
        }
        if (device.EnrolmentIndex != revoke.Value.EnrolmentIndex)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.StaleReference, $"the statement revokes enrolment {revoke.Value.EnrolmentIndex}, but the enrolment in force is {device.EnrolmentIndex}");
        }
        return new Effect(device, statement.Value);
    }

    private sealed class Effect(DeviceRecord device, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            state.PutDevice(device with { RevocationIndex = index });
            state.AddStatement(statement.Hash, index);
        }
    }
}

/// <summary>An operator's clearance of an equivocation, naming the equivocation entry it reviewed.</summary>
internal sealed class ClearRule : IEntryRule
{
    public string Kind => EntryKinds.Clear;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var statement = StatementEntries.Read(entry, state);
        if (!statement.Succeeded)
        {
            return statement.Failure!;
        }
        var clear = ClearStatement.From(statement.Value);
        if (!clear.Succeeded)
        {
            return clear.Failure!;
        }
        var signers = StatementEntries.Signers(entry, state, signatures, MemberRoles.Operator);
        if (!signers.Succeeded)
        {
            return signers.Failure!;
        }
        var device = state.Device(clear.Value.DeviceId);
        if (device is null)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.UnknownDevice, $"device '{clear.Value.DeviceId}' was never enrolled");
        }
        if (device.EquivocationIndex != clear.Value.EquivocationIndex)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.StaleReference, device.EquivocationIndex is null
                ? $"device '{device.DeviceId}' is not flagged for equivocation"
                : $"the statement clears equivocation {clear.Value.EquivocationIndex}, but the open one is at ledger index {device.EquivocationIndex}");
        }
        return new Effect(device, statement.Value);
    }

    private sealed class Effect(DeviceRecord device, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            state.PutDevice(device with { EquivocationIndex = null });
            state.AddStatement(statement.Hash, index);
        }
    }
}
