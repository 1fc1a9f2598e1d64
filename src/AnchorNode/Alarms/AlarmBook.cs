using AnchorNode.Ledger;
using AnchorNode.Storage;
using Firmware.Contracts;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Alarms;

/// <summary>An alarm's acknowledgement, from its <c>acknowledge</c> ledger entry.</summary>
/// <param name="LedgerIndex">The entry.</param>
/// <param name="By">Who acknowledged it (<c>api:&lt;client&gt;</c> or <c>dashboard:&lt;name&gt;</c>).</param>
/// <param name="TimeMs">When (the statement's time).</param>
/// <param name="Comment">The operator's comment.</param>
public sealed record AlarmAcknowledgement(long LedgerIndex, string By, long TimeMs, string Comment);

/// <summary>
/// One alarm: its start leaf (which names it: device and sequence), its end leaf once there is one,
/// and its acknowledgement once there is one.
/// </summary>
/// <param name="DeviceId">The gateway whose log holds it.</param>
/// <param name="Sequence">The start leaf's sequence.</param>
/// <param name="Zone">The zone.</param>
/// <param name="Rule">The rule.</param>
/// <param name="Sensor">The sensor that triggered it, if named.</param>
/// <param name="Severity"><c>warning</c> or <c>alarm</c>.</param>
/// <param name="StartMs">The start leaf's time.</param>
/// <param name="Value">The value at the start.</param>
/// <param name="Unit">Its SenML unit.</param>
/// <param name="State"><c>active</c> or <c>ended</c>.</param>
/// <param name="EndSequence">The end leaf's sequence, once ended.</param>
/// <param name="EndMs">The end leaf's time, once ended.</param>
/// <param name="EndValue">The value at the end.</param>
/// <param name="EscalatedMs">When this node recorded its escalation, or null.</param>
/// <param name="Acknowledgement">Its acknowledgement, or null.</param>
public sealed record AlarmRecord(
    string DeviceId, long Sequence, string Zone, string Rule, string? Sensor, string Severity, long StartMs, double? Value, string? Unit,
    string State, long? EndSequence, long? EndMs, double? EndValue, long? EscalatedMs, AlarmAcknowledgement? Acknowledgement);

/// <summary>
/// The alarm history of this node's device logs (from the committed alarm leaves, so it survives a
/// gateway's restart), and acknowledgements: signed by this node's operator member and appended to
/// the ledger as <c>acknowledge</c> entries (docs/spec-ledger.md §3.5).
/// </summary>
public sealed class AlarmBook
{
    /// <summary>A start leaf that is no alarm's, or no leaf at all.</summary>
    public const string NoSuchAlarm = Firmware.Contracts.Uplink.ProblemTypes.NotFound;

    private readonly ILedgerSequencer _sequencer;
    private readonly StatementSigner _signer;
    private readonly NodeReaders _readers;

    /// <summary>A book over <paramref name="readers"/>, appending through <paramref name="sequencer"/>.</summary>
    public AlarmBook(ILedgerSequencer sequencer, StatementSigner signer, NodeReaders readers)
    {
        _sequencer = sequencer;
        _signer = signer;
        _readers = readers;
    }

    /// <summary>The alarms of <paramref name="deviceId"/> (every device when null), newest start first.</summary>
    public IReadOnlyList<AlarmRecord> List(string? deviceId)
    {
        using var lease = _readers.Rent();
        using var snapshot = lease.Reader.Snapshot();
        return Read(lease.Reader, deviceId);
    }

