using System.Buffers.Binary;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;

namespace Verifier.Tests.Report;

/// <summary>
/// A lot's ledger built with Firmware.Contracts alone (what a node writes): members, the owner party,
/// a gateway with a chiller probe (readings a minute apart for three hours: 5 °C, 9.5 °C at minutes
/// 60–75, one reading missing at minute 150 and two at 170–171, a crc fault at 100), title, lot,
/// and a pledge from minute 10 with "temperature above 8 for 15m"; the lender's bundle is written
/// to a file for the Verifier process.
/// </summary>
public sealed class LotBundleFixture : IDisposable
{
    public const long T0 = 1_767_247_200_000;
    public const long Minute = 60_000;

    private readonly InMemoryLedgerState _state = new("demo");
    private readonly LedgerRules _rules = new(null, InventoryRules.All);
    private int _nonce;

    public LotBundleFixture()
    {
        Directory.CreateDirectory(Folder);
        Append(Signed(EntryKinds.Genesis, new GenesisStatement(1, [new MemberInfo("warehouse", MemberRoles.Operator, Spki(Warehouse)), new MemberInfo("bank", MemberRoles.Lender, Spki(Bank))]).ToBody(), Warehouse));
        Append(Signed(EntryKinds.Party, new PartyStatement("acme-foods", Spki(Owner)).ToBody(), Warehouse));
        var enrolment = Append(Signed(EntryKinds.Enrol, new EnrolStatement
        {
            DeviceId = "gw-1", PublicKey = Spki(Device), Site = "site-1", Sensors = [new SensorInfo("t1", "temperature", "chiller-1")],
        }.ToBody(), Warehouse));
        var salt = new byte[ReadingLeaf.SaltLength];
        for (var m = 0; m < 180; m++)
        {
            if (m is 150 or 170 or 171)
            {
                continue;
            }
            BinaryPrimitives.WriteInt32BigEndian(salt, m);
            var leaf = ReadingLeaf.Create(m == 100
                ? new LeafContent { DeviceId = "gw-1", Sequence = Leaves.Count, Kind = LeafKind.Fault, TimeMs = T0 + m * Minute, SensorId = "t1", Quantity = "temperature", Zone = "chiller-1", StringValue = "crc" }
                : new LeafContent
                {
                    DeviceId = "gw-1", Sequence = Leaves.Count, Kind = LeafKind.Measurement, TimeMs = T0 + m * Minute, SensorId = "t1", Quantity = "temperature",
                    Zone = "chiller-1", Unit = "Cel", Value = m is >= 60 and < 76 ? 9.5 : 5.0,
                }, salt);
            Leaves.Add(leaf);
            DeviceLog.Append(leaf.LeafHash);
        }
        Append(AnchorEntry.Create(T0 + 181 * Minute, enrolment, null, [], new Checkpoint(DeviceLogs.Origin("gw-1"), DeviceLog.Size, DeviceLog.Root()).Sign(Device)));
        var title = Signed(EntryKinds.Title, new TitleStatement { Receipt = "WR-1", Depositor = "acme-foods", Owner = "acme-foods", Quantity = 120, Unit = "carton" }.ToBody(), Warehouse);
        Append(title);
        var lot = Append(Signed(EntryKinds.Lot, new LotStatement
        {
            Receipt = "WR-1", Title = Statement.Parse(title.Note.Text).Value.Hash, Site = "site-1", Zone = "chiller-1", Product = "Atlantic salmon fillets, chilled",
            Gtin = "10614141007346", Batch = "SAL-1", Bands = [new StorageBand("temperature", 2, 8)], IssuedMs = T0, ValidUntilMs = T0 + 365L * 86_400_000,
        }.ToBody(), Warehouse));
        var pledge = Append(Signed(EntryKinds.Pledge, new PledgeStatement
        {
            Lot = new LotReference("WR-1", lot, lot), Lender = "bank", Owner = "acme-foods", Amount = 500_000, Currency = "CNY",
            StartMs = T0 + 10 * Minute, EndMs = T0 + 30L * 86_400_000, Covenants = [Covenant.Parse("temperature above 8 for 15m").Value],
        }.ToBody(), Bank, Owner));
        // The evidence runs to minute 180: the pledge's window is [minute 10, minute 180).
        var checkpoint = new Checkpoint(LedgerNames.Origin("demo"), Log.Size, Log.Root(),
            [Checkpoint.TimeExtension(T0 + 180 * Minute), Checkpoint.StateExtension(LedgerStateMap.Root(_state))]).Sign(Warehouse, Bank);
        var source = new InMemoryEvidenceSource(Entries, Log.Reader, _state).WithDevice("gw-1", Leaves, DeviceLog.Reader);
        var built = new BundleBuilder(source, checkpoint.ToString(), LedgerStateMap.Entries(_state)).Lot("WR-1", new LotBundleRequest { Pledge = pledge });
        Assert.True(built.Succeeded, built.ToString());
        Bundle = built.Value;
        Pledge = pledge;
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "edgetrace-verifier-report", Guid.NewGuid().ToString("N"));
    public EcdsaNoteSigner Warehouse { get; } = EcdsaNoteSigner.Generate("warehouse");
    public EcdsaNoteSigner Bank { get; } = EcdsaNoteSigner.Generate("bank");
    public EcdsaNoteSigner Owner { get; } = EcdsaNoteSigner.Generate(InventoryNames.PartyKeyName("acme-foods"));
    public EcdsaNoteSigner Device { get; } = EcdsaNoteSigner.Generate(DeviceLogs.Origin("gw-1"));
    public MerkleLog Log { get; } = new(new InMemoryMerkleHashStore());
    public List<LedgerEntry> Entries { get; } = [];
    public MerkleLog DeviceLog { get; } = new(new InMemoryMerkleHashStore());
    public List<ReadingLeaf> Leaves { get; } = [];
    public EvidenceBundle Bundle { get; }

