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
}
