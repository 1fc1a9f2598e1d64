using Firmware.Contracts.Conditions;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Tests.Ledger;

namespace Firmware.Contracts.Tests.Inventory;

/// <summary>
/// A consortium ledger (warehouse: operator, bank: lender, auditor; plus bank2: lender, admitted)
/// with two registered parties (acme, the depositor and owner; beta, another party) and helpers
/// that write inventory statements as the node and the parties would.
/// </summary>
internal sealed class TestInventory : IDisposable
{
    public const long T0 = 1_767_247_200_000;
    public const string Gtin = "10614141007346";

    public TestInventory()
    {
        Ledger = new TestLedger().WithGenesis();
        Ok(Ledger.Append(Ledger.Signed(EntryKinds.Admit, new AdmitStatement(Ledger.Info(Bank2, MemberRoles.Lender)).ToBody(), Ledger.Warehouse, Ledger.Bank)));
        Ok(Ledger.Append(Ledger.Signed(EntryKinds.Party, new PartyStatement("acme", Spki(Acme)).ToBody(), Ledger.Warehouse)));
        Ok(Ledger.Append(Ledger.Signed(EntryKinds.Party, new PartyStatement("beta", Spki(Beta)).ToBody(), Ledger.Warehouse)));
    }

    public TestLedger Ledger { get; }
    public InMemoryLedgerState State => Ledger.State;
    public EcdsaNoteSigner Bank2 { get; } = EcdsaNoteSigner.Generate("bank2");
    public EcdsaNoteSigner Acme { get; } = EcdsaNoteSigner.Generate(InventoryNames.PartyKeyName("acme"));
    public EcdsaNoteSigner Beta { get; } = EcdsaNoteSigner.Generate(InventoryNames.PartyKeyName("beta"));

    public static string EpcOf(int serial) => $"urn:epc:id:sgtin:0614141.100734.{serial}";

    public static string Spki(EcdsaNoteSigner signer) => Convert.ToBase64String(signer.PublicKey.Span);

    public TitleStatement Title(string receipt, decimal quantity = 120) =>
        new() { Receipt = receipt, Depositor = "acme", Owner = "acme", Quantity = quantity, Unit = "carton", Insurance = "PICC-2026-778" };

    public LotStatement Lot(string receipt, Firmware.Contracts.Hashing.Hash32 title, IReadOnlyList<string>? epcs = null) => new()
    {
        Receipt = receipt,
        Title = title,
        Site = "site-1",
        Zone = "chiller-1",
        Product = "Atlantic salmon fillets, chilled",
        Gtin = Gtin,
        Batch = "SAL-260101-01",
        Specification = "120 × 1 kg cartons",
        Bands = [new StorageBand("temperature", 2, 8), new StorageBand("humidity", 80, 95)],
        IssuedMs = T0,
        ValidUntilMs = T0 + 365L * 86_400_000,
        Epcs = epcs ?? [],
    };

    /// <summary>Appends the title and the lot; returns the lot's record.</summary>
    public LotRecord Issue(string receipt, IReadOnlyList<string>? epcs = null, decimal quantity = 120)
    {
        var title = Ledger.Signed(EntryKinds.Title, Title(receipt, quantity).ToBody(), Ledger.Warehouse);
        Ok(Ledger.Append(title));
        var hash = Statement.Parse(title.Note.Text).Value.Hash;
        Ok(Ledger.Append(Ledger.Signed(EntryKinds.Lot, Lot(receipt, hash, epcs).ToBody(), Ledger.Warehouse)));
        return State.Lot(receipt)!;
    }

    public LotReference Status(string receipt) => new(receipt, State.Lot(receipt)!.LotIndex, State.Lot(receipt)!.StatusHead);

    public PledgeStatement Pledge(string receipt, string lender = "bank", string owner = "acme", params Covenant[] covenants) => new()
    {
        Lot = Status(receipt),
        Lender = lender,
        Owner = owner,
        Amount = 1_000_000m,
        Currency = "CNY",
        StartMs = T0 + 3_600_000,
        EndMs = T0 + 90L * 86_400_000,
        Covenants = covenants,
    };

    public LedgerEntry Entry(string kind, IEnumerable<EntryField> body, params INoteSigner[] signers) =>
        LedgerEntry.Create(kind, [], SignedNote.Sign(Ledger.NewStatement(kind, body).Text, signers));

    /// <summary>A regulator member (role regulator), admitted by the quorum on first use.</summary>
    public EcdsaNoteSigner Regulator
    {
        get
        {
            if (State.Member("regulator") is null)
            {
                Ok(Ledger.Append(Ledger.Signed(EntryKinds.Admit, new AdmitStatement(Ledger.Info(_regulator, MemberRoles.Regulator)).ToBody(), Ledger.Warehouse, Ledger.Bank)));
            }
            return _regulator;
        }
    }

    private readonly EcdsaNoteSigner _regulator = EcdsaNoteSigner.Generate("regulator");

    /// <summary>Appends a status entry of <paramref name="receipt"/> whose body <paramref name="body"/> makes from its current status reference.</summary>
    public Result<LedgerEntry> Act(string kind, string receipt, Func<LotReference, IEnumerable<EntryField>> body, params INoteSigner[] signers) =>
        Append(Entry(kind, body(Status(receipt)), signers));

    /// <summary>Appends the title of a child of a split or merge, and returns its lot entry (not appended): the parent's facts with its own receipt, quantity, EPCs and parents.</summary>
    public LedgerEntry ChildLot(string receipt, decimal quantity, IReadOnlyList<string> epcs, Func<LotStatement, LotStatement> parents, Func<TitleStatement, TitleStatement>? title = null)
    {
        var titleEntry = Ledger.Signed(EntryKinds.Title, (title ?? (t => t))(Title(receipt, quantity)).ToBody(), Ledger.Warehouse);
        Ok(Ledger.Append(titleEntry));
        return Ledger.Signed(EntryKinds.Lot, parents(Lot(receipt, Statement.Parse(titleEntry.Note.Text).Value.Hash, epcs)).ToBody(), Ledger.Warehouse);
    }

    public LedgerEntry PledgeEntry(string receipt, params INoteSigner[] signers) =>
        Entry(EntryKinds.Pledge, Pledge(receipt).ToBody(), signers.Length == 0 ? [Ledger.Bank, Acme] : signers);

    public Result<LedgerEntry> Append(LedgerEntry entry) => Ledger.Append(entry);

    public static T Ok<T>(Result<T> result) => TestLedger.Ok(result);

    public void Dispose()
    {
        Bank2.Dispose();
        _regulator.Dispose();
        Acme.Dispose();
        Beta.Dispose();
    }
}
