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

    /// <summary>A depositor or owner of goods and its public key, registered by an operator member.</summary>
    public const string Party = "party";

    /// <summary>The private part of a warehouse receipt (depositor, owner, quantity, insurance), signed by an operator member.</summary>
    public const string Title = "title";

    /// <summary>A warehouse receipt's public facts and a commitment to its title, signed by an operator member.</summary>
    public const string Lot = "lot";

    /// <summary>A lot moved to another zone or site, signed by an operator member.</summary>
    public const string Move = "move";

    /// <summary>Goods of a lot delivered (all or part), signed by an operator member.</summary>
    public const string Deliver = "deliver";

    /// <summary>A receipt cancelled, signed by an operator member.</summary>
    public const string Cancel = "cancel";

    /// <summary>A lot pledged: signed by the lender member and the owner party.</summary>
    public const string Pledge = "pledge";

    /// <summary>A pledge released by its lender.</summary>
    public const string Release = "release";

    /// <summary>A pledge transferred to another lender, signed by both.</summary>
    public const string Transfer = "transfer";

    /// <summary>A pledge enforced by its lender.</summary>
    public const string Enforce = "enforce";

    /// <summary>A receipt's ownership endorsed to another party: signed by an operator member, the owner and the new owner.</summary>
    public const string Endorse = "endorse";

    /// <summary>A receipt split into child receipts (the parent closes), signed by an operator member.</summary>
    public const string Split = "split";

    /// <summary>A receipt merged into a new receipt with others of the same product and site (it closes), signed by an operator member.</summary>
    public const string Merge = "merge";

    /// <summary>A receipt frozen by a regulator (or court) member, with a reason: nothing but unfreezing applies to it.</summary>
    public const string Freeze = "freeze";

    /// <summary>A freeze lifted by a regulator member.</summary>
    public const string Unfreeze = "unfreeze";

    /// <summary>After an enforcement, the lender's record that the goods were sold (the receipt closes).</summary>
    public const string Dispose = "dispose";

    /// <summary>An operator's acknowledgement of an alarm of an enrolled device (who, the alarm's start leaf, a comment).</summary>
    public const string Acknowledge = "acknowledge";

    /// <summary>A sensor's calibration (correction, certificate, laboratory, dates), signed by an operator member.</summary>
    public const string Calibrate = "calibrate";

    /// <summary>True for a kind name's syntax: a lower-case word of a-z 0-9 and '-'.</summary>
    public static bool IsValidKindName(string? kind) =>
        kind is { Length: > 0 and <= 32 } && kind[0] is >= 'a' and <= 'z' && kind.All(ch => ch is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');
}