    public long Pledge { get; }

    public string[] Keys => ["--key", Warehouse.VerifierKey.ToString(), "--key", Bank.VerifierKey.ToString()];

    public EvidencePolicy Policy => new([Warehouse.VerifierKey, Bank.VerifierKey]);

    /// <summary>A custom analysis of the pledge over [<paramref name="from"/>, <paramref name="to"/>), as an exporter may choose one.</summary>
    public EvidenceBundle Custom(long from, long to)
    {
        var checkpoint = Bundle.Ledger.Checkpoint;
        var source = new InMemoryEvidenceSource(Entries, Log.Reader, _state).WithDevice("gw-1", Leaves, DeviceLog.Reader);
        var built = new BundleBuilder(source, checkpoint, LedgerStateMap.Entries(_state))
            .Lot("WR-1", new LotBundleRequest { Pledge = Pledge, Custom = new BundleCustom(from, to, 10_000, Minute, 0) });
        Assert.True(built.Succeeded, built.ToString());
        return built.Value;
    }

    public string Write(EvidenceBundle bundle)
    {
        var path = Path.Combine(Folder, Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllBytes(path, bundle.ToJson());
        return path;
    }

    public void Dispose()
    {
        Directory.Delete(Folder, recursive: true);
        Warehouse.Dispose();
        Bank.Dispose();
        Owner.Dispose();
        Device.Dispose();
    }

    private static string Spki(EcdsaNoteSigner signer) => Convert.ToBase64String(signer.PublicKey.Span);

    private LedgerEntry Signed(string kind, IEnumerable<EntryField> body, params INoteSigner[] signers)
    {
        var nonce = new byte[Statement.NonceLength];
        BinaryPrimitives.WriteInt32BigEndian(nonce, ++_nonce);
        return LedgerEntry.Create(kind, [], SignedNote.Sign(Statement.Create(kind, "demo", T0, nonce, body).Text, signers));
    }

    private long Append(LedgerEntry entry)
    {
        var appended = _rules.Append(entry.Bytes.Span, _state);
        Assert.True(appended.Succeeded, appended.ToString());
        Entries.Add(entry);
        Log.Append(entry.LeafHash);
        return Entries.Count - 1;
    }
}
