using System.Buffers.Binary;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;
using static Firmware.Contracts.Tests.TestKeys;

namespace Firmware.Contracts.Tests.Evidence;

/// <summary>
/// A ledger with one lot, built with Firmware.Contracts alone as a node would: genesis (warehouse:
/// operator, bank: lender, auditor), the owner party, a gateway enrolled at site-1 with a chiller
/// probe and a dock-door reader, two hours of readings with a 16-minute excursion to 9.5 °C at
/// minutes 60–75, the title, the lot (issued at T0), a move, and a pledge from minute 10 with the
/// covenant "temperature above 8 for 15m"; and the lender's and the public bundles over it.
/// </summary>
internal sealed class LotLedger : IDisposable
{
    public const long T0 = 1_767_247_200_000;
    public const long Minute = 60_000;
    public const string Epc = "urn:epc:id:sgtin:0614141.100734.1001";
    public const string Gtin = "10614141007346";

    private int _nonce;

    public LotLedger()
    {
        Append(Signed(EntryKinds.Genesis, new GenesisStatement(2,
            [Member(Warehouse, MemberRoles.Operator), Member(Bank, MemberRoles.Lender), Member(Auditor, MemberRoles.Auditor)]).ToBody(), Warehouse));
        Party = Append(Signed(EntryKinds.Party, new PartyStatement("acme-foods", Spki(Owner)).ToBody(), Warehouse));
        Enrolment = Append(Signed(EntryKinds.Enrol, new EnrolStatement
        {
            DeviceId = "gw-1", PublicKey = Spki(Device), Site = "site-1",
            Sensors = [new SensorInfo("t1", "temperature", "chiller-1"), new SensorInfo("r1", "epc", "dock-1")],
        }.ToBody(), Warehouse));
        AddLeaf(new LeafContent { DeviceId = "gw-1", Sequence = 0, Kind = LeafKind.Observation, TimeMs = T0 - 5 * Minute, SensorId = "r1", Quantity = "epc", Zone = "dock-1", StringValue = Epc });
        for (var m = 0; m < 120; m++)
        {
            AddLeaf(new LeafContent
            {
                DeviceId = "gw-1", Sequence = Leaves.Count, Kind = LeafKind.Measurement, TimeMs = T0 + m * Minute, SensorId = "t1", Quantity = "temperature",
                Zone = "chiller-1", Unit = "Cel", Value = m is >= 60 and < 76 ? 9.5 : 5.0,
            });
        }
        var checkpoint = new Checkpoint(DeviceLogs.Origin("gw-1"), DeviceLog.Size, DeviceLog.Root()).Sign(Device);
        Anchor = Append(AnchorEntry.Create(T0 + 121 * Minute, Enrolment, null, [], checkpoint));
        var title = Signed(EntryKinds.Title, new TitleStatement { Receipt = "WR-1", Depositor = "acme-foods", Owner = "acme-foods", Quantity = 120, Unit = "carton", Insurance = "PICC-9" }.ToBody(), Warehouse);
        Title = Append(title);
        Lot = Append(Signed(EntryKinds.Lot, LotStatement(Statement.Parse(title.Note.Text).Value.Hash).ToBody(), Warehouse));
        Move = Append(Signed(EntryKinds.Move, new MoveStatement(new LotReference("WR-1", Lot, Lot), "site-1", "chiller-1", T0 + 90 * Minute).ToBody(), Warehouse));
        Pledge = Append(Signed(EntryKinds.Pledge, new PledgeStatement
        {
            Lot = new LotReference("WR-1", Lot, Lot), Lender = "bank", Owner = "acme-foods", Amount = 500_000, Currency = "CNY",
            StartMs = T0 + 10 * Minute, EndMs = T0 + 30L * 86_400_000, Covenants = [Covenant.Parse("temperature above 8 for 15m").Value],
        }.ToBody(), Bank, Owner));
    }

    public EcdsaNoteSigner Warehouse { get; } = Signer("warehouse", AlphaPem);
    public EcdsaNoteSigner Bank { get; } = Signer("bank", BetaPem);
    public EcdsaNoteSigner Auditor { get; } = EcdsaNoteSigner.Generate("auditor");
    public EcdsaNoteSigner Owner { get; } = EcdsaNoteSigner.Generate(InventoryNames.PartyKeyName("acme-foods"));
    public EcdsaNoteSigner Device { get; } = Signer(DeviceLogs.Origin("gw-1"), GammaPem);
    public InMemoryLedgerState State { get; } = new("demo");
    public LedgerRules Rules { get; } = new(null, InventoryRules.All);
    public MerkleLog Log { get; } = new(new InMemoryMerkleHashStore());
    public List<LedgerEntry> Entries { get; } = [];
    public MerkleLog DeviceLog { get; } = new(new InMemoryMerkleHashStore());
    public List<ReadingLeaf> Leaves { get; } = [];
    public long Party { get; }
    public long Enrolment { get; }
    public long Anchor { get; }
    public long Title { get; }
    public long Lot { get; }
    public long Move { get; }
    public long Pledge { get; }

