using System.Globalization;
using Firmware.Contracts;
using Firmware.Contracts.Hashing;

namespace Firmware.Contracts.Ledger;

/// <summary>
/// Where a lot is in its life: issued → (pledged ↔ issued)* → delivered, cancelled, split or merged;
/// enforced after a lender enforces its pledge, then delivered or disposed. A freeze is not a status:
/// it holds whatever the status is (<see cref="LotRecord.FrozenAt"/>).
/// </summary>
public enum LotStatus
{
    /// <summary>In store, not pledged (also after a release).</summary>
    Issued,

    /// <summary>In store, with an active pledge.</summary>
    Pledged,

    /// <summary>The lender enforced its pledge: the goods are held to its order until delivered.</summary>
    Enforced,

    /// <summary>Every unit delivered.</summary>
    Delivered,

    /// <summary>The receipt was cancelled.</summary>
    Cancelled,

    /// <summary>The receipt was split into child receipts, which hold its goods now.</summary>
    Split,

    /// <summary>The receipt was merged with others into a new receipt, which holds its goods now.</summary>
    Merged,

    /// <summary>After enforcement, the lender sold the goods.</summary>
    Disposed,
}

/// <summary>A receipt that a split or merge handed goods to: its number and the quantity it takes from the parent.</summary>
/// <param name="Receipt">The child receipt's number.</param>
/// <param name="Quantity">What it takes over.</param>
public sealed record LotChild(string Receipt, decimal Quantity)
{
    /// <summary>The line value: <c>&lt;receipt&gt; &lt;quantity&gt;</c>.</summary>
    public string ToValue() => $"{Receipt} {CanonicalValues.Decimal(Quantity)}";

    /// <summary>Parses a line value written by <see cref="ToValue"/>.</summary>
    public static LotChild? Parse(string value)
    {
        var parts = value.Split(' ');
        return parts.Length == 2 && LedgerNames.IsValidReceipt(parts[0]) && CanonicalValues.TryParseDecimal(parts[1], out var quantity) && quantity > 0
            ? new LotChild(parts[0], quantity)
            : null;
    }
}

/// <summary>Where a pledge is in its life.</summary>
public enum PledgeStatus
{
    /// <summary>In force.</summary>
    Active,

    /// <summary>Released by its lender.</summary>
    Released,

    /// <summary>Enforced by its lender.</summary>
    Enforced,
}

/// <summary>Wire names of the inventory enums (lower case).</summary>
public static class InventoryStatusNames
{
    /// <summary>The name of a lot status.</summary>
    public static string Name(this LotStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>The name of a pledge status.</summary>
    public static string Name(this PledgeStatus status) => status.ToString().ToLowerInvariant();
}

/// <summary>A registered party.</summary>
/// <param name="PartyId">Its id.</param>
/// <param name="PublicKey">Base64 DER SPKI of the key it signs with.</param>
/// <param name="RegistrationIndex">The ledger index of the registration in force.</param>
/// <param name="RegisteredBy">The operator member that registered it.</param>
public sealed record PartyRecord(string PartyId, string PublicKey, long RegistrationIndex, string RegisteredBy)
{
    /// <summary>One line for comparing replicas.</summary>
    public string Describe() => $"party {PartyId} key={PublicKey} registration={RegistrationIndex} by={RegisteredBy}";
}

/// <summary>A title entry (private part of a receipt), and the lot that committed to it, once one did.</summary>
public sealed record TitleRecord
{
    /// <summary>The statement hash (the lot's commitment).</summary>
    public required Hash32 Hash { get; init; }

    /// <summary>The title entry's ledger index.</summary>
    public required long Index { get; init; }

    /// <summary>The receipt number it is for.</summary>
    public required string Receipt { get; init; }

    /// <summary>The depositor party.</summary>
    public required string Depositor { get; init; }

    /// <summary>The owner party.</summary>
    public required string Owner { get; init; }

    /// <summary>The quantity deposited.</summary>
    public required decimal Quantity { get; init; }

    /// <summary>Its unit.</summary>
    public required string Unit { get; init; }

    /// <summary>The title statement's nonce (32 hex digits): secret to all but members, it salts the lot's private state value.</summary>
    public required string Nonce { get; init; }

    /// <summary>The lot entry that committed to it, or null while none has.</summary>
    public long? LotIndex { get; init; }

    /// <summary>One line for comparing replicas.</summary>
    public string Describe() =>
        $"title {Hash.ToBase64()} index={Index} receipt={Receipt} depositor={Depositor} owner={Owner} quantity={CanonicalValues.Decimal(Quantity)} {Unit} nonce={Nonce} lot={LotIndex}";
}

/// <summary>A lot (warehouse receipt) as the ledger's entries leave it.</summary>
public sealed record LotRecord
{
    /// <summary>The receipt number.</summary>
    public required string Receipt { get; init; }

    /// <summary>The lot entry's ledger index (the lot's identity in statements).</summary>
    public required long LotIndex { get; init; }

    /// <summary>The title entry's ledger index.</summary>
    public required long TitleIndex { get; init; }

