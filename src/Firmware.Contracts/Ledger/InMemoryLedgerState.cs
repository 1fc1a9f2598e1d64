using Firmware.Contracts.Hashing;

namespace Firmware.Contracts.Ledger;

/// <summary>Ledger state in memory: for verifiers, replicas in tests, and tools.</summary>
public sealed class InMemoryLedgerState : ILedgerStateWriter
{
    private readonly List<LedgerMember> _members = [];
    private readonly SortedDictionary<string, DeviceRecord> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<Hash32, long> _statements = [];

    /// <summary>An empty ledger of <paramref name="consortium"/>.</summary>
    public InMemoryLedgerState(string consortium)
    {
        if (!LedgerNames.IsValidConsortium(consortium))
        {
            throw new ArgumentException($"consortium '{consortium}' must be 1-64 of a-z 0-9 . _ -", nameof(consortium));
        }
        Consortium = consortium;
    }

    /// <inheritdoc/>
    public string Consortium { get; }

    /// <inheritdoc/>
    public long Size { get; private set; }

    /// <inheritdoc/>
    public int Quorum { get; private set; }

    /// <inheritdoc/>
    public LedgerMember? Member(string name) => _members.Find(m => m.Name == name);

    /// <inheritdoc/>
    public IReadOnlyList<LedgerMember> Members() => _members.ToList();

    /// <inheritdoc/>
    public DeviceRecord? Device(string deviceId) => _devices.GetValueOrDefault(deviceId);

    /// <inheritdoc/>
    public IEnumerable<DeviceRecord> Devices() => _devices.Values.ToList();

    /// <inheritdoc/>
    public long? StatementIndex(Hash32 statementHash) => _statements.TryGetValue(statementHash, out var index) ? index : null;

    /// <inheritdoc/>
    public void SetQuorum(int quorum) => Quorum = quorum;

    /// <inheritdoc/>
    public void PutMember(LedgerMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        var at = _members.FindIndex(m => m.Name == member.Name);
        if (at >= 0)
        {
            _members[at] = member;
        }
        else
        {
            _members.Add(member);
        }
    }

    /// <inheritdoc/>
    public void PutDevice(DeviceRecord device)
    {
        ArgumentNullException.ThrowIfNull(device);
        _devices[device.DeviceId] = device;
    }

    /// <inheritdoc/>
    public void AddStatement(Hash32 statementHash, long index) => _statements.Add(statementHash, index);

    /// <inheritdoc/>
    public void SetSize(long size) => Size = size;
}
