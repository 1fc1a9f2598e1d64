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
/// A ledger shaped like the demo's, built with Firmware.Contracts alone as a node would: genesis
/// (warehouse: operator, bank: lender, auditor; quorum 2), the owner party, gateway gw-1 at site-1
/// with a chiller probe, a dock-door reader and a chiller reader, gateway gw-2 at site-1 in the
/// freezer (which the lot never enters), two hours of minute readings with a 16-minute excursion
/// to 9.5 °C at minutes 60–75, the title, the lot (issued at T0 in the chiller), a move, and a
/// pledge from minute 10 with the covenant "temperature above 8 for 15m"; a checkpoint at minute
/// 200 signed by warehouse and bank. Bundles come from <see cref="BundleBuilder"/>, as the node's.
/// </summary>
internal sealed class LotLedger : IDisposable
{
    public const long T0 = 1_767_247_200_000;
    public const long Minute = 60_000;
    public const string Epc = "urn:epc:id:sgtin:0614141.100734.1001";
    public const string Gtin = "10614141007346";

    private int _nonce;

    public LotLedger(int minutes = 120, Func<int, double?>? chiller = null, string moveZone = "chiller-1", int moveMinute = 90)
    {
        chiller ??= m => m is >= 60 and < 76 ? 9.5 : 5.0;
        Append(Signed(EntryKinds.Genesis, new GenesisStatement(2,
            [Member(Warehouse, MemberRoles.Operator), Member(Bank, MemberRoles.Lender), Member(Auditor, MemberRoles.Auditor)]).ToBody(), Warehouse));
        Party = Append(Signed(EntryKinds.Party, new PartyStatement("acme-foods", Spki(Owner)).ToBody(), Warehouse));
        Enrolment = Append(Signed(EntryKinds.Enrol, new EnrolStatement
        {
            DeviceId = "gw-1", PublicKey = Spki(Device), Site = "site-1",
            Sensors = [new SensorInfo("t1", "temperature", "chiller-1"), new SensorInfo("r1", "epc", "dock-1"), new SensorInfo("r2", "epc", "chiller-1")],
        }.ToBody(), Warehouse));
        Append(Signed(EntryKinds.Enrol, new EnrolStatement
        {
            DeviceId = "gw-2", PublicKey = Spki(Freezer), Site = "site-1", Sensors = [new SensorInfo("f1", "temperature", "freezer-1")],
        }.ToBody(), Warehouse));
        AddLeaf(new LeafContent { DeviceId = "gw-1", Sequence = 0, Kind = LeafKind.Observation, TimeMs = T0 - 5 * Minute, SensorId = "r1", Quantity = "epc", Zone = "dock-1", StringValue = Epc });
        AddLeaf(new LeafContent { DeviceId = "gw-1", Sequence = 1, Kind = LeafKind.Observation, TimeMs = T0 + 1000, SensorId = "r2", Quantity = "epc", Zone = "chiller-1", StringValue = Epc });
        for (var m = 0; m < minutes; m++)
        {
            if (chiller(m) is { } value)
            {
                AddLeaf(new LeafContent
                {
                    DeviceId = "gw-1", Sequence = Leaves.Count, Kind = LeafKind.Measurement, TimeMs = T0 + m * Minute + 2000, SensorId = "t1", Quantity = "temperature",
                    Zone = "chiller-1", Unit = "Cel", Value = value,
                });
            }
            FreezerLeaves.Add(ReadingLeaf.Create(new LeafContent
            {
                DeviceId = "gw-2", Sequence = FreezerLeaves.Count, Kind = LeafKind.Measurement, TimeMs = T0 + m * Minute, SensorId = "f1", Quantity = "temperature",
                Zone = "freezer-1", Unit = "Cel", Value = -21,
            }, new byte[ReadingLeaf.SaltLength]));
            FreezerLog.Append(FreezerLeaves[^1].LeafHash);
        }
        var received = T0 + minutes * Minute + Minute;
        // Device checkpoints carry their 'time' line as a gateway writes it (docs/spec.md §5): sealed half a minute before the node received them.
        string[] sealedAt = [Firmware.Contracts.Checkpoints.Checkpoint.TimeExtension(received - 30_000)];
        Anchor = Append(AnchorEntry.Create(received, Enrolment, null, [], new Checkpoint(DeviceLogs.Origin("gw-1"), DeviceLog.Size, DeviceLog.Root(), sealedAt).Sign(Device)));
        Append(AnchorEntry.Create(received, Enrolment + 1, null, [], new Checkpoint(DeviceLogs.Origin("gw-2"), FreezerLog.Size, FreezerLog.Root(), sealedAt).Sign(Freezer)));
        var title = Signed(EntryKinds.Title, new TitleStatement { Receipt = "WR-1", Depositor = "acme-foods", Owner = "acme-foods", Quantity = 120, Unit = "carton", Insurance = "PICC-9" }.ToBody(), Warehouse);
        Title = Append(title);
        Lot = Append(Signed(EntryKinds.Lot, LotStatement(Statement.Parse(title.Note.Text).Value.Hash).ToBody(), Warehouse));
        Move = Append(Signed(EntryKinds.Move, new MoveStatement(new LotReference("WR-1", Lot, Lot), "site-1", moveZone, T0 + moveMinute * Minute).ToBody(), Warehouse));
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
    public EcdsaNoteSigner Freezer { get; } = EcdsaNoteSigner.Generate(DeviceLogs.Origin("gw-2"));
    public InMemoryLedgerState State { get; } = new("demo");
    public LedgerRules Rules { get; } = new(null, InventoryRules.All);
    public MerkleLog Log { get; } = new(new InMemoryMerkleHashStore());
    public List<LedgerEntry> Entries { get; } = [];
    public MerkleLog DeviceLog { get; } = new(new InMemoryMerkleHashStore());
    public List<ReadingLeaf> Leaves { get; } = [];
    public MerkleLog FreezerLog { get; } = new(new InMemoryMerkleHashStore());
    public List<ReadingLeaf> FreezerLeaves { get; } = [];
    public long Party { get; }
    public long Enrolment { get; }
    public long Anchor { get; }
    public long Title { get; }
    public long Lot { get; }
    public long Move { get; }
    public long Pledge { get; }

    /// <summary>The checkpoint's time: after every reading and statement.</summary>
    public long CheckpointTimeMs { get; set; } = T0 + 200 * Minute;

    /// <summary>The members' keys, as a lender holds them; the threshold is the consortium's quorum.</summary>
    public EvidencePolicy Policy => new([Warehouse.VerifierKey, Bank.VerifierKey, Auditor.VerifierKey]);

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
        Entries.Add(entry);
        Log.Append(entry.LeafHash);
        return Entries.Count - 1;
    }

