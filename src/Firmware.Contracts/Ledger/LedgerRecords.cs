using Firmware.Contracts.Hashing;
using Firmware.Contracts.Notes;

namespace Firmware.Contracts.Ledger;

/// <summary>What a member may sign for, besides ledger checkpoints (which every member may cosign).</summary>
[Flags]
public enum MemberRoles
{
    /// <summary>No role: the member only cosigns checkpoints.</summary>
    None = 0,

    /// <summary>Runs warehouses: enrols and revokes devices, registers lots.</summary>
    Operator = 1,

    /// <summary>Lends against lots: pledges and releases.</summary>
    Lender = 2,

    /// <summary>Reads and audits.</summary>
    Auditor = 4,

    /// <summary>A regulator or court: freezes and unfreezes receipts.</summary>
    Regulator = 8,
}

/// <summary>The wire names of <see cref="MemberRoles"/>: comma-separated, in the order operator, lender, auditor, regulator.</summary>
public static class MemberRoleNames
{
    private static readonly (MemberRoles Role, string Name)[] Names =
        [(MemberRoles.Operator, "operator"), (MemberRoles.Lender, "lender"), (MemberRoles.Auditor, "auditor"), (MemberRoles.Regulator, "regulator")];

    /// <summary>The canonical text, e.g. <c>operator,auditor</c>; <c>none</c> for no role.</summary>
    public static string Format(MemberRoles roles)
    {
        var names = Names.Where(n => roles.HasFlag(n.Role)).Select(n => n.Name).ToList();
        return names.Count == 0 ? "none" : string.Join(',', names);
    }

    /// <summary>Parses the canonical text (each role once, in canonical order).</summary>
    public static bool TryParse(string? text, out MemberRoles roles)
    {
        roles = MemberRoles.None;
        if (text == "none")
        {
            return true;
        }
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        foreach (var part in text.Split(','))
        {
            var match = Names.FirstOrDefault(n => n.Name == part);
            if (match.Name is null || roles.HasFlag(match.Role))
            {
                return false;
            }
            roles |= match.Role;
        }
        return Format(roles) == text;
    }
}

/// <summary>A member as a statement names it: name (also its key name), roles, P-256 public key.</summary>
/// <param name="Name">The member name, also the key name in its signature lines.</param>
/// <param name="Roles">What it may sign for.</param>
/// <param name="PublicKey">Base64 of the DER SubjectPublicKeyInfo.</param>
public sealed record MemberInfo(string Name, MemberRoles Roles, string PublicKey)
{
    /// <summary>The member's verifier key.</summary>
    public NoteVerifierKey VerifierKey() => NoteVerifierKey.FromSpki(Name, Convert.FromBase64String(PublicKey));

    /// <summary>The line value: <c>&lt;name&gt; &lt;roles&gt; &lt;spki&gt;</c>.</summary>
    public string ToValue() => $"{Name} {MemberRoleNames.Format(Roles)} {PublicKey}";

    /// <summary>Parses a <c>member</c> line value and checks that the key is a P-256 public key.</summary>
    public static Result<MemberInfo> Parse(string value)
    {
        var parts = value.Split(' ');
        if (parts.Length != 3)
        {
            return Result<MemberInfo>.Fail("entry-field", $"a member line is '<name> <roles> <base64 spki>', got '{value}'");
        }
        if (!LedgerNames.IsValidMemberName(parts[0]))
        {
            return Result<MemberInfo>.Fail("entry-field", $"member name '{parts[0]}' must be 1-64 of A-Z a-z 0-9 . _ -");
        }
        if (!MemberRoleNames.TryParse(parts[1], out var roles))
        {
            return Result<MemberInfo>.Fail("entry-field", $"member roles '{parts[1]}' must be 'none' or a comma-separated list of operator, lender, auditor, regulator in that order");
        }
        var key = KeyCheck.P256Spki(parts[2], $"member '{parts[0]}'");
        return key.Succeeded ? new MemberInfo(parts[0], roles, parts[2]) : key.Failure!;
    }
}

/// <summary>A member as the ledger knows it.</summary>
/// <param name="Name">The member name, also the key name in its signature lines.</param>
/// <param name="Roles">What it may sign for.</param>
/// <param name="PublicKey">Base64 of the DER SubjectPublicKeyInfo.</param>
/// <param name="AdmittedAt">The ledger index of the genesis or admission entry that added it.</param>
public sealed record LedgerMember(string Name, MemberRoles Roles, string PublicKey, long AdmittedAt)
{
    /// <summary>The key ID of <see cref="PublicKey"/>.</summary>
    public uint KeyId => NoteKeys.KeyIdOf(Convert.FromBase64String(PublicKey));
}