    /// <summary>The GTIN.</summary>
    public required string Gtin { get; init; }

    /// <summary>The batch/lot number.</summary>
    public required string Batch { get; init; }

    /// <summary>The site it is stored at (after the last move).</summary>
    public required string Site { get; init; }

    /// <summary>The zone it is stored in (after the last move).</summary>
    public required string Zone { get; init; }

    /// <summary>Its status.</summary>
    public required LotStatus Status { get; init; }

    /// <summary>The depositor party.</summary>
    public required string Depositor { get; init; }

    /// <summary>The owner party.</summary>
    public required string Owner { get; init; }

    /// <summary>The quantity still in store.</summary>
    public required decimal Quantity { get; init; }

    /// <summary>Its unit.</summary>
    public required string Unit { get; init; }

    /// <summary>Issue date, Unix ms.</summary>
    public required long IssuedMs { get; init; }

    /// <summary>End of validity, Unix ms.</summary>
    public required long ValidUntilMs { get; init; }

    /// <summary>The last entry of the location chain (the lot entry, then moves).</summary>
    public required long LocationHead { get; init; }

    /// <summary>The time of the last location entry (issue, then each move), Unix ms.</summary>
    public required long LocationTimeMs { get; init; }

    /// <summary>The last entry of the status chain (the lot entry, then pledges, releases, transfers, enforcements, deliveries, cancellation).</summary>
    public required long StatusHead { get; init; }

    /// <summary>The active pledge's ledger index, or null.</summary>
    public long? ActivePledge { get; init; }

    /// <summary>The lender the goods are held for after an enforcement, or null.</summary>
    public string? Controller { get; init; }

    /// <summary>The entry that delivered the last unit or cancelled the receipt, or null while open.</summary>
    public long? ClosedAt { get; init; }

    /// <summary>When the goods left the receipt (the <c>at</c> of the delivery that emptied it, or of its split, merge or disposal), Unix ms, or null.</summary>
    public long? DeliveredMs { get; init; }

    /// <summary>The freeze in force (its ledger index), or null.</summary>
    public long? FrozenAt { get; init; }

    /// <summary>The product, specification, bands and condition parameters of its lot statement (<see cref="LotStatement.ConditionTerms"/>): what a split child or a merge must share.</summary>
    public string Terms { get; init; } = "";

    /// <summary>The receipts a split or merge handed its goods to, or none.</summary>
    public IReadOnlyList<LotChild> Children { get; init; } = [];

    /// <summary>True until delivered, cancelled, split, merged or disposed.</summary>
    public bool IsOpen => Status is not (LotStatus.Delivered or LotStatus.Cancelled or LotStatus.Split or LotStatus.Merged or LotStatus.Disposed);

    /// <summary>One line for comparing replicas.</summary>
    public string Describe() =>
        $"lot {Receipt} index={LotIndex} title={TitleIndex} gtin={Gtin} batch={Batch} site={Site} zone={Zone} status={Status.Name()} "
        + $"depositor={Depositor} owner={Owner} quantity={CanonicalValues.Decimal(Quantity)} {Unit} issued={IssuedMs} valid-until={ValidUntilMs} "
        + $"location={LocationHead}@{LocationTimeMs} status-head={StatusHead} pledge={ActivePledge} controller={Controller} closed={ClosedAt} delivered={DeliveredMs} "
        + $"frozen={FrozenAt} terms={Terms.Replace('\n', ';')} children=[{string.Join(";", Children.Select(c => c.ToValue()))}]";
}

/// <summary>A pledge as the ledger's entries leave it.</summary>
public sealed record PledgeRecord
{
    /// <summary>The pledge entry's ledger index (its identity).</summary>
    public required long Index { get; init; }

    /// <summary>The receipt pledged.</summary>
    public required string Receipt { get; init; }

    /// <summary>The lot entry's index.</summary>
    public required long LotIndex { get; init; }

    /// <summary>The lender member holding it (changes on transfer).</summary>
    public required string Lender { get; init; }

    /// <summary>The owner party that consented.</summary>
    public required string Owner { get; init; }

    /// <summary>The amount secured.</summary>
    public required decimal Amount { get; init; }

    /// <summary>Its currency.</summary>
    public required string Currency { get; init; }

    /// <summary>Start of the term, Unix ms.</summary>
    public required long StartMs { get; init; }

    /// <summary>End of the term, Unix ms.</summary>
    public required long EndMs { get; init; }

    /// <summary>Its status.</summary>
    public required PledgeStatus Status { get; init; }

    /// <summary>The release or enforcement entry that ended it, or null while active.</summary>
    public long? EndedAt { get; init; }

    /// <summary>When it ended (the release's or enforcement's <c>at</c>), or null while active.</summary>
    public long? EndedAtMs { get; init; }

    /// <summary>One line for comparing replicas.</summary>
    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture,
            $"pledge {Index} receipt={Receipt} lot={LotIndex} lender={Lender} owner={Owner} amount={CanonicalValues.Decimal(Amount)} {Currency} term={StartMs}..{EndMs} status={Status.Name()} ended={EndedAt}@{EndedAtMs}");
}