    /// <summary>The alarms of <paramref name="deviceId"/> (every device when null) as <paramref name="reader"/> sees them, newest start first.</summary>
    public static IReadOnlyList<AlarmRecord> Read(NodeReader reader, string? deviceId)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return Pair(reader.AlarmLeaves(deviceId), reader);
    }

    /// <summary>
    /// The alarms a lot's report lists: of <paramref name="devices"/> (device and zone pairs the report's
    /// sensors cover), active at any time in [<paramref name="fromMs"/>, <paramref name="toMs"/>], oldest first.
    /// </summary>
    public static IReadOnlyList<AlarmRecord> InWindow(NodeReader reader, IEnumerable<(string DeviceId, string Zone)> devices, long fromMs, long toMs)
    {
        ArgumentNullException.ThrowIfNull(devices);
        var alarms = new List<AlarmRecord>();
        foreach (var group in devices.Distinct().GroupBy(d => d.DeviceId, StringComparer.Ordinal))
        {
            var zones = group.Select(d => d.Zone).ToHashSet(StringComparer.Ordinal);
            alarms.AddRange(Read(reader, group.Key).Where(a => zones.Contains(a.Zone) && a.StartMs <= toMs && (a.EndMs ?? long.MaxValue) >= fromMs));
        }
        return alarms.OrderBy(a => a.StartMs).ThenBy(a => a.DeviceId, StringComparer.Ordinal).ThenBy(a => a.Sequence).ToList();
    }

    /// <summary>The alarm whose start leaf is <paramref name="sequence"/> of <paramref name="deviceId"/>, or null.</summary>
    public AlarmRecord? Find(string deviceId, long sequence) =>
        List(deviceId).FirstOrDefault(a => a.Sequence == sequence);

    /// <summary>
    /// Acknowledges the alarm whose start leaf is <paramref name="sequence"/> of <paramref name="deviceId"/>:
    /// checks the leaf here (the ledger rules cannot: they read only the ledger), then appends the
    /// <c>acknowledge</c> entry. Of concurrent acknowledgements the first appended wins; the ledger
    /// refuses the others with <see cref="LedgerFailures.AlarmAcknowledged"/>.
    /// </summary>
    public async Task<Result<AppendedEntry>> AcknowledgeAsync(string deviceId, long sequence, string by, string comment, CancellationToken cancellationToken)
    {
        if (Find(deviceId, sequence) is not { } alarm)
        {
            return Result<AppendedEntry>.Fail(NoSuchAlarm, $"leaf {sequence} of '{deviceId}' is not the start of an alarm in this node's copy of its log");
        }
        if (alarm.Acknowledgement is { } earlier)
        {
            return new Failure(LedgerFailures.AlarmAcknowledged, $"alarm {sequence} of '{deviceId}' was acknowledged at ledger index {earlier.LedgerIndex} by {earlier.By}")
            { LedgerIndex = earlier.LedgerIndex };
        }
        var statement = new AcknowledgeStatement(deviceId, sequence, alarm.Zone, alarm.Rule, by, comment);
        var check = statement.Check();
        if (!check.Succeeded)
        {
            return check.Failure!;
        }
        return await _sequencer.AppendAsync(new LedgerProposal(_signer.Sign(EntryKinds.Acknowledge, statement.ToBody())), cancellationToken);
    }

    /// <summary>The acknowledgement the ledger entry at <paramref name="index"/> records.</summary>
    public static AlarmAcknowledgement ReadAcknowledgement(NodeReader reader, long index)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var bytes = reader.Entry(index) ?? throw new InvalidDataException($"ledger entry {index} is missing from the database");
        var entry = LedgerEntry.Parse(bytes);
        if (entry.Succeeded && Statement.Parse(entry.Value.Note.Text) is { Succeeded: true } statement
            && AcknowledgeStatement.From(statement.Value) is { Succeeded: true } acknowledge)
        {
            return new AlarmAcknowledgement(index, acknowledge.Value.By, statement.Value.TimeMs, acknowledge.Value.Comment);
        }
        throw new InvalidDataException($"ledger entry {index} is not the acknowledge entry the ledger state names");
    }

    // Leaves come by device and sequence; an end closes the open start of the same zone, rule and sensor.
    private static List<AlarmRecord> Pair(List<AlarmLeafRow> leaves, NodeReader reader)
    {
        var alarms = new List<AlarmRecord>();
        var open = new Dictionary<(string, string, string, string?), int>();
        foreach (var leaf in leaves)
        {
            var key = (leaf.DeviceId, leaf.Zone, leaf.Rule, leaf.Sensor);
            if (leaf.State == "start")
            {
                var acknowledgement = reader.State.Acknowledgement(leaf.DeviceId, leaf.Sequence) is { } record ? ReadAcknowledgement(reader, record.Index) : null;
                open[key] = alarms.Count;
                alarms.Add(new AlarmRecord(leaf.DeviceId, leaf.Sequence, leaf.Zone, leaf.Rule, leaf.Sensor, leaf.Severity, leaf.TimeMs, leaf.Value, leaf.Unit,
                    "active", null, null, null, leaf.EscalatedMs, acknowledgement));
            }
            else if (leaf.State == "end" && open.Remove(key, out var at))
            {
                alarms[at] = alarms[at] with { State = "ended", EndSequence = leaf.Sequence, EndMs = leaf.TimeMs, EndValue = leaf.Value };
            }
        }
        return alarms.OrderByDescending(a => a.StartMs).ThenBy(a => a.DeviceId, StringComparer.Ordinal).ThenByDescending(a => a.Sequence).ToList();
    }
}
