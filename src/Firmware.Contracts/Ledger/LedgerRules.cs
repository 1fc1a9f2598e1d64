using Firmware.Contracts.Ledger.Rules;

namespace Firmware.Contracts.Ledger;

/// <summary>What appending an entry does to the state; made by a rule once the entry is valid.</summary>
public interface IEntryEffect
{
    /// <summary>Writes the change for the entry appended at <paramref name="index"/>.</summary>
    void Apply(ILedgerStateWriter state, long index);
}

/// <summary>
/// The rule of one entry kind: decides, from the entry and the state before it alone, whether the
/// entry may be appended, and what it changes. No clock, no randomness, no local data: every
/// replica that replays the same entries must reach the same decisions.
/// </summary>
public interface IEntryRule
{
    /// <summary>The entry kind this rule governs.</summary>
    string Kind { get; }

    /// <summary>The effect of appending <paramref name="entry"/> at <c>state.Size</c>, or why it may not be.</summary>
    Result<IEntryEffect> Validate(LedgerEntry entry, ILedgerState state, SignatureChecker signatures);
}

/// <summary>
/// The ledger's validation: parses an entry, finds its kind's rule, and validates and applies it.
/// New kinds (lots, trace links, pledges) come in as more <see cref="IEntryRule"/>s.
/// </summary>
public sealed class LedgerRules
{
    private readonly Dictionary<string, IEntryRule> _rules = new(StringComparer.Ordinal);

    /// <summary>The rules of the kinds this version knows, plus <paramref name="additionalRules"/>.</summary>
    public LedgerRules(SignatureChecker? signatures = null, IEnumerable<IEntryRule>? additionalRules = null)
    {
        Signatures = signatures ?? new SignatureChecker();
        IEntryRule[] core = [new GenesisRule(), new AdmitRule(), new EnrolRule(), new RevokeRule(), new ClearRule(), new AnchorRule(), new EquivocationRule(), new AcknowledgeRule(), new CalibrateRule()];
        foreach (var rule in core.Concat(additionalRules ?? []))
        {
            if (!_rules.TryAdd(rule.Kind, rule))
            {
                throw new ArgumentException($"two rules for entry kind '{rule.Kind}'", nameof(additionalRules));
            }
        }
    }

    /// <summary>The signature checker the rules use.</summary>
    public SignatureChecker Signatures { get; }

    /// <summary>The kinds known.</summary>
    public IReadOnlyCollection<string> Kinds => _rules.Keys;

    /// <summary>Whether <paramref name="bytes"/> may be appended at <c>state.Size</c>; changes nothing.</summary>
    public Result<LedgerEntry> Validate(ReadOnlySpan<byte> bytes, ILedgerState state)
    {
        var checkedEntry = Check(bytes, state);
        return checkedEntry.Succeeded ? checkedEntry.Value.Entry : checkedEntry.Failure!;
    }

    /// <summary>Validates <paramref name="bytes"/> and, when valid, applies its effect and grows the state by one entry.</summary>
    public Result<LedgerEntry> Append(ReadOnlySpan<byte> bytes, ILedgerStateWriter state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var parsed = LedgerEntry.Parse(bytes);
        return parsed.Succeeded
            ? Append(parsed.Value, state)
            : Result<LedgerEntry>.Fail(LedgerFailures.EntryFormat, parsed.Failure!.Message);
    }

    /// <summary>
    /// Validates an entry already parsed (or made by <see cref="LedgerEntry.Create"/>, which gives
    /// the same object) and, when valid, applies its effect and grows the state by one entry.
    /// </summary>
    public Result<LedgerEntry> Append(LedgerEntry entry, ILedgerStateWriter state)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(state);
        var checkedEntry = Check(entry, state);
        if (!checkedEntry.Succeeded)
        {
            return checkedEntry.Failure!;
        }
        var index = state.Size;
        checkedEntry.Value.Effect.Apply(state, index);
        state.SetSize(index + 1);
        return checkedEntry.Value.Entry;
    }

    private Result<(LedgerEntry Entry, IEntryEffect Effect)> Check(ReadOnlySpan<byte> bytes, ILedgerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var parsed = LedgerEntry.Parse(bytes);
        return parsed.Succeeded
            ? Check(parsed.Value, state)
            : Result<(LedgerEntry, IEntryEffect)>.Fail(LedgerFailures.EntryFormat, parsed.Failure!.Message);
    }

    private Result<(LedgerEntry Entry, IEntryEffect Effect)> Check(LedgerEntry entry, ILedgerState state)
    {
        if (!_rules.TryGetValue(entry.Kind, out var rule))
        {
            return Result<(LedgerEntry, IEntryEffect)>.Fail(LedgerFailures.UnknownKind, $"no rule for entry kind '{entry.Kind}'; known: {string.Join(", ", _rules.Keys)}");
        }
        if (entry.Kind != EntryKinds.Genesis && state.Quorum == 0)
        {
            return Result<(LedgerEntry, IEntryEffect)>.Fail(LedgerFailures.Genesis, "the ledger has no genesis entry yet; the first entry must be the genesis");
        }
        var effect = rule.Validate(entry, state, Signatures);
        return effect.Succeeded ? (entry, effect.Value) : effect.Failure!;
    }
}
