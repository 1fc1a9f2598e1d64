using AnchorNode.Endpoints;
using EdgeGateway.Log;
using EdgeGateway.Sensors;
using EdgeGateway.Sensors.Simulation;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Tests.Inventory;

/// <summary>
/// A gateway on a <see cref="SimulatedWarehouse"/>: each sensor event becomes a leaf through the
/// gateway's own mapping (<see cref="LeafDrafts"/>), the leaves form an RFC 9162 log, and
/// checkpoints are signed with the device key, as EdgeGateway does; uploads use the node's uplink.
/// </summary>
public sealed class WarehouseGateway : IDisposable
{
    private readonly LeafDrafts _drafts;
    private readonly Random _salts;
    private long _lastTimeMs;

    public WarehouseGateway(string id, SimulatedWarehouse warehouse, int seed = 7)
    {
        Id = id;
        Warehouse = warehouse;
        Key = EcdsaNoteSigner.Generate(DeviceLogs.Origin(id));
        _salts = new Random(seed);
        var zones = warehouse.Sensors.GroupBy(s => s.Id).ToDictionary(g => g.Key, g => g.First().Zone, StringComparer.Ordinal);
        _drafts = new LeafDrafts(id, sensor => zones.GetValueOrDefault(sensor));
    }

    public string Id { get; }
    public SimulatedWarehouse Warehouse { get; }
    public EcdsaNoteSigner Key { get; }
    public MerkleLog Log { get; } = new(new InMemoryMerkleHashStore());
    public List<ReadingLeaf> Leaves { get; } = [];

    /// <summary>The enrolment an operator writes for it: each sensor id once, in its zone (a probe's id covers temperature and humidity).</summary>
    public EnrolRequest Enrolment(string site) =>
        new(Id, Convert.ToBase64String(Key.PublicKey.Span), site, null,
            Warehouse.Sensors.GroupBy(s => s.Id).Select(g => g.First()).Select(s => new SensorModel(s.Id, LeafDrafts.QuantityName(s.Quantity), s.Zone)).ToList());

    public void Record(SensorEvent sensorEvent)
    {
        var salt = new byte[ReadingLeaf.SaltLength];
        _salts.NextBytes(salt);
        var leaf = ReadingLeaf.Create(_drafts.ForSensorEvent(sensorEvent, Leaves.Count), salt);
        Leaves.Add(leaf);
        Log.Append(leaf.LeafHash);
        _lastTimeMs = Math.Max(_lastTimeMs, sensorEvent.TimeMs);
    }

    public UplinkRequest Request(long from)
    {
        var checkpoint = new Checkpoint(DeviceLogs.Origin(Id), Log.Size, Log.Root(), [Checkpoint.TimeExtension(_lastTimeMs)]).Sign(Key);
        return new UplinkRequest(checkpoint.ToString(), from, Leaves.Skip((int)from).Select(l => Convert.ToBase64String(l.Bytes.Span)).ToList());
    }

    public void Dispose() => Key.Dispose();
}
