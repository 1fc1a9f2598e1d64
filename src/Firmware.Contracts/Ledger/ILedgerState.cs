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
        return string.Join('\n', lines);
    }
}