    /// <summary>Appends a calibration of <paramref name="sensor"/> of <paramref name="device"/> (a temperature sensor, Cel) signed by the warehouse; returns the index.</summary>
    public long Calibrate(string device, string sensor, SensorCorrection correction, long calibratedMs, long dueMs, string certificate = "DKD-K-12345-2026-07") =>
        Append(Signed(EntryKinds.Calibrate, new CalibrateStatement
        {
            DeviceId = device, SensorId = sensor, Unit = "Cel", Correction = correction, Certificate = certificate,
            Laboratory = "Shanghai Institute of Measurement", CalibratedMs = calibratedMs, DueMs = dueMs,
        }.ToBody(), Warehouse));

    /// <summary>Appends to the log without the rules (what a forged ledger would hold); the state map stays the honest one.</summary>
    public long AppendRaw(LedgerEntry entry)
    {
        Entries.Add(entry);
        Log.Append(entry.LeafHash);
        State.SetSize(Entries.Count);
        return Entries.Count - 1;
    }

    /// <summary>The checkpoint note over the ledger as it is (state map included), signed by <paramref name="signers"/> (default warehouse and bank).</summary>
    public string Checkpoint(params INoteSigner[] signers) =>
        new Checkpoint(LedgerNames.Origin("demo"), Log.Size, Log.Root(), [Firmware.Contracts.Checkpoints.Checkpoint.TimeExtension(CheckpointTimeMs), Firmware.Contracts.Checkpoints.Checkpoint.StateExtension(LedgerStateMap.Root(State))])
            .Sign(signers.Length == 0 ? [Warehouse, Bank] : signers).ToString();

    /// <summary>A bundle builder over this ledger, as the node's exporter builds bundles.</summary>
    public BundleBuilder Builder(params INoteSigner[] signers)
    {
        var source = new InMemoryEvidenceSource(Entries, Log.Reader, State)
            .WithDevice("gw-1", Leaves, DeviceLog.Reader)
            .WithDevice("gw-2", FreezerLeaves, FreezerLog.Reader);
        return new BundleBuilder(source, Checkpoint(signers), LedgerStateMap.Entries(State));
    }

    /// <summary>The lender's bundle for the pledge (signed terms), or for <paramref name="request"/>.</summary>
    public EvidenceBundle Bundle(LotBundleRequest? request = null)
    {
        var bundle = Builder().Lot("WR-1", request ?? new LotBundleRequest { Pledge = Pledge });
        Assert.True(bundle.Succeeded, bundle.ToString());
        return bundle.Value;
    }

    /// <summary>The consumers' public bundle.</summary>
    public EvidenceBundle PublicBundle() => Bundle(new LotBundleRequest { Public = true });

    /// <summary>The bundle entry of ledger entry <paramref name="index"/> with its proof.</summary>
    public BundleEntry EntryOf(long index) =>
        new(index, Convert.ToBase64String(Entries[(int)index].Bytes.Span), Log.Reader.InclusionProof(index, Log.Size).Select(h => h.ToBase64()).ToList());

    public void Dispose()
    {
        Warehouse.Dispose();
        Bank.Dispose();
        Auditor.Dispose();
        Owner.Dispose();
        Device.Dispose();
        Freezer.Dispose();
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

/// <summary>Changing parts of a bundle, as someone handing it over might.</summary>
internal static class BundleEdits
{
    public static EvidenceBundle With(this EvidenceBundle bundle, IReadOnlyList<BundleEntry>? entries = null, IReadOnlyList<BundleState>? state = null,
        IReadOnlyList<BundleDevice>? devices = null, BundleLot? lot = null, BundleReport? report = null, bool dropReport = false, bool dropLot = false) =>
        new()
        {
            Format = bundle.Format,
            Ledger = bundle.Ledger,
            Entries = entries ?? bundle.Entries,
            State = state ?? bundle.State,
            Devices = devices ?? bundle.Devices,
            Lot = dropLot ? null : lot ?? bundle.Lot,
            Report = dropReport ? null : report ?? bundle.Report,
        };

    public static EvidenceBundle WithDevice(this EvidenceBundle bundle, string id, Func<BundleDevice, BundleDevice> change) =>
        bundle.With(devices: bundle.Devices.Select(d => d.Device == id ? change(d) : d).ToList());

    public static EvidenceBundle AddEntries(this EvidenceBundle bundle, params BundleEntry[] entries) =>
        bundle.With(entries: bundle.Entries.Concat(entries).OrderBy(e => e.Index).ToList());
}
