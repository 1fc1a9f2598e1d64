using Firmware.Contracts.Hashing;

namespace Firmware.Contracts.Ledger;

/// <summary>Ledger state in memory: for verifiers, replicas in tests, and tools.</summary>
public sealed class InMemoryLedgerState : ILedgerStateWriter
{
    private readonly List<LedgerMember> _members = [];
    private readonly SortedDictionary<string, DeviceRecord> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<Hash32, long> _statements = [];
    private readonly SortedDictionary<string, PartyRecord> _parties = new(StringComparer.Ordinal);
    private readonly Dictionary<Hash32, TitleRecord> _titles = [];
    private readonly SortedDictionary<string, LotRecord> _lots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _epcs = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, PledgeRecord> _pledges = [];
    private readonly Dictionary<(string Device, long Alarm), AcknowledgementRecord> _acknowledgements = [];
    private readonly List<CalibrationRecord> _calibrations = [];

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
    public PartyRecord? Party(string partyId) => _parties.GetValueOrDefault(partyId);

    /// <inheritdoc/>
    public IEnumerable<PartyRecord> Parties() => _parties.Values.ToList();

    /// <inheritdoc/>
    public TitleRecord? Title(Hash32 statementHash) => _titles.GetValueOrDefault(statementHash);

    /// <inheritdoc/>
    public IEnumerable<TitleRecord> Titles() => _titles.Values.OrderBy(t => t.Index).ToList();

    /// <inheritdoc/>
    public LotRecord? Lot(string receipt) => _lots.GetValueOrDefault(receipt);

    /// <inheritdoc/>
    public IEnumerable<LotRecord> Lots() => _lots.Values.ToList();

    /// <inheritdoc/>
    public IReadOnlyList<LotRecord> Parents(string childReceipt) => _lots.Values.Where(l => l.Children.Any(c => c.Receipt == childReceipt)).ToList();

    /// <inheritdoc/>
    public string? EpcHolder(string epc) => _epcs.GetValueOrDefault(epc);

    /// <inheritdoc/>
    public IReadOnlyList<string> Cargo(string receipt) =>
        _epcs.Where(e => e.Value == receipt).Select(e => e.Key).Order(StringComparer.Ordinal).ToList();

    /// <inheritdoc/>
    public PledgeRecord? Pledge(long index) => _pledges.GetValueOrDefault(index);

    /// <inheritdoc/>
    public IEnumerable<PledgeRecord> Pledges() => _pledges.Values.ToList();

    /// <inheritdoc/>
    public IReadOnlyList<CalibrationRecord> Calibrations(string deviceId, string sensorId) =>
        _calibrations.Where(c => c.Statement.DeviceId == deviceId && c.Statement.SensorId == sensorId).ToList();

    /// <inheritdoc/>
    public IEnumerable<CalibrationRecord> Calibrations() => _calibrations.ToList();

    /// <inheritdoc/>
    public void AddCalibration(CalibrationRecord calibration)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        _calibrations.Add(calibration);
    }

    /// <inheritdoc/>
    public void SetQuorum(int quorum) => Quorum = quorum;

    /// <inheritdoc/>
    public void PutParty(PartyRecord party)
    {
        ArgumentNullException.ThrowIfNull(party);
        _parties[party.PartyId] = party;
    }

    /// <inheritdoc/>
    public void PutTitle(TitleRecord title)
    {
        ArgumentNullException.ThrowIfNull(title);
        _titles[title.Hash] = title;
    }

    /// <inheritdoc/>
    public void PutLot(LotRecord lot)
    {
        ArgumentNullException.ThrowIfNull(lot);
        _lots[lot.Receipt] = lot;
    }

    /// <inheritdoc/>
    public void PutEpcHolder(string epc, string? receipt)
    {
        if (receipt is null)
        {
            _epcs.Remove(epc);
        }
        else
        {
            _epcs[epc] = receipt;
        }
    }

    /// <inheritdoc/>
    public void PutPledge(PledgeRecord pledge)
    {
        ArgumentNullException.ThrowIfNull(pledge);
        _pledges[pledge.Index] = pledge;
    }

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
    public AcknowledgementRecord? Acknowledgement(string deviceId, long alarm) => _acknowledgements.GetValueOrDefault((deviceId, alarm));

    /// <inheritdoc/>
    public IEnumerable<AcknowledgementRecord> Acknowledgements() => _acknowledgements.Values.OrderBy(a => a.Index).ToList();

    /// <inheritdoc/>
    public void PutAcknowledgement(AcknowledgementRecord acknowledgement)
    {
        ArgumentNullException.ThrowIfNull(acknowledgement);
        _acknowledgements[(acknowledgement.DeviceId, acknowledgement.Alarm)] = acknowledgement;
    }

    /// <inheritdoc/>
    public void AddStatement(Hash32 statementHash, long index) => _statements.Add(statementHash, index);

    /// <inheritdoc/>
    public void SetSize(long size) => Size = size;
}
