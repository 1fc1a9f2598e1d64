using Firmware.Contracts.Uplink;

namespace Firmware.Contracts.Ledger;

/// <summary>
/// The failure codes of ledger rules. Each is also the code of the RFC 9457 problem type the node
/// answers with (<see cref="ProblemTypes.For"/>), so a client learns the same reason a replica would.
/// </summary>
public static class LedgerFailures
{
    /// <summary>The bytes are not a well-formed entry.</summary>
    public const string EntryFormat = "entry-format";

    /// <summary>A header or body field is missing, misplaced or malformed.</summary>
    public const string EntryField = "entry-field";

    /// <summary>No rule knows the entry's kind.</summary>
    public const string UnknownKind = "unknown-entry-kind";

    /// <summary>Only the genesis entry may come first, and only first.</summary>
    public const string Genesis = "genesis-order";

    /// <summary>The statement is for another consortium.</summary>
    public const string WrongConsortium = "wrong-consortium";

    /// <summary>The statement text was appended before (a replay).</summary>
    public const string DuplicateStatement = "duplicate-statement";

    /// <summary>A signature is by a key that is not a member's.</summary>
    public const string NotAMember = "not-a-member";

    /// <summary>No signer has the role the statement needs.</summary>
    public const string RoleRequired = "role-required";

    /// <summary>Too few members signed an admission.</summary>
    public const string QuorumNotMet = "quorum-not-met";

    /// <summary>The member's name or key is already taken.</summary>
    public const string MemberExists = "member-exists";

    /// <summary>A signature does not verify.</summary>
    public const string BadSignature = ProblemTypes.BadSignature;

    /// <summary>The device was never enrolled.</summary>
    public const string UnknownDevice = ProblemTypes.UnknownDevice;

    /// <summary>The device's enrolment was revoked.</summary>
    public const string RevokedDevice = ProblemTypes.RevokedDevice;

    /// <summary>The device has an enrolment in force.</summary>
    public const string DeviceEnrolled = "device-already-enrolled";

    /// <summary>A reference to the device's enrolment, anchor or equivocation is not the current one.</summary>
    public const string StaleReference = "stale-reference";

    /// <summary>The device is flagged for equivocation.</summary>
    public const string Equivocation = ProblemTypes.Equivocation;

    /// <summary>The checkpoint does not grow the device's anchored log.</summary>
    public const string StaleCheckpoint = ProblemTypes.StaleCheckpoint;

    /// <summary>The consistency proof from the last anchored checkpoint does not hold.</summary>
    public const string InconsistentCheckpoint = "inconsistent-checkpoint";

    /// <summary>The equivocation evidence does not show two histories.</summary>
    public const string NoEquivocation = "not-an-equivocation";

    /// <summary>A lot with this receipt number exists.</summary>
    public const string ReceiptExists = "receipt-exists";

    /// <summary>No lot has this receipt number, or the statement names another lot entry.</summary>
    public const string UnknownLot = "unknown-lot";

    /// <summary>The party is not registered.</summary>
    public const string UnknownParty = "unknown-party";

    /// <summary>The party is registered already.</summary>
    public const string PartyExists = "party-exists";

    /// <summary>The lot's title commitment names no unused title entry of this receipt.</summary>
    public const string UnknownTitle = "unknown-title";

    /// <summary>An EPC belongs to another open lot.</summary>
    public const string EpcInUse = "epc-in-use";

    /// <summary>The lot has an active pledge (the failure names its ledger index).</summary>
    public const string LotPledged = "lot-pledged";

    /// <summary>The lot was delivered or cancelled (the failure names the closing entry).</summary>
    public const string LotClosed = "lot-closed";

    /// <summary>The lot's pledge was enforced; only a delivery to the lender's order may follow.</summary>
    public const string LotEnforced = "lot-enforced";

    /// <summary>The pledge is not the lot's active pledge.</summary>
    public const string NotPledged = "not-pledged";

    /// <summary>The statement is not signed by the pledge's lender.</summary>
    public const string NotTheLender = "not-the-lender";

    /// <summary>The pledge names an owner who does not hold the lot.</summary>
    public const string NotTheOwner = "not-the-owner";

    /// <summary>The pledge lacks the owner's signature.</summary>
    public const string OwnerConsentRequired = "owner-consent-required";

    /// <summary>More would be delivered than the lot holds.</summary>
    public const string QuantityExceeded = "quantity-exceeded";

    /// <summary>The pledge's term ends after the receipt's validity.</summary>
    public const string TermBeyondValidity = "term-beyond-validity";

    /// <summary>A time goes backwards against the lot's earlier entries.</summary>
    public const string TimeOrder = "time-order";

    /// <summary>A party's key replacement lacks the signature of its current key and a quorum of members for recovery.</summary>
    public const string PartyConsentRequired = "party-consent-required";

    /// <summary>The receipt is frozen (the failure names the freeze); only an unfreeze applies.</summary>
    public const string LotFrozen = "lot-frozen";

    /// <summary>An unfreeze names a freeze that is not the one in force.</summary>
    public const string NotFrozen = "not-frozen";

    /// <summary>The receipt's validity has ended: no new pledge.</summary>
    public const string ReceiptExpired = "receipt-expired";

    /// <summary>A disposal needs an enforced pledge.</summary>
    public const string NotEnforced = "not-enforced";

    /// <summary>A split's quantities do not add up to what the receipt holds.</summary>
    public const string QuantityMismatch = "quantity-mismatch";

    /// <summary>A lot's parents (split-from, merged-from) are not the receipts that split or merged into it, or its facts differ from theirs.</summary>
    public const string ParentMismatch = "parent-mismatch";

    /// <summary>The alarm was acknowledged before; an alarm takes one acknowledgement.</summary>
    public const string AlarmAcknowledged = "alarm-acknowledged";

    /// <summary>An acknowledgement names an alarm leaf that no anchor of the device covers yet.</summary>
    public const string AlarmNotAnchored = "alarm-not-anchored";

    /// <summary>A calibration names a sensor the device's enrolment in force does not list with a unit.</summary>
    public const string UnknownSensor = "unknown-sensor";
}
