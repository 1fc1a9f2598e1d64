using Firmware.Contracts;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Epc;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Ledger;

namespace Firmware.Contracts.Inventory;

/// <summary>
/// A depositor or owner of goods (not a consortium member), registered by an operator member with
/// the public key it signs its consents with (key name <c>edgetrace/party/&lt;id&gt;</c>). Body:
/// <c>party &lt;id&gt;</c>, <c>key &lt;spki&gt;</c>, and <c>replaces &lt;index&gt;</c> when it gives a registered
/// party a new key (the index of the registration in force).
/// </summary>
public sealed record PartyStatement(string PartyId, string PublicKey, long? Replaces = null)
{
    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody()
    {
        yield return new EntryField("party", PartyId);
        yield return new EntryField("key", PublicKey);
        if (Replaces is { } replaces)
        {
            yield return EntryField.Number("replaces", replaces);
        }
    }

    /// <summary>Checks the fields (as parsing does).</summary>
    public Result Check() =>
        InventoryNames.IsValidPartyId(PartyId)
            ? KeyCheck.P256Spki(PublicKey, $"party '{PartyId}'")
            : Result.Fail(LedgerFailures.EntryField, $"party id '{PartyId}' must be 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit");

    /// <summary>Reads the body of a <see cref="EntryKinds.Party"/> statement.</summary>
    public static Result<PartyStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "party statement");
        var party = new PartyStatement(reader.Required("party"), reader.Required("key"), reader.OptionalNumber("replaces"));
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var check = party.Check();
        return check.Succeeded ? party : check.Failure!;
    }
}

/// <summary>
/// The private part of a warehouse receipt (GB/T 30332: depositor, holder, quantity, insurance), signed
/// by the operator member. The public lot statement carries only its statement hash, so a public
/// proof of the lot reveals none of it: the statement's random nonce makes the hash unguessable.
/// Body: <c>receipt</c>, <c>depositor</c>, <c>owner</c>, <c>quantity</c>, <c>unit</c>, <c>insurance</c>?.
/// </summary>
public sealed record TitleStatement
{
    /// <summary>The longest insurance reference, in characters.</summary>
    public const int MaxInsuranceLength = 128;

    /// <summary>The receipt number of the lot this is the private part of.</summary>
    public required string Receipt { get; init; }

    /// <summary>The party that deposited the goods.</summary>
    public required string Depositor { get; init; }

    /// <summary>The party that holds title to them (and consents to pledges).</summary>
    public required string Owner { get; init; }

    /// <summary>How much was deposited, in <see cref="Unit"/>.</summary>
    public required decimal Quantity { get; init; }

    /// <summary>The unit of <see cref="Quantity"/>.</summary>
    public required string Unit { get; init; }

    /// <summary>The insurance policy reference, if insured.</summary>
    public string? Insurance { get; init; }

    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody()
    {
        yield return new EntryField("receipt", Receipt);
        yield return new EntryField("depositor", Depositor);
        yield return new EntryField("owner", Owner);
        yield return new EntryField("quantity", CanonicalValues.Decimal(Quantity));
        yield return new EntryField("unit", Unit);
        if (Insurance is not null)
        {
            yield return new EntryField("insurance", Insurance);
        }
    }

    /// <summary>Checks the fields (as parsing does).</summary>
    public Result Check()
    {
        if (!InventoryNames.IsValidReceipt(Receipt))
        {
            return Fail($"receipt number '{Receipt}' must be 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit");
        }
        if (!InventoryNames.IsValidPartyId(Depositor) || !InventoryNames.IsValidPartyId(Owner))
        {
            return Fail($"depositor '{Depositor}' and owner '{Owner}' must be party ids");
        }
        if (Quantity <= 0 || !IsCanonical(Quantity))
        {
            return Fail($"quantity {Quantity} must be positive with at most {CanonicalValues.MaxDecimals} decimals");
        }
        if (!InventoryNames.IsValidUnit(Unit))
        {
            return Fail($"unit '{Unit}' must be a word such as carton, kg or KGM");
        }
        return Insurance is null || FieldReader.TextProblem(Insurance, MaxInsuranceLength) is not { } problem ? Result.Ok : Fail($"the insurance reference {problem}");
    }

    /// <summary>Reads the body of a <see cref="EntryKinds.Title"/> statement.</summary>
    public static Result<TitleStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "title statement");
        var receipt = reader.Required("receipt");
        var depositor = reader.Required("depositor");
        var owner = reader.Required("owner");
        var quantity = StatementValues.Decimal(reader, "quantity");
        var unit = reader.Required("unit");
        var insurance = reader.OptionalText("insurance", MaxInsuranceLength);
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var title = new TitleStatement { Receipt = receipt, Depositor = depositor, Owner = owner, Quantity = quantity, Unit = unit, Insurance = insurance };
        var check = title.Check();
        return check.Succeeded ? title : check.Failure!;
    }

    internal static bool IsCanonical(decimal value) => CanonicalValues.IsWritable(value);

    private static Result Fail(string message) => Result.Fail(LedgerFailures.EntryField, $"title statement: {message}");
}

