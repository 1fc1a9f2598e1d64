using System.Buffers.Binary;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;
using static Firmware.Contracts.Tests.TestKeys;

namespace Firmware.Contracts.Tests.Ledger;

/// <summary>
/// A consortium ledger in memory with three members (warehouse: operator, bank: lender, auditor:
/// auditor) on the fixed test keys, and deterministic statement times and nonces.
/// </summary>
internal sealed class TestLedger
{
    public const string Consortium = "demo";
    public static readonly string Origin = LedgerNames.Origin(Consortium);

    private int _counter;

    public EcdsaNoteSigner Warehouse { get; } = Signer("warehouse", AlphaPem);
    public EcdsaNoteSigner Bank { get; } = Signer("bank", BetaPem);
    public EcdsaNoteSigner Auditor { get; } = Signer("auditor", GammaPem);
    public InMemoryLedgerState State { get; } = new(Consortium);
    public LedgerRules Rules { get; } = new(null, Firmware.Contracts.Inventory.InventoryRules.All);
    public MerkleLog Log { get; } = new(new InMemoryMerkleHashStore());
    public List<LedgerEntry> Entries { get; } = [];

    public MemberInfo Info(EcdsaNoteSigner signer, MemberRoles roles) =>
        new(signer.KeyName, roles, Convert.ToBase64String(signer.PublicKey.Span));

    public Statement NewStatement(string kind, IEnumerable<EntryField> body, string consortium = Consortium)
    {
        var n = ++_counter;
        var nonce = new byte[Statement.NonceLength];
        BinaryPrimitives.WriteInt32BigEndian(nonce, n);
        return Statement.Create(kind, consortium, 1_795_428_000_000 + n, nonce, body);
    }

    public LedgerEntry Signed(string kind, IEnumerable<EntryField> body, params EcdsaNoteSigner[] signers) =>
        LedgerEntry.Create(kind, [], SignedNote.Sign(NewStatement(kind, body).Text, signers));

    public Result<LedgerEntry> Append(LedgerEntry entry)
    {
        var result = Rules.Append(entry.Bytes.Span, State);
        if (result.Succeeded)
        {
            Log.Append(result.Value.LeafHash);
            Entries.Add(result.Value);
        }
        return result;
    }

    public TestLedger WithGenesis(int quorum = 2)
    {
        var genesis = new GenesisStatement(quorum, [Info(Warehouse, MemberRoles.Operator), Info(Bank, MemberRoles.Lender), Info(Auditor, MemberRoles.Auditor)]);
        Ok(Append(Signed(EntryKinds.Genesis, genesis.ToBody(), Warehouse)));
        return this;
    }

    public long Enrol(TestDevice device, EcdsaNoteSigner? by = null)
    {
        var enrol = new EnrolStatement
        {
            DeviceId = device.Id,
            PublicKey = Convert.ToBase64String(device.Key.PublicKey.Span),
            Site = "site-1",
            Zone = "cold-a",
            Sensors = [new SensorInfo("t1", "temperature", "cold-a"), new SensorInfo("h1", "humidity", "cold-a")],
        };
        Ok(Append(Signed(EntryKinds.Enrol, enrol.ToBody(), by ?? Warehouse)));
        return State.Size - 1;
    }

    /// <summary>The anchor entry the node would write for the device's checkpoint at its current size.</summary>
    public LedgerEntry AnchorEntry(TestDevice device, SignedNote? checkpoint = null)
    {
        var record = State.Device(device.Id)!;
        var proof = record.AnchorIndex is null ? [] : device.Log.Reader.ConsistencyProof(record.AnchoredSize, device.Log.Size);
        // Received a minute after the device's newest reading: no reading is dated after its arrival.
        var received = device.Leaves.Count == 0 ? 1_795_428_100_000 : device.Leaves[^1].Content.TimeMs + 60_000;
        return Firmware.Contracts.Ledger.AnchorEntry.Create(received, record.EnrolmentIndex, record.AnchorIndex, proof, checkpoint ?? device.Checkpoint());
    }

    public long Anchor(TestDevice device)
    {
        Ok(Append(AnchorEntry(device)));
        return State.Size - 1;
    }

    /// <summary>The time of <see cref="Checkpoint"/>s: after every statement and reading of these tests.</summary>
    public const long CheckpointTimeMs = 1_795_500_000_000;

    /// <summary>A ledger checkpoint of the current size, committing to the current state map.</summary>
    public SignedNote Checkpoint(params EcdsaNoteSigner[] signers) =>
        new Checkpoint(Origin, Log.Size, Log.Root(),
            [Firmware.Contracts.Checkpoints.Checkpoint.TimeExtension(CheckpointTimeMs), Firmware.Contracts.Checkpoints.Checkpoint.StateExtension(LedgerStateMap.Root(State))])
            .Sign(signers.Length == 0 ? [Warehouse] : signers);

    /// <summary>A bundle builder against <see cref="Checkpoint"/> over this ledger and <paramref name="devices"/>.</summary>
    public BundleBuilder Builder(IEnumerable<TestDevice> devices, params EcdsaNoteSigner[] signers)
    {
        var source = new Firmware.Contracts.Evidence.InMemoryEvidenceSource(Entries, Log.Reader, State);
        foreach (var device in devices)
        {
            source.WithDevice(device.Id, device.Leaves, device.Log.Reader);
        }
        return new BundleBuilder(source, Checkpoint(signers).ToString(), LedgerStateMap.Entries(State));
    }

    public static T Ok<T>(Result<T> result)
    {
        Assert.True(result.Succeeded, result.ToString());
        return result.Value;
    }
}

/// <summary>A device log in memory: measurement leaves with deterministic salts, signed checkpoints.</summary>
internal sealed class TestDevice
{
    private readonly Random _random;

    public TestDevice(string id, string pem, int seed = 1)
    {
        Id = id;
        Key = Signer(DeviceLogs.Origin(id), pem);
        _random = new Random(seed);
    }

    public string Id { get; }
    public EcdsaNoteSigner Key { get; }
    public MerkleLog Log { get; } = new(new InMemoryMerkleHashStore());
    public List<ReadingLeaf> Leaves { get; } = [];

    public TestDevice Add(int count, string sensor = "t1")
    {
        for (var i = 0; i < count; i++)
        {
            var salt = new byte[ReadingLeaf.SaltLength];
            _random.NextBytes(salt);
            var seq = Leaves.Count;
            var leaf = ReadingLeaf.Create(new LeafContent
            {
                DeviceId = Id,
                Sequence = seq,
                Kind = LeafKind.Measurement,
                TimeMs = 1_795_428_000_000 + seq * 60_000L,
                SensorId = sensor,
                Quantity = Senml.Temperature,
                Zone = "cold-a",
                Unit = Senml.Celsius,
                Value = Math.Round(4 + _random.NextDouble(), 2),
            }, salt);
            Leaves.Add(leaf);
            Log.Append(leaf.LeafHash);
        }
        return this;
    }

    public SignedNote Checkpoint() => Checkpoint(Log.Size, Log.Root());

    public SignedNote Checkpoint(long size, Hash32 root) =>
        new Checkpoint(DeviceLogs.Origin(Id), size, root, [Firmware.Contracts.Checkpoints.Checkpoint.TimeExtension(1_795_428_000_000 + size)]).Sign(Key);
}
