namespace Firmware.Contracts.Ledger;

/// <summary>
/// The kinds of ledger entries. A kind names both the entry (its first line) and, for entries
/// that carry a member statement, the statement (the first line of the signed text).
/// </summary>
public static class EntryKinds
{
    /// <summary>The founding statement: consortium, quorum and founding members. Only at index 0.</summary>
    public const string Genesis = "genesis";

    /// <summary>A new member, signed by a quorum of current members.</summary>
    public const string Admit = "admit";

    /// <summary>A device's key, site, zone and sensors, signed by an operator member.</summary>
    public const string Enrol = "enrol";

    /// <summary>The end of a device's enrolment, signed by an operator member.</summary>
    public const string Revoke = "revoke";

    /// <summary>An operator's review of an equivocation: the device may anchor again.</summary>
    public const string Clear = "clear";

    /// <summary>A device checkpoint, verbatim, with the proof that it extends the device's last anchored one.</summary>
    public const string Anchor = "anchor";

    /// <summary>A device checkpoint that contradicts the device's anchored history, with the proof.</summary>
    public const string Equivocation = "equivocation";

    /// <summary>True for a kind name's syntax: a lower-case word of a-z 0-9 and '-'.</summary>
    public static bool IsValidKindName(string? kind) =>
        kind is { Length: > 0 and <= 32 } && kind[0] is >= 'a' and <= 'z' && kind.All(ch => ch is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');
}
