using Firmware.Contracts.Hashing;

namespace Firmware.Contracts.Ledger;

/// <summary>
/// The state that the ledger's entries imply, as the rules read it. Everything here is derived
/// from entries alone, so every replica that appends the same entries holds the same state.
/// </summary>
/// <remarks>
/// New entry kinds add what they need here (e.g. lots by receipt number, the active pledge of a
/// receipt) and in both adapters: <see cref="InMemoryLedgerState"/> and the node's SQLite one.
/// </remarks>
public interface ILedgerState
{
    /// <summary>The consortium this ledger belongs to (fixed before genesis, by configuration).</summary>
    string Consortium { get; }

    /// <summary>The number of entries: the index the next entry gets.</summary>
    long Size { get; }

    /// <summary>The admission quorum, or 0 before the genesis entry.</summary>
    int Quorum { get; }

    /// <summary>A member by name, or null.</summary>
    LedgerMember? Member(string name);

    /// <summary>Every member, in admission order.</summary>
    IReadOnlyList<LedgerMember> Members();

    /// <summary>A device by id, or null when it was never enrolled.</summary>
    DeviceRecord? Device(string deviceId);

    /// <summary>Every device ever enrolled, by id (ordinal).</summary>
    IEnumerable<DeviceRecord> Devices();

    /// <summary>The ledger index of the entry that carried the statement with this hash, or null.</summary>
    long? StatementIndex(Hash32 statementHash);

    /// <summary>A registered party, or null.</summary>
    PartyRecord? Party(string partyId);

    /// <summary>Every registered party, by id (ordinal).</summary>
    IEnumerable<PartyRecord> Parties();

    /// <summary>The title entry whose statement hash is <paramref name="statementHash"/>, or null.</summary>
    TitleRecord? Title(Hash32 statementHash);

    /// <summary>Every title entry, by ledger index.</summary>
    IEnumerable<TitleRecord> Titles();

    /// <summary>The lot with this receipt number, or null.</summary>
    LotRecord? Lot(string receipt);

    /// <summary>Every lot, by receipt number (ordinal).</summary>
    IEnumerable<LotRecord> Lots();

    /// <summary>The lots whose split or merge handed goods to <paramref name="childReceipt"/> (by receipt number, ordinal).</summary>
    IReadOnlyList<LotRecord> Parents(string childReceipt);

    /// <summary>The receipt of the open lot whose cargo includes <paramref name="epc"/> (or of the child a split or merge handed it to), or null.</summary>
    string? EpcHolder(string epc);

    /// <summary>The EPCs still in an open lot's cargo (ordinal order).</summary>
    IReadOnlyList<string> Cargo(string receipt);

    /// <summary>The pledge entered at <paramref name="index"/>, or null.</summary>
    PledgeRecord? Pledge(long index);

    /// <summary>Every pledge, by ledger index.</summary>
    IEnumerable<PledgeRecord> Pledges();

    /// <summary>The acknowledgement of the alarm whose start leaf is <paramref name="alarm"/> in the log of <paramref name="deviceId"/>, or null.</summary>
    AcknowledgementRecord? Acknowledgement(string deviceId, long alarm);

    /// <summary>Every acknowledgement, by ledger index.</summary>
    IEnumerable<AcknowledgementRecord> Acknowledgements();

    /// <summary>The calibrations of one sensor of a device, by ledger index (so by calibration time).</summary>
    IReadOnlyList<CalibrationRecord> Calibrations(string deviceId, string sensorId);

    /// <summary>Every calibration, by ledger index.</summary>
    IEnumerable<CalibrationRecord> Calibrations();
}

/// <summary>The state the rules write when an entry is appended.</summary>
public interface ILedgerStateWriter : ILedgerState
{
    /// <summary>Records the genesis quorum.</summary>
    void SetQuorum(int quorum);

    /// <summary>Adds or replaces a member.</summary>
    void PutMember(LedgerMember member);

    /// <summary>Adds or replaces a device.</summary>
    void PutDevice(DeviceRecord device);

    /// <summary>Adds or replaces a party.</summary>
    void PutParty(PartyRecord party);

    /// <summary>Adds or replaces a title.</summary>
    void PutTitle(TitleRecord title);

    /// <summary>Adds or replaces a lot.</summary>
    void PutLot(LotRecord lot);

    /// <summary>Puts <paramref name="epc"/> in the cargo of <paramref name="receipt"/>, or takes it out of any lot when null.</summary>
    void PutEpcHolder(string epc, string? receipt);

    /// <summary>Adds or replaces a pledge.</summary>
    void PutPledge(PledgeRecord pledge);

    /// <summary>Records an alarm's acknowledgement.</summary>
    void PutAcknowledgement(AcknowledgementRecord acknowledgement);

    /// <summary>Adds a calibration.</summary>
    void AddCalibration(CalibrationRecord calibration);

    /// <summary>Records that a statement was appended at <paramref name="index"/>.</summary>
    void AddStatement(Hash32 statementHash, long index);

    /// <summary>Sets the number of entries.</summary>
    void SetSize(long size);
}

/// <summary>Canonical descriptions of a state, for comparing replicas.</summary>
public static class LedgerStateDescription
{
    /// <summary>One line per fact, in a fixed order.</summary>
    public static string Describe(this ILedgerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var lines = new List<string> { $"consortium {state.Consortium}", $"size {state.Size}", $"quorum {state.Quorum}" };
        lines.AddRange(state.Members().Select(m => $"member {m.Name} {MemberRoleNames.Format(m.Roles)} {m.PublicKey} {m.AdmittedAt}"));
        lines.AddRange(state.Devices().Select(d => d.Describe()));
        lines.AddRange(state.Parties().Select(p => p.Describe()));
        lines.AddRange(state.Titles().Select(t => t.Describe()));
        foreach (var lot in state.Lots())
        {
            lines.Add(lot.Describe());
            lines.Add($"cargo {lot.Receipt} [{string.Join(";", state.Cargo(lot.Receipt))}]");
        }
        lines.AddRange(state.Pledges().Select(p => p.Describe()));
        lines.AddRange(state.Acknowledgements().Select(a => a.Describe()));
        lines.AddRange(state.Calibrations().Select(c => c.Describe()));
        return string.Join('\n', lines);
    }
}
