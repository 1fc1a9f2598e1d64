namespace Firmware.Contracts.Ledger.Rules;

/// <summary>The genesis entry: index 0 only, signed by founding members, for this consortium.</summary>
internal sealed class GenesisRule : IEntryRule
{
    public string Kind => EntryKinds.Genesis;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        if (state.Size != 0 || state.Quorum != 0)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.Genesis, $"a ledger has one genesis entry, at index 0; this ledger has {state.Size} entries");
        }
        var statement = StatementEntries.Read(entry, state);
        if (!statement.Succeeded)
        {
            return statement.Failure!;
        }
        var genesis = GenesisStatement.From(statement.Value);
        if (!genesis.Succeeded)
        {
            return genesis.Failure!;
        }
        var founders = genesis.Value.Members.Select(m => new LedgerMember(m.Name, m.Roles, m.PublicKey, 0)).ToList();
        var signers = signatures.VerifyMembers(entry.Note, name => founders.Find(f => f.Name == name));
        if (!signers.Succeeded)
        {
            return signers.Failure!;
        }
        return new Effect(genesis.Value, statement.Value);
    }

    private sealed class Effect(GenesisStatement genesis, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            state.SetQuorum(genesis.Quorum);
            foreach (var member in genesis.Members)
            {
                state.PutMember(new LedgerMember(member.Name, member.Roles, member.PublicKey, index));
            }
            state.AddStatement(statement.Hash, index);
        }
    }
}

/// <summary>A member admission: a new name and key, signed by at least a quorum of current members.</summary>
internal sealed class AdmitRule : IEntryRule
{
    public string Kind => EntryKinds.Admit;

    public Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures)
    {
        var statement = StatementEntries.Read(entry, state);
        if (!statement.Succeeded)
        {
            return statement.Failure!;
        }
        var admit = AdmitStatement.From(statement.Value);
        if (!admit.Succeeded)
        {
            return admit.Failure!;
        }
        var member = admit.Value.Member;
        if (state.Member(member.Name) is not null)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.MemberExists, $"'{member.Name}' is already a member");
        }
        if (state.Members().FirstOrDefault(m => m.PublicKey == member.PublicKey) is { } holder)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.MemberExists, $"member '{holder.Name}' already has this key");
        }
        var signers = signatures.VerifyMembers(entry.Note, state.Member);
        if (!signers.Succeeded)
        {
            return signers.Failure!;
        }
        if (signers.Value.Count < state.Quorum)
        {
            return Result<IEntryEffect>.Fail(LedgerFailures.QuorumNotMet,
                $"admitting a member needs {state.Quorum} member signatures; signed by {signers.Value.Count} ({string.Join(", ", signers.Value.Select(s => s.Name))})");
        }
        return new Effect(member, statement.Value);
    }

    private sealed class Effect(MemberInfo member, Statement statement) : IEntryEffect
    {
        public void Apply(ILedgerStateWriter state, long index)
        {
            state.PutMember(new LedgerMember(member.Name, member.Roles, member.PublicKey, index));
            state.AddStatement(statement.Hash, index);
        }
    }
}