    public TrustPolicy Policy => new([Warehouse.VerifierKey, Bank.VerifierKey, Auditor.VerifierKey], 2);

    public LotStatement LotStatement(Hash32 title) => new()
    {
        Receipt = "WR-1", Title = title, Site = "site-1", Zone = "chiller-1", Product = "Atlantic salmon fillets, chilled", Gtin = Gtin, Batch = "SAL-1",
        Bands = [new StorageBand("temperature", 2, 8)], IssuedMs = T0, ValidUntilMs = T0 + 365L * 86_400_000, Epcs = [Epc],
    };

    public LedgerEntry Signed(string kind, IEnumerable<EntryField> body, params INoteSigner[] signers)
    {
        var nonce = new byte[Statement.NonceLength];
        BinaryPrimitives.WriteInt32BigEndian(nonce, ++_nonce);
        return LedgerEntry.Create(kind, [], SignedNote.Sign(Statement.Create(kind, "demo", T0, nonce, body).Text, signers));
    }

    /// <summary>Appends through the rules; returns the index.</summary>
    public long Append(LedgerEntry entry)
    {
        var result = Rules.Append(entry.Bytes.Span, State);
        Assert.True(result.Succeeded, result.ToString());
        return AppendRaw(entry);
    }

    /// <summary>Appends to the log without the rules (what a forged ledger would hold).</summary>
    public long AppendRaw(LedgerEntry entry)
    {
        Entries.Add(entry);
        Log.Append(entry.LeafHash);
        return Entries.Count - 1;
    }

    /// <summary>The bundle of <paramref name="lot"/> with every entry it names (and <paramref name="extra"/>), against a checkpoint signed by warehouse and bank.</summary>
    public EvidenceBundle Bundle(BundleLot? lot = null, BundleReport? report = null, IEnumerable<long>? extra = null, IEnumerable<long>? leave = null)
    {
        lot ??= LenderLot();
        report ??= new BundleReport(T0 + 10 * Minute, T0 + 120 * Minute, 10_000, Minute, 0, null, Pledge);
        var checkpoint = new Checkpoint(LedgerNames.Origin("demo"), Log.Size, Log.Root(), [Checkpoint.TimeExtension(T0 + 200 * Minute)]).Sign(Warehouse, Bank);
        var indices = new SortedSet<long> { 0, Enrolment, Anchor, lot.LotEntry };
        indices.UnionWith(lot.Moves);
        indices.UnionWith(lot.Events ?? []);
        indices.UnionWith(lot.Parties ?? []);
        if (lot.Title is { } t)
        {
            indices.Add(t);
        }
        indices.UnionWith(extra ?? []);
        indices.ExceptWith(leave ?? []);
        return new EvidenceBundle
        {
            Format = EvidenceBundle.FormatV1,
            Ledger = new BundleLedger(LedgerNames.Origin("demo"), checkpoint.ToString()),
            Entries = indices.Select(i => new BundleEntry(i, Convert.ToBase64String(Entries[(int)i].Bytes.Span),
                Log.Reader.InclusionProof(i, Log.Size).Select(h => h.ToBase64()).ToList())).ToList(),
            Devices =
            [
                new BundleDevice("gw-1", Enrolment, Anchor, Leaves.Select((l, seq) => new BundleReading(seq, Convert.ToBase64String(l.Bytes.Span),
                    DeviceLog.Reader.InclusionProof(seq, DeviceLog.Size).Select(h => h.ToBase64()).ToList())).ToList()),
            ],
            Lot = lot,
            Report = report,
        };
    }

    public BundleLot LenderLot() => new("WR-1", Lot, [Move], Title, [Pledge], [Party]);

    public BundleLot PublicLot() => new("WR-1", Lot, [Move]);

    public void Dispose()
    {
        Warehouse.Dispose();
        Bank.Dispose();
        Auditor.Dispose();
        Owner.Dispose();
        Device.Dispose();
    }

    private void AddLeaf(LeafContent content)
    {
        var salt = new byte[ReadingLeaf.SaltLength];
        BinaryPrimitives.WriteInt32BigEndian(salt, Leaves.Count);
        var leaf = ReadingLeaf.Create(content, salt);
        Leaves.Add(leaf);
        DeviceLog.Append(leaf.LeafHash);
    }

    private static MemberInfo Member(EcdsaNoteSigner signer, MemberRoles roles) => new(signer.KeyName, roles, Spki(signer));

    private static string Spki(EcdsaNoteSigner signer) => Convert.ToBase64String(signer.PublicKey.Span);
}
