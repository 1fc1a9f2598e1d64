using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Tests.Infrastructure;

/// <summary>
/// A gateway's device log in memory, as EdgeGateway keeps it: measurement leaves (temperature and
/// humidity alternating, a minute apart) with seeded salts, an RFC 9162 log, checkpoints signed by
/// the device key.
/// </summary>
public sealed class SimulatedDevice : IDisposable
{
    public const long StartMs = 1_795_428_000_000;

    private readonly Random _random;

    public SimulatedDevice(string id, int seed = 1, EcdsaNoteSigner? key = null)
    {
        Id = id;
        Key = key ?? EcdsaNoteSigner.Generate(DeviceLogs.Origin(id));
        _random = new Random(seed);
    }

    public string Id { get; }
    public EcdsaNoteSigner Key { get; }

    /// <summary>The time of leaf 0 (leaves follow every 30 s); <see cref="StartMs"/> unless set.</summary>
    public long FirstLeafMs { get; init; } = StartMs;
    public string PublicKey => Convert.ToBase64String(Key.PublicKey.Span);
    public MerkleLog Log { get; } = new(new InMemoryMerkleHashStore());
    public List<ReadingLeaf> Leaves { get; } = [];
    public long Size => Leaves.Count;

    public SimulatedDevice Add(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var seq = Leaves.Count;
            var salt = new byte[ReadingLeaf.SaltLength];
            _random.NextBytes(salt);
            var temperature = seq % 2 == 0;
            var leaf = ReadingLeaf.Create(new LeafContent
            {
                DeviceId = Id,
                Sequence = seq,
                Kind = LeafKind.Measurement,
                TimeMs = FirstLeafMs + seq * 30_000L,
                SensorId = temperature ? "t1" : "h1",
                Quantity = temperature ? Senml.Temperature : Senml.Humidity,
                Zone = "cold-a",
                Unit = temperature ? Senml.Celsius : Senml.RelativeHumidity,
                Value = temperature ? Math.Round(3 + 2 * _random.NextDouble(), 2) : Math.Round(60 + 10 * _random.NextDouble(), 1),
            }, salt);
            Leaves.Add(leaf);
            Log.Append(leaf.LeafHash);
        }
        return this;
    }

    /// <summary>Appends an alarm leaf (<paramref name="state"/> <c>start</c> or <c>end</c>) as a gateway's alarm rule writes it; returns its sequence.</summary>
    public long AddAlarm(string state, string rule = "chiller-high", double value = 9.1, string zone = "cold-a", string? sensor = "t1", long? timeMs = null) =>
        Append(new LeafContent
        {
            DeviceId = Id,
            Sequence = Leaves.Count,
            Kind = LeafKind.Alarm,
            TimeMs = timeMs ?? StartMs + Leaves.Count * 30_000L,
            SensorId = sensor,
            Zone = zone,
            Rule = rule,
            Unit = sensor == "h1" ? Senml.RelativeHumidity : Senml.Celsius,
            Value = value,
            StringValue = state,
        });

    /// <summary>Appends an event leaf with code <paramref name="code"/> (e.g. <c>suppression-start</c>, with its zone and reason) and returns its sequence.</summary>
    public long AddEvent(string code, long timeMs, string? zone = null, string? reason = null, string? detail = null) =>
        Append(new LeafContent
        {
            DeviceId = Id,
            Sequence = Leaves.Count,
            Kind = LeafKind.Event,
            TimeMs = timeMs,
            Zone = zone,
            Reason = reason,
            StringValue = code,
            Detail = detail,
        });

    private long Append(LeafContent content)
    {
        var salt = new byte[ReadingLeaf.SaltLength];
        _random.NextBytes(salt);
        var leaf = ReadingLeaf.Create(content, salt);
        Leaves.Add(leaf);
        Log.Append(leaf.LeafHash);
        return content.Sequence;
    }

    public SignedNote Checkpoint() => Checkpoint(Log.Size, Log.Root());

    public SignedNote Checkpoint(long size, Hash32 root) =>
        new Checkpoint(DeviceLogs.Origin(Id), size, root, [Firmware.Contracts.Checkpoints.Checkpoint.TimeExtension(StartMs + size)]).Sign(Key);

    /// <summary>Leaves [from, size) with the checkpoint at the current size.</summary>
    public UplinkRequest Request(long from) => Request(from, Checkpoint());

    public UplinkRequest Request(long from, SignedNote checkpoint) =>
        new(checkpoint.ToString(), from, Leaves.Skip((int)from).Select(l => Convert.ToBase64String(l.Bytes.Span)).ToList());

    /// <summary>A device with the same id and key whose log shares the first <paramref name="prefix"/> leaves and then differs.</summary>
    public SimulatedDevice Fork(int prefix, int seed)
    {
        var fork = new SimulatedDevice(Id, seed, Key);
        foreach (var leaf in Leaves.Take(prefix))
        {
            fork.Leaves.Add(leaf);
            fork.Log.Append(leaf.LeafHash);
        }
        return fork;
    }

    public void Dispose()
    {
        // The key may be shared with forks; nothing holds native resources beyond it.
    }
}
