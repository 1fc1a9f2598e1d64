namespace Firmware.Contracts.Ledger.Rules;

/// <summary>What every entry that carries a member statement must satisfy.</summary>
internal static class StatementEntries
{
    /// <summary>
    /// The statement of <paramref name="entry"/>: no header lines, the statement's kind is the
    /// entry's, it is for this consortium, and its text was never appended before.
    /// </summary>
    public static Result<Statement> Read(LedgerEntry entry, ILedgerState state)
    {
        if (entry.Header.Count != 0)
        {
            return Result<Statement>.Fail(LedgerFailures.EntryField, $"a {entry.Kind} entry has no header lines");
        }
        var statement = Statement.Parse(entry.Note.Text);
        if (!statement.Succeeded)
        {
            return Result<Statement>.Fail(LedgerFailures.EntryField, statement.Failure!.Message);
        }
        if (statement.Value.Kind != entry.Kind)
        {
            return Result<Statement>.Fail(LedgerFailures.EntryField, $"a {entry.Kind} entry carries a {statement.Value.Kind} statement");
        }
        if (statement.Value.Consortium != state.Consortium)
        {
            return Result<Statement>.Fail(LedgerFailures.WrongConsortium, $"the statement is for consortium '{statement.Value.Consortium}', this ledger is '{state.Consortium}'");
        }
        if (state.StatementIndex(statement.Value.Hash) is { } earlier)
        {
            return Result<Statement>.Fail(LedgerFailures.DuplicateStatement, $"this statement was appended before, at ledger index {earlier}; sign a new one");
        }
        return statement.Value;
    }

    /// <summary>The signers, all members, at least one of them with <paramref name="role"/>.</summary>
    public static Result<IReadOnlyList<LedgerMember>> Signers(LedgerEntry entry, ILedgerState state, SignatureChecker signatures, MemberRoles role)
    {
        var signers = signatures.VerifyMembers(entry.Note, state.Member);
        if (!signers.Succeeded)
        {
            return signers;
        }
        if (!signers.Value.Any(s => s.Roles.HasFlag(role)))
        {
            return Result<IReadOnlyList<LedgerMember>>.Fail(LedgerFailures.RoleRequired,
                $"a {entry.Kind} statement needs the signature of a member with role {MemberRoleNames.Format(role)}; signed by {string.Join(", ", signers.Value.Select(s => $"{s.Name} ({MemberRoleNames.Format(s.Roles)})"))}");
        }
        return signers;
    }
}