/// <summary>
/// A warehouse receipt's public facts (GB/T 30332 elements that may be shown to anyone), signed by
/// the operator member that keeps the goods: receipt number, a commitment to the private part
/// (<c>title</c>: the statement hash of the title entry), storage location, goods, required
/// storage conditions, issue date, validity, and the EPCs of the cargo.
/// Body: <c>receipt</c>, <c>title</c>, <c>site</c>, <c>zone</c>, <c>product</c>, <c>gtin</c>, <c>batch</c>,
/// <c>spec</c>?, <c>band</c>+, <c>logging</c>?, <c>excursion-delay</c>?, <c>allowance</c>?, <c>activation-energy</c>?,
/// <c>issued</c>, <c>valid-until</c>, <c>split-from</c>? or <c>merged-from</c>* (≥ 2), <c>epc</c>*.
/// </summary>
public sealed record LotStatement
{
    /// <summary>The most EPCs one lot lists.</summary>
    public const int MaxEpcs = 900;

    /// <summary>The most receipts merged into one.</summary>
    public const int MaxParents = 16;

    /// <summary>The longest product name or specification, in characters.</summary>
    public const int MaxProductLength = 200;

    /// <summary>The receipt number, unique in the consortium.</summary>
    public required string Receipt { get; init; }

    /// <summary>The statement hash of the title (private part) entry.</summary>
    public required Hash32 Title { get; init; }

    /// <summary>The warehouse (site id, as device enrolments name it).</summary>
    public required string Site { get; init; }

    /// <summary>The zone the goods are stored in at issue.</summary>
    public required string Zone { get; init; }

    /// <summary>The goods' name.</summary>
    public required string Product { get; init; }

    /// <summary>The GTIN, 14 digits.</summary>
    public required string Gtin { get; init; }

    /// <summary>The batch/lot number (GS1 AI 10).</summary>
    public required string Batch { get; init; }

    /// <summary>The specification (grade, packaging), optional.</summary>
    public string? Specification { get; init; }

    /// <summary>Required storage conditions: one band per quantity, temperature first.</summary>
    public required IReadOnlyList<StorageBand> Bands { get; init; }

    /// <summary>The sensors' logging interval the condition rules assume (gaps are longer than twice it), or null for the spec default (1m).</summary>
    public long? LoggingIntervalMs { get; init; }

    /// <summary>Out-of-range periods up to this long are not excursions (door openings), or null for the spec default (0s).</summary>
    public long? ExcursionDelayMs { get; init; }

    /// <summary>The most time out of range allowed per sensor over a report's window, or null for no allowance.</summary>
    public long? AllowanceMs { get; init; }

    /// <summary>ΔH/R for the mean kinetic temperature, kelvin, or null for the spec default (10000).</summary>
    public decimal? ActivationEnergyK { get; init; }

    /// <summary>Issue date, Unix ms.</summary>
    public required long IssuedMs { get; init; }

    /// <summary>End of validity (storage term), Unix ms.</summary>
    public required long ValidUntilMs { get; init; }

    /// <summary>The receipt this one was split from (its history before the split is the parent's), or null.</summary>
    public string? SplitFrom { get; init; }

    /// <summary>The receipts (two or more) merged into this one, or none.</summary>
    public IReadOnlyList<string> MergedFrom { get; init; } = [];

    /// <summary>The SGTIN EPC URIs of the cargo (each carries <see cref="Gtin"/>; the receipt lists the serials, which is how RFID reads map to this batch).</summary>
    public IReadOnlyList<string> Epcs { get; init; } = [];

    /// <summary>
    /// The goods and how they must be kept: the <c>product</c>, <c>spec</c>, <c>band</c>, <c>logging</c>,
    /// <c>excursion-delay</c>, <c>allowance</c> and <c>activation-energy</c> lines as written. A split child
    /// carries its parent's; receipts merge only when theirs are equal.
    /// </summary>
    public string ConditionTerms() =>
        string.Join('\n', ToBody().Where(f => f.Key is "product" or "spec" or "band" or "logging" or "excursion-delay" or "allowance" or "activation-energy").Select(f => f.ToString()));