/// <summary>A sensor of an enrolled device: its id (as leaves carry it), quantity and zone.</summary>
public sealed record SensorInfo(string SensorId, string Quantity, string? Zone)
{
    /// <summary>The line value: <c>&lt;sensor&gt; &lt;quantity&gt; [&lt;zone&gt;]</c>.</summary>
    public string ToValue() => Zone is null ? $"{SensorId} {Quantity}" : $"{SensorId} {Quantity} {Zone}";

    /// <summary>Parses a <c>sensor</c> line value.</summary>
    public static Result<SensorInfo> Parse(string value)
    {
        var parts = value.Split(' ');
        if (parts.Length is < 2 or > 3 || !LedgerNames.IsValidSensorId(parts[0]) || !LedgerNames.IsValidQuantity(parts[1])
            || (parts.Length == 3 && !LedgerNames.IsValidZone(parts[2])))
        {
            return Result<SensorInfo>.Fail("entry-field", $"a sensor line is '<sensor id> <quantity> [<zone>]', got '{value}'");
        }
        return new SensorInfo(parts[0], parts[1], parts.Length == 3 ? parts[2] : null);
    }
}

/// <summary>
/// A device as the ledger knows it: its current (or last) enrolment and the state of its anchored log.
/// The anchored log outlives a revocation: a re-enrolled device must extend what was anchored before.
/// </summary>
public sealed record DeviceRecord
{
    /// <summary>The device id.</summary>
    public required string DeviceId { get; init; }

    /// <summary>Base64 DER SPKI of the enrolled key.</summary>
    public required string PublicKey { get; init; }

    /// <summary>The site, if enrolled with one.</summary>
    public string? Site { get; init; }

    /// <summary>The zone, if enrolled with one.</summary>
    public string? Zone { get; init; }

    /// <summary>The sensors the enrolment lists.</summary>
    public IReadOnlyList<SensorInfo> Sensors { get; init; } = [];

    /// <summary>Ledger index of the enrolment in force (or the last one, when revoked).</summary>
    public required long EnrolmentIndex { get; init; }

    /// <summary>The member that signed the enrolment.</summary>
    public required string EnrolledBy { get; init; }

    /// <summary>Ledger index of the revocation of that enrolment, or null while it is in force.</summary>
    public long? RevocationIndex { get; init; }

    /// <summary>Ledger index of the device's last anchor entry, or null.</summary>
    public long? AnchorIndex { get; init; }

    /// <summary>The size of the last anchored device checkpoint (0 when none).</summary>
    public long AnchoredSize { get; init; }

    /// <summary>The root of the last anchored device checkpoint (the empty root when none).</summary>
    public Hash32 AnchoredRoot { get; init; } = Merkle.Rfc9162.EmptyRoot;

    /// <summary>Ledger index of an unresolved equivocation entry, or null.</summary>
    public long? EquivocationIndex { get; init; }

    /// <summary>True while the enrolment is in force.</summary>
    public bool IsActive => RevocationIndex is null;

    /// <summary>One line per field, for comparing states (replicas must agree on every field).</summary>
    public string Describe() =>
        $"device {DeviceId} key={PublicKey} site={Site} zone={Zone} sensors=[{string.Join(";", Sensors.Select(s => s.ToValue()))}] "
        + $"enrolment={EnrolmentIndex} by={EnrolledBy} revocation={RevocationIndex} anchor={AnchorIndex} size={AnchoredSize} "
        + $"root={AnchoredRoot.ToBase64()} equivocation={EquivocationIndex}";
}

internal static class KeyCheck
{
    public static Result P256Spki(string base64, string whose)
    {
        byte[] spki;
        try
        {
            spki = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return Result.Fail("entry-field", $"the key of {whose} is not valid base64");
        }
        if (Convert.ToBase64String(spki) != base64)
        {
            return Result.Fail("entry-field", $"the key of {whose} is not canonical base64");
        }
        try
        {
            using var key = NoteKeys.ImportP256PublicKey(spki);
            return Result.Ok;
        }
        catch (ArgumentException e)
        {
            return Result.Fail("entry-field", $"the key of {whose}: {e.Message}");
        }
    }
}