    /// <summary>The band for <paramref name="quantity"/>, or null.</summary>
    public StorageBand? Band(string quantity) => Bands.FirstOrDefault(b => b.Quantity == quantity);

    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody()
    {
        yield return new EntryField("receipt", Receipt);
        yield return EntryField.Hash("title", Title);
        yield return new EntryField("site", Site);
        yield return new EntryField("zone", Zone);
        yield return new EntryField("product", Product);
        yield return new EntryField("gtin", Gtin);
        yield return new EntryField("batch", Batch);
        if (Specification is not null)
        {
            yield return new EntryField("spec", Specification);
        }
        foreach (var band in Bands)
        {
            yield return new EntryField("band", band.ToValue());
        }
        if (LoggingIntervalMs is { } interval)
        {
            yield return new EntryField("logging", CanonicalValues.Duration(interval));
        }
        if (ExcursionDelayMs is { } delay)
        {
            yield return new EntryField("excursion-delay", CanonicalValues.Duration(delay));
        }
        if (AllowanceMs is { } allowance)
        {
            yield return new EntryField("allowance", CanonicalValues.Duration(allowance));
        }
        if (ActivationEnergyK is { } energy)
        {
            yield return new EntryField("activation-energy", CanonicalValues.Decimal(energy));
        }
        yield return EntryField.Number("issued", IssuedMs);
        yield return EntryField.Number("valid-until", ValidUntilMs);
        if (SplitFrom is not null)
        {
            yield return new EntryField("split-from", SplitFrom);
        }
        foreach (var parent in MergedFrom)
        {
            yield return new EntryField("merged-from", parent);
        }
        foreach (var epc in Epcs)
        {
            yield return new EntryField("epc", epc);
        }
    }

    /// <summary>Checks the fields (as parsing does).</summary>
    public Result Check()
    {
        if (!InventoryNames.IsValidReceipt(Receipt))
        {
            return Fail($"receipt number '{Receipt}' must be 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit");
        }
        if (!LedgerNames.IsValidZone(Site) || !LedgerNames.IsValidZone(Zone))
        {
            return Fail($"site '{Site}' and zone '{Zone}' must be 1-64 of A-Z a-z 0-9 . _ -");
        }
        if (FieldReader.TextProblem(Product, MaxProductLength) is { } productProblem)
        {
            return Fail($"the product name {productProblem}");
        }
        if (!Epc.Gtin.TryParse(Gtin, out var gtin, out var gtinError) || gtin.Value != Gtin)
        {
            return Fail(gtinError ?? $"GTIN '{Gtin}' must be written with 14 digits");
        }
        if (!InventoryNames.IsValidBatch(Batch))
        {
            return Fail($"batch '{Batch}' must be 1-20 characters of GS1 character set 82");
        }
        if (Specification is not null && FieldReader.TextProblem(Specification, MaxProductLength) is { } specProblem)
        {
            return Fail($"the specification {specProblem}");
        }
        if (Bands.Count == 0 || Bands.Select(b => b.Quantity).Distinct(StringComparer.Ordinal).Count() != Bands.Count
            || !Bands.Select(b => b.Quantity).SequenceEqual(StorageBand.Quantities.Where(q => Bands.Any(b => b.Quantity == q))))
        {
            return Fail("a lot has one band per quantity, at least a temperature or humidity band, temperature first");
        }
        foreach (var band in Bands)
        {
            if (!StorageBand.Parse(band.ToValue()).Succeeded)
            {
                return Fail($"band '{band.ToValue()}' needs min < max");
            }
        }
        if (LoggingIntervalMs is <= 0 || ExcursionDelayMs is < 0 || AllowanceMs is < 0)
        {
            return Fail("the logging interval must be positive; the excursion delay and the allowance cannot be negative");
        }
        if (ActivationEnergyK is { } energy && (energy <= 0 || energy > 1_000_000))
        {
            return Fail($"the activation energy ΔH/R ({CanonicalValues.Decimal(energy)} K) must be positive and at most 1000000 K");
        }
        if (IssuedMs < 0 || ValidUntilMs <= IssuedMs)
        {
            return Fail($"validity ({ValidUntilMs}) must end after the issue date ({IssuedMs})");
        }
        if (Epcs.Count > MaxEpcs)
        {
            return Fail($"a lot lists at most {MaxEpcs} EPCs");
        }
        if ((SplitFrom is not null && MergedFrom.Count > 0) || MergedFrom.Count == 1 || MergedFrom.Count > MaxParents
            || MergedFrom.Distinct(StringComparer.Ordinal).Count() != MergedFrom.Count
            || MergedFrom.Append(SplitFrom).Any(p => p is not null && (!InventoryNames.IsValidReceipt(p) || p == Receipt)))
        {
            return Fail($"a lot is split from one receipt or merged from 2 to {MaxParents} distinct receipts (never itself), not both");
        }
        if (Epcs.Distinct(StringComparer.Ordinal).Count() != Epcs.Count)
        {
            return Fail("an EPC is listed twice");
        }
        foreach (var epc in Epcs)
        {
            if (StatementValues.CheckEpc(epc, Gtin) is { } problem)
            {
                return Fail(problem);
            }
        }
        return Result.Ok;
    }

    /// <summary>Reads the body of a <see cref="EntryKinds.Lot"/> statement.</summary>
    public static Result<LotStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "lot statement");
        var receipt = reader.Required("receipt");
        var title = reader.RequiredHash("title");
        var site = reader.Required("site");
        var zone = reader.Required("zone");
        var product = reader.RequiredText("product", MaxProductLength);
        var gtin = reader.Required("gtin");
        var batch = reader.Required("batch");
        var spec = reader.OptionalText("spec", MaxProductLength);
        var bandLines = reader.Repeated("band", StorageBand.Quantities.Count);
        var logging = StatementValues.OptionalDuration(reader, "logging");
        var delay = StatementValues.OptionalDuration(reader, "excursion-delay");
        var allowance = StatementValues.OptionalDuration(reader, "allowance");
        var energyText = reader.Optional("activation-energy");
        var issued = reader.RequiredNumber("issued");
        var validUntil = reader.RequiredNumber("valid-until");
        var splitFrom = reader.Optional("split-from");
        var mergedFrom = reader.Repeated("merged-from", MaxParents);
        var epcs = reader.Repeated("epc", MaxEpcs);
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var bands = new List<StorageBand>();
        foreach (var line in bandLines)
        {
            var band = StorageBand.Parse(line);
            if (!band.Succeeded)
            {
                return band.Failure!;
            }
            bands.Add(band.Value);
        }
        decimal? energy = null;
        if (energyText is not null)
        {
            if (!CanonicalValues.TryParseDecimal(energyText, out var k))
            {
                return Fail($"activation-energy '{energyText}' is not a canonical decimal").Failure!;
            }
            energy = k;
        }
        var lot = new LotStatement
        {
            Receipt = receipt, Title = title, Site = site, Zone = zone, Product = product, Gtin = gtin, Batch = batch, Specification = spec,
            Bands = bands, LoggingIntervalMs = logging, ExcursionDelayMs = delay, AllowanceMs = allowance, ActivationEnergyK = energy,
            IssuedMs = issued, ValidUntilMs = validUntil, SplitFrom = splitFrom, MergedFrom = mergedFrom, Epcs = epcs,
        };
        var check = lot.Check();
        return check.Succeeded ? lot : check.Failure!;
    }

    private static Result Fail(string message) => Result.Fail(LedgerFailures.EntryField, $"lot statement: {message}");
}

/// <summary>
/// The lot a statement acts on and the entry it follows: <c>receipt</c>, <c>lot</c> (the lot entry's
/// index) and <c>after</c>, the lot's last entry of the same chain (moves follow the location chain;
/// title changes the status chain). Naming the predecessor chains each lot's entries, so that a
/// bundle can show none was left out between two of them, and a statement signed against a state
/// that has since changed is refused (<c>stale-reference</c>) instead of applied to the new one.
/// </summary>
public readonly record struct LotReference(string Receipt, long LotIndex, long After)
{
    internal IEnumerable<EntryField> ToBody() =>
        [new EntryField("receipt", Receipt), EntryField.Number("lot", LotIndex), EntryField.Number("after", After)];

    /// <summary>The reference at the start of a lot statement's body (move, deliver, cancel, pledge, release, transfer, enforce).</summary>
    public static Result<LotReference> Of(Statement statement)
    {
        ArgumentNullException.ThrowIfNull(statement);
        var reader = new FieldReader(statement.Body.Take(3).ToList(), $"{statement.Kind} statement");
        var reference = Read(reader);
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var check = reference.Check($"{statement.Kind} statement");
        return check.Succeeded ? reference : check.Failure!;
    }

    internal static LotReference Read(FieldReader reader) =>
        new(reader.Required("receipt"), reader.RequiredNumber("lot"), reader.RequiredNumber("after"));

    internal Result Check(string where) =>
        InventoryNames.IsValidReceipt(Receipt)
            ? Result.Ok
            : Result.Fail(LedgerFailures.EntryField, $"{where}: receipt number '{Receipt}' is not valid");
}

/// <summary>An operator's record that the lot was moved. Body: lot reference (location chain), <c>site</c>, <c>zone</c>, <c>at</c>.</summary>
public sealed record MoveStatement(LotReference Lot, string Site, string Zone, long AtMs)
{
    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody() =>
        [.. Lot.ToBody(), new EntryField("site", Site), new EntryField("zone", Zone), EntryField.Number("at", AtMs)];

    /// <summary>Reads the body of a <see cref="EntryKinds.Move"/> statement.</summary>
    public static Result<MoveStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "move statement");
        var move = new MoveStatement(LotReference.Read(reader), reader.Required("site"), reader.Required("zone"), reader.RequiredNumber("at"));
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var check = move.Lot.Check("move statement");
        if (!check.Succeeded)
        {
            return check.Failure!;
        }
        return LedgerNames.IsValidZone(move.Site) && LedgerNames.IsValidZone(move.Zone)
            ? move
            : Result<MoveStatement>.Fail(LedgerFailures.EntryField, $"move statement: site '{move.Site}' and zone '{move.Zone}' must be 1-64 of A-Z a-z 0-9 . _ -");
    }
}

/// <summary>
/// An operator's record that goods left the warehouse to the holder's order. Body: lot reference
/// (status chain), <c>quantity</c> (delivered now; less than what remains is a partial delivery that
/// splits the quantity), <c>at</c>, and the <c>epc</c>s that left, if known.
/// </summary>
public sealed record DeliverStatement(LotReference Lot, decimal Quantity, long AtMs, IReadOnlyList<string> Epcs)
{
    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody() =>
        [.. Lot.ToBody(), new EntryField("quantity", CanonicalValues.Decimal(Quantity)), EntryField.Number("at", AtMs), .. Epcs.Select(e => new EntryField("epc", e))];

    /// <summary>Reads the body of a <see cref="EntryKinds.Deliver"/> statement.</summary>
    public static Result<DeliverStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "deliver statement");
        var lot = LotReference.Read(reader);
        var quantity = StatementValues.Decimal(reader, "quantity");
        var at = reader.RequiredNumber("at");
        var epcs = reader.Repeated("epc", LotStatement.MaxEpcs);
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var check = lot.Check("deliver statement");
        if (!check.Succeeded)
        {
            return check.Failure!;
        }
        if (quantity <= 0)
        {
            return Result<DeliverStatement>.Fail(LedgerFailures.EntryField, "deliver statement: the quantity must be positive");
        }
        if (epcs.Distinct(StringComparer.Ordinal).Count() != epcs.Count)
        {
            return Result<DeliverStatement>.Fail(LedgerFailures.EntryField, "deliver statement: an EPC is listed twice");
        }
        return new DeliverStatement(lot, quantity, at, epcs);
    }
}

/// <summary>An operator's cancellation of a receipt that is not pledged. Body: lot reference (status chain), <c>reason</c>.</summary>
public sealed record CancelStatement(LotReference Lot, string Reason)
{
    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody() => [.. Lot.ToBody(), new EntryField("reason", Reason)];

    /// <summary>Reads the body of a <see cref="EntryKinds.Cancel"/> statement.</summary>
    public static Result<CancelStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "cancel statement");
        var cancel = new CancelStatement(LotReference.Read(reader), reader.RequiredText("reason"));
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var check = cancel.Lot.Check("cancel statement");
        return check.Succeeded ? cancel : check.Failure!;
    }
}

/// <summary>
/// A pledge of the lot as collateral: the lender's request and the owner's consent are the same
/// statement, signed by the lender member and by the owner party's key. Body: lot reference
/// (status chain), <c>lender</c> (member), <c>owner</c> (party), <c>amount</c>, <c>currency</c>,
/// <c>start</c>, <c>end</c> (the term, Unix ms), and <c>covenant</c>s.
/// </summary>
public sealed record PledgeStatement
{
    /// <summary>The most covenants one pledge carries.</summary>
    public const int MaxCovenants = 16;

    /// <summary>The lot and the status entry the pledge follows.</summary>
    public required LotReference Lot { get; init; }

    /// <summary>The lender member.</summary>
    public required string Lender { get; init; }

    /// <summary>The owner party that consents.</summary>
    public required string Owner { get; init; }

    /// <summary>The amount secured.</summary>
    public required decimal Amount { get; init; }

    /// <summary>Its currency (ISO 4217).</summary>
    public required string Currency { get; init; }

    /// <summary>Start of the term, Unix ms.</summary>
    public required long StartMs { get; init; }

    /// <summary>End of the term, Unix ms.</summary>
    public required long EndMs { get; init; }

    /// <summary>Condition covenants.</summary>
    public IReadOnlyList<Covenant> Covenants { get; init; } = [];

    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody() =>
    [
        .. Lot.ToBody(), new EntryField("lender", Lender), new EntryField("owner", Owner), new EntryField("amount", CanonicalValues.Decimal(Amount)),
        new EntryField("currency", Currency), EntryField.Number("start", StartMs), EntryField.Number("end", EndMs),
        .. Covenants.Select(c => new EntryField("covenant", c.ToValue())),
    ];

    /// <summary>Checks the fields (as parsing does).</summary>
    public Result Check()
    {
        var lot = Lot.Check("pledge statement");
        if (!lot.Succeeded)
        {
            return lot;
        }
        if (!LedgerNames.IsValidMemberName(Lender) || !InventoryNames.IsValidPartyId(Owner))
        {
            return Fail($"lender '{Lender}' must be a member name and owner '{Owner}' a party id");
        }
        if (Amount <= 0 || !TitleStatement.IsCanonical(Amount))
        {
            return Fail($"the amount {Amount} must be positive with at most {CanonicalValues.MaxDecimals} decimals");
        }
        if (!InventoryNames.IsValidCurrency(Currency))
        {
            return Fail($"currency '{Currency}' must be an ISO 4217 code such as CNY or USD");
        }
        if (StartMs < 0 || EndMs <= StartMs)
        {
            return Fail($"the term must end ({EndMs}) after it starts ({StartMs})");
        }
        return Covenants.Count <= MaxCovenants ? Result.Ok : Fail($"at most {MaxCovenants} covenants");
    }

    /// <summary>Reads the body of a <see cref="EntryKinds.Pledge"/> statement.</summary>
    public static Result<PledgeStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "pledge statement");
        var lot = LotReference.Read(reader);
        var lender = reader.Required("lender");
        var owner = reader.Required("owner");
        var amount = StatementValues.Decimal(reader, "amount");
        var currency = reader.Required("currency");
        var start = reader.RequiredNumber("start");
        var end = reader.RequiredNumber("end");
        var lines = reader.Repeated("covenant", MaxCovenants);
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var covenants = new List<Covenant>();
        foreach (var line in lines)
        {
            var covenant = Covenant.Parse(line);
            if (!covenant.Succeeded)
            {
                return covenant.Failure!;
            }
            covenants.Add(covenant.Value);
        }
        var pledge = new PledgeStatement { Lot = lot, Lender = lender, Owner = owner, Amount = amount, Currency = currency, StartMs = start, EndMs = end, Covenants = covenants };
        var check = pledge.Check();
        return check.Succeeded ? pledge : check.Failure!;
    }

    private static Result Fail(string message) => Result.Fail(LedgerFailures.EntryField, $"pledge statement: {message}");
}

/// <summary>The lender's release of its pledge. Body: lot reference (status chain), <c>pledge</c>, <c>at</c>, <c>reason</c>?.</summary>
public sealed record ReleaseStatement(LotReference Lot, long PledgeIndex, long AtMs, string? Reason = null)
{
    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody() =>
        Reason is null
            ? [.. Lot.ToBody(), EntryField.Number("pledge", PledgeIndex), EntryField.Number("at", AtMs)]
            : [.. Lot.ToBody(), EntryField.Number("pledge", PledgeIndex), EntryField.Number("at", AtMs), new EntryField("reason", Reason)];

    /// <summary>Reads the body of a <see cref="EntryKinds.Release"/> statement.</summary>
    public static Result<ReleaseStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "release statement");
        var release = new ReleaseStatement(LotReference.Read(reader), reader.RequiredNumber("pledge"), reader.RequiredNumber("at"), reader.OptionalText("reason"));
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var check = release.Lot.Check("release statement");
        return check.Succeeded ? release : check.Failure!;
    }
}

/// <summary>The transfer of a pledge to another lender, signed by both. Body: lot reference (status chain), <c>pledge</c>, <c>from</c>, <c>to</c>, <c>at</c>.</summary>
public sealed record TransferStatement(LotReference Lot, long PledgeIndex, string FromLender, string ToLender, long AtMs)
{
    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody() =>
        [.. Lot.ToBody(), EntryField.Number("pledge", PledgeIndex), new EntryField("from", FromLender), new EntryField("to", ToLender), EntryField.Number("at", AtMs)];

    /// <summary>Reads the body of a <see cref="EntryKinds.Transfer"/> statement.</summary>
    public static Result<TransferStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "transfer statement");
        var transfer = new TransferStatement(LotReference.Read(reader), reader.RequiredNumber("pledge"), reader.Required("from"), reader.Required("to"), reader.RequiredNumber("at"));
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var check = transfer.Lot.Check("transfer statement");
        if (!check.Succeeded)
        {
            return check.Failure!;
        }
        if (!LedgerNames.IsValidMemberName(transfer.FromLender) || !LedgerNames.IsValidMemberName(transfer.ToLender) || transfer.FromLender == transfer.ToLender)
        {
            return Result<TransferStatement>.Fail(LedgerFailures.EntryField, $"transfer statement: 'from' ({transfer.FromLender}) and 'to' ({transfer.ToLender}) must be two different member names");
        }
        return transfer;
    }
}

/// <summary>The lender's enforcement of its pledge: the goods are held to its order. Body: lot reference (status chain), <c>pledge</c>, <c>at</c>, <c>reason</c>.</summary>
public sealed record EnforceStatement(LotReference Lot, long PledgeIndex, long AtMs, string Reason)
{
    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody() =>
        [.. Lot.ToBody(), EntryField.Number("pledge", PledgeIndex), EntryField.Number("at", AtMs), new EntryField("reason", Reason)];

    /// <summary>Reads the body of a <see cref="EntryKinds.Enforce"/> statement.</summary>
    public static Result<EnforceStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "enforce statement");
        var enforce = new EnforceStatement(LotReference.Read(reader), reader.RequiredNumber("pledge"), reader.RequiredNumber("at"), reader.RequiredText("reason"));
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var check = enforce.Lot.Check("enforce statement");
        return check.Succeeded ? enforce : check.Failure!;
    }
}

/// <summary>
/// An endorsement: the receipt's title passes from its owner to another registered party, signed by
/// an operator member (who keeps the register), the owner and the new owner. Body: lot reference
/// (status chain), <c>from</c>, <c>to</c>, <c>at</c>.
/// </summary>
public sealed record EndorseStatement(LotReference Lot, string Owner, string NewOwner, long AtMs)
{
    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody() =>
        [.. Lot.ToBody(), new EntryField("from", Owner), new EntryField("to", NewOwner), EntryField.Number("at", AtMs)];

    /// <summary>Reads the body of an <see cref="EntryKinds.Endorse"/> statement.</summary>
    public static Result<EndorseStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "endorse statement");
        var endorse = new EndorseStatement(LotReference.Read(reader), reader.Required("from"), reader.Required("to"), reader.RequiredNumber("at"));
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var check = endorse.Lot.Check("endorse statement");
        if (!check.Succeeded)
        {
            return check.Failure!;
        }
        return InventoryNames.IsValidPartyId(endorse.Owner) && InventoryNames.IsValidPartyId(endorse.NewOwner) && endorse.Owner != endorse.NewOwner
            ? endorse
            : Result<EndorseStatement>.Fail(LedgerFailures.EntryField, $"endorse statement: 'from' ({endorse.Owner}) and 'to' ({endorse.NewOwner}) must be two different party ids");
    }
}

/// <summary>
/// A split: the receipt closes and its goods pass to new receipts, each with its own number, quantity
/// and EPCs, issued next as lots that name it in <c>split-from</c>. Body: lot reference (status chain),
/// <c>at</c>, <c>child &lt;receipt&gt; &lt;quantity&gt;</c> (2-16; the quantities add up to what the receipt
/// holds), <c>epc &lt;child receipt&gt; &lt;EPC&gt;</c>* (every EPC of its cargo, each to one child).
/// </summary>
public sealed record SplitStatement(LotReference Lot, long AtMs, IReadOnlyList<LotChild> Children, IReadOnlyList<(string Child, string Epc)> Epcs)
{
    /// <summary>The most children of one split.</summary>
    public const int MaxChildren = 16;

    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody() =>
        [.. Lot.ToBody(), EntryField.Number("at", AtMs), .. Children.Select(c => new EntryField("child", c.ToValue())), .. Epcs.Select(e => new EntryField("epc", $"{e.Child} {e.Epc}"))];

    /// <summary>The EPCs that go to <paramref name="child"/>.</summary>
    public IReadOnlyList<string> EpcsOf(string child) => Epcs.Where(e => e.Child == child).Select(e => e.Epc).ToList();

    /// <summary>Checks the fields (as parsing does).</summary>
    public Result Check()
    {
        var lot = Lot.Check("split statement");
        if (!lot.Succeeded)
        {
            return lot;
        }
        if (Children.Count is < 2 or > MaxChildren || Children.Select(c => c.Receipt).Distinct(StringComparer.Ordinal).Count() != Children.Count
            || Children.Any(c => c.Receipt == Lot.Receipt || c.Quantity <= 0 || !CanonicalValues.IsWritable(c.Quantity) || !InventoryNames.IsValidReceipt(c.Receipt)))
        {
            return Result.Fail(LedgerFailures.EntryField, $"split statement: 2 to {MaxChildren} children, each a new receipt number with a positive quantity");
        }
        if (Epcs.Any(e => !Children.Any(c => c.Receipt == e.Child)) || Epcs.Select(e => e.Epc).Distinct(StringComparer.Ordinal).Count() != Epcs.Count)
        {
            return Result.Fail(LedgerFailures.EntryField, "split statement: each EPC goes to one child the split names");
        }
        return Result.Ok;
    }

    /// <summary>Reads the body of a <see cref="EntryKinds.Split"/> statement.</summary>
    public static Result<SplitStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "split statement");
        var lot = LotReference.Read(reader);
        var at = reader.RequiredNumber("at");
        var childLines = reader.Repeated("child", MaxChildren + 1);
        var epcLines = reader.Repeated("epc", LotStatement.MaxEpcs);
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var children = new List<LotChild>();
        foreach (var line in childLines)
        {
            if (LotChild.Parse(line) is not { } child)
            {
                return Result<SplitStatement>.Fail(LedgerFailures.EntryField, $"split statement: a child line is '<receipt> <quantity>', got '{line}'");
            }
            children.Add(child);
        }
        var epcs = new List<(string, string)>();
        foreach (var line in epcLines)
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0)
            {
                return Result<SplitStatement>.Fail(LedgerFailures.EntryField, $"split statement: an epc line is '<child receipt> <EPC>', got '{line}'");
            }
            epcs.Add((line[..space], line[(space + 1)..]));
        }
        var split = new SplitStatement(lot, at, children, epcs);
        var check = split.Check();
        return check.Succeeded ? split : check.Failure!;
    }
}

/// <summary>
/// A merge: the receipt closes and its goods (all that remain, with its cargo) pass to the receipt
/// <c>into</c>, issued next as a lot that names it among its <c>merged-from</c>. Body: lot reference
/// (status chain), <c>at</c>, <c>into</c>.
/// </summary>
public sealed record MergeStatement(LotReference Lot, long AtMs, string Into)
{
    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody() => [.. Lot.ToBody(), EntryField.Number("at", AtMs), new EntryField("into", Into)];

    /// <summary>Reads the body of a <see cref="EntryKinds.Merge"/> statement.</summary>
    public static Result<MergeStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "merge statement");
        var merge = new MergeStatement(LotReference.Read(reader), reader.RequiredNumber("at"), reader.Required("into"));
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var check = merge.Lot.Check("merge statement");
        if (!check.Succeeded)
        {
            return check.Failure!;
        }
        return InventoryNames.IsValidReceipt(merge.Into) && merge.Into != merge.Lot.Receipt
            ? merge
            : Result<MergeStatement>.Fail(LedgerFailures.EntryField, $"merge statement: 'into' ({merge.Into}) must be another receipt number");
    }
}

/// <summary>A regulator's freeze of a receipt. Body: lot reference (status chain), <c>at</c>, <c>reason</c>.</summary>
public sealed record FreezeStatement(LotReference Lot, long AtMs, string Reason)
{
    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody() => [.. Lot.ToBody(), EntryField.Number("at", AtMs), new EntryField("reason", Reason)];

    /// <summary>Reads the body of a <see cref="EntryKinds.Freeze"/> statement.</summary>
    public static Result<FreezeStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "freeze statement");
        var freeze = new FreezeStatement(LotReference.Read(reader), reader.RequiredNumber("at"), reader.RequiredText("reason"));
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var check = freeze.Lot.Check("freeze statement");
        return check.Succeeded ? freeze : check.Failure!;
    }
}

/// <summary>A regulator's lifting of a freeze. Body: lot reference (status chain), <c>freeze</c> (its index), <c>at</c>, <c>reason</c>.</summary>
public sealed record UnfreezeStatement(LotReference Lot, long FreezeIndex, long AtMs, string Reason)
{
    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody() => [.. Lot.ToBody(), EntryField.Number("freeze", FreezeIndex), EntryField.Number("at", AtMs), new EntryField("reason", Reason)];

    /// <summary>Reads the body of an <see cref="EntryKinds.Unfreeze"/> statement.</summary>
    public static Result<UnfreezeStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "unfreeze statement");
        var unfreeze = new UnfreezeStatement(LotReference.Read(reader), reader.RequiredNumber("freeze"), reader.RequiredNumber("at"), reader.RequiredText("reason"));
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var check = unfreeze.Lot.Check("unfreeze statement");
        return check.Succeeded ? unfreeze : check.Failure!;
    }
}

/// <summary>After an enforcement, the lender's record that it sold the goods: the receipt closes. Body: lot reference (status chain), <c>at</c>, <c>reason</c>.</summary>
public sealed record DisposeStatement(LotReference Lot, long AtMs, string Reason)
{
    /// <summary>The body lines.</summary>
    public IEnumerable<EntryField> ToBody() => [.. Lot.ToBody(), EntryField.Number("at", AtMs), new EntryField("reason", Reason)];

    /// <summary>Reads the body of a <see cref="EntryKinds.Dispose"/> statement.</summary>
    public static Result<DisposeStatement> From(Statement statement)
    {
        var reader = new FieldReader(statement.Body, "dispose statement");
        var dispose = new DisposeStatement(LotReference.Read(reader), reader.RequiredNumber("at"), reader.RequiredText("reason"));
        if (reader.End() is { } failure)
        {
            return failure;
        }
        var check = dispose.Lot.Check("dispose statement");
        return check.Succeeded ? dispose : check.Failure!;
    }
}

internal static class StatementValues
{
    public static decimal Decimal(FieldReader reader, string key)
    {
        var text = reader.Required(key);
        if (reader.Failure is null && !CanonicalValues.TryParseDecimal(text, out var value))
        {
            reader.Fail($"'{key}' must be a decimal without leading or trailing zeros, got '{text}'");
            return 0;
        }
        return CanonicalValues.TryParseDecimal(text, out var parsed) ? parsed : 0;
    }

    public static long? OptionalDuration(FieldReader reader, string key)
    {
        var text = reader.Optional(key);
        if (text is null)
        {
            return null;
        }
        if (!CanonicalValues.TryParseDuration(text, out var ms))
        {
            reader.Fail($"'{key}' must be a duration such as 90s, 5m or 2h in its largest whole unit, got '{text}'");
            return null;
        }
        return ms;
    }

    /// <summary>Why <paramref name="epc"/> is not a canonical SGTIN URI of <paramref name="gtin"/>, or null.</summary>
    public static string? CheckEpc(string epc, string gtin)
    {
        if (!Sgtin.TryParseEpcUri(epc, out var sgtin, out var error))
        {
            return error;
        }
        if (sgtin.ToEpcUri() != epc)
        {
            return $"EPC '{epc}' is not in canonical form ('{sgtin.ToEpcUri()}')";
        }
        return sgtin.Gtin.Value == gtin ? null : $"EPC '{epc}' carries GTIN {sgtin.Gtin.Value}, not the lot's {gtin}";
    }
}
