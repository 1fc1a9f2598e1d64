using System.Globalization;
using System.Text;
using Firmware.Contracts;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Readings;

namespace Firmware.Contracts.Ledger;

/// <summary>One key of the ledger state map and its value text (lines <c>field value</c>, each ending in a line feed).</summary>
public sealed record StateEntry
{
    /// <summary>An entry of the map.</summary>
    public StateEntry(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentException.ThrowIfNullOrEmpty(value);
        Key = key;
        Value = value;
        KeyHash = LedgerStateMap.HashKey(key);
        ValueHash = Hash32.Sha256(Encoding.UTF8.GetBytes(value));
    }

    /// <summary>The key, e.g. <c>device/gw-1</c>.</summary>
    public string Key { get; }

    /// <summary>The value text.</summary>
    public string Value { get; }

    /// <summary>SHA-256 of the key's UTF-8 bytes.</summary>
    public Hash32 KeyHash { get; }

    /// <summary>SHA-256 of the value's UTF-8 bytes.</summary>
    public Hash32 ValueHash { get; }

    /// <summary>The sparse Merkle tree leaf.</summary>
    public SparseLeaf Leaf => new(KeyHash, ValueHash);
}

/// <summary>The private status of a lot as the state map holds it (<c>lot-status/&lt;receipt&gt;</c>).</summary>
/// <param name="Salt">The title statement's nonce.</param>
/// <param name="Head">The last entry of the status chain.</param>
/// <param name="Status">The lot's status.</param>
/// <param name="Owner">The party holding the title (the title's owner, then each endorsement's).</param>
/// <param name="Quantity">What the receipt still holds.</param>
/// <param name="Pledge">The active pledge, or null.</param>
/// <param name="Controller">The lender the goods are held for, while enforced; else null.</param>
/// <param name="Frozen">The freeze in force, or null.</param>
public sealed record LotStatusState(string Salt, long Head, LotStatus Status, string Owner, decimal Quantity, long? Pledge, string? Controller, long? Frozen);

/// <summary>
/// The ledger state map (docs/spec-ledger.md §5.1): what a ledger checkpoint commits to in its
/// <c>state</c> line, so that a bundle can prove not only what it holds but that nothing was left
/// out: each device's enrolment and last anchor, each lot's chain heads, each party's key, the
/// members and quorum, and which devices cover each zone. A pure function of the ledger state, so
/// every replica that replays the same entries computes the same root.
/// </summary>
public static class LedgerStateMap
{
    /// <summary>The key of the members and the quorum.</summary>
    public const string ConsortiumKey = "consortium";

    /// <summary>The site of devices enrolled without one, in zone and reader keys.</summary>
    public const string AnySite = "*";

    /// <summary>The key of a device.</summary>
    public static string DeviceKey(string deviceId) => "device/" + deviceId;

    /// <summary>The key of a party.</summary>
    public static string PartyKey(string partyId) => "party/" + partyId;

    /// <summary>The key of a lot's public facts.</summary>
    public static string LotKey(string receipt) => "lot/" + receipt;

    /// <summary>The key of a lot's private status (salted with its title's nonce).</summary>
    public static string LotStatusKey(string receipt) => "lot-status/" + receipt;

    /// <summary>The key listing the devices with a measuring sensor in <paramref name="zone"/> of <paramref name="site"/> (null: devices without a site).</summary>
    public static string ZoneKey(string? site, string zone) => $"zone/{site ?? AnySite}/{zone}";

    /// <summary>The key listing the devices with an RFID reader at <paramref name="site"/> (null: devices without a site).</summary>
    public static string ReadersKey(string? site) => $"readers/{site ?? AnySite}";

    /// <summary>The key listing the calibrations of one sensor of a device.</summary>
    public static string CalibrationKey(string deviceId, string sensorId) => $"calibration/{deviceId}/{sensorId}";

    /// <summary>The key naming the acknowledgement of the alarm whose start leaf is <paramref name="sequence"/> of a device.</summary>
    public static string AlarmKey(string deviceId, long sequence) => $"alarm/{deviceId}/{sequence.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>SHA-256 of a key's UTF-8 bytes: its position in the tree.</summary>
    public static Hash32 HashKey(string key) => Hash32.Sha256(Encoding.UTF8.GetBytes(key));

    /// <summary>Every entry of the map of <paramref name="state"/>, by key (ordinal).</summary>
    public static IReadOnlyList<StateEntry> Entries(ILedgerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var entries = new List<StateEntry>();
        if (state.Quorum > 0)
        {
            entries.Add(new StateEntry(ConsortiumKey, ConsortiumValue(state.Quorum, state.Members())));
        }
        var zones = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var device in state.Devices())
        {
            entries.Add(new StateEntry(DeviceKey(device.DeviceId), DeviceValue(device)));
            foreach (var key in CoverageKeys(device))
            {
                if (!zones.TryGetValue(key, out var devices))
                {
                    zones[key] = devices = new SortedSet<string>(StringComparer.Ordinal);
                }
                devices.Add(device.DeviceId);
            }
        }
        entries.AddRange(zones.Select(z => new StateEntry(z.Key, DeviceListValue(z.Value))));
        foreach (var party in state.Parties())
        {
            entries.Add(new StateEntry(PartyKey(party.PartyId), PartyValue(party)));
        }
        var nonces = state.Titles().ToDictionary(t => t.Index, t => t.Nonce);
        foreach (var lot in state.Lots())
        {
            entries.Add(new StateEntry(LotKey(lot.Receipt), LotValue(lot)));
            entries.Add(new StateEntry(LotStatusKey(lot.Receipt), LotStatusValue(lot, nonces.GetValueOrDefault(lot.TitleIndex) ?? "")));
        }
        foreach (var sensor in state.Calibrations().GroupBy(c => CalibrationKey(c.Statement.DeviceId, c.Statement.SensorId), StringComparer.Ordinal))
        {
            entries.Add(new StateEntry(sensor.Key, CalibrationValue(sensor.Select(c => c.Index))));
        }
        entries.AddRange(state.Acknowledgements().Select(a => new StateEntry(AlarmKey(a.DeviceId, a.Alarm), AlarmValue(a.Index))));
        entries.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return entries;
    }

    /// <summary>The root the map of <paramref name="state"/> has.</summary>
    public static Hash32 Root(ILedgerState state) => Tree(Entries(state)).Root;

    /// <summary>The sparse Merkle tree of <paramref name="entries"/>.</summary>
    public static SparseMerkleTree Tree(IEnumerable<StateEntry> entries) => SparseMerkleTree.Build(entries.Select(e => e.Leaf));

    /// <summary>The zone and reader keys that list <paramref name="device"/>.</summary>
    public static IEnumerable<string> CoverageKeys(DeviceRecord device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return CoverageKeys(device.Site, device.Zone, device.Sensors);
    }

    /// <summary>The zone and reader keys an enrolment at <paramref name="site"/> with <paramref name="sensors"/> is listed under.</summary>
    public static IEnumerable<string> CoverageKeys(string? site, string? deviceZone, IEnumerable<SensorInfo> sensors)
    {
        ArgumentNullException.ThrowIfNull(sensors);
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var sensor in sensors)
        {
            if ((sensor.Zone ?? deviceZone) is not { } zone)
            {
                continue;
            }
            keys.Add(sensor.Quantity == Senml.Epc ? ReadersKey(site) : ZoneKey(site, zone));
        }
        return keys;
    }

    /// <summary><c>quorum &lt;k&gt;</c>, then <c>member &lt;name&gt; &lt;roles&gt; &lt;spki&gt; &lt;admitted at&gt;</c> per member in admission order.</summary>
    public static string ConsortiumValue(int quorum, IEnumerable<LedgerMember> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var text = new StringBuilder();
        Line(text, "quorum", quorum);
        foreach (var m in members.OrderBy(m => m.AdmittedAt))
        {
            text.Append("member ").Append(m.Name).Append(' ').Append(MemberRoleNames.Format(m.Roles)).Append(' ').Append(m.PublicKey).Append(' ')
                .Append(m.AdmittedAt.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary><c>enrolment</c>, <c>revocation</c>?, <c>anchor</c>?, <c>size</c>, <c>root</c>, <c>equivocation</c>?.</summary>
    public static string DeviceValue(DeviceRecord device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var text = new StringBuilder();
        Line(text, "enrolment", device.EnrolmentIndex);
        Line(text, "revocation", device.RevocationIndex);
        Line(text, "anchor", device.AnchorIndex);
        Line(text, "size", device.AnchoredSize);
        text.Append("root ").Append(device.AnchoredRoot.ToBase64()).Append('\n');
        Line(text, "equivocation", device.EquivocationIndex);
        return text.ToString();
    }

    /// <summary><c>registration &lt;index&gt;</c>, <c>key &lt;base64 SHA-256 of the DER SPKI&gt;</c>.</summary>
    public static string PartyValue(PartyRecord party)
    {
        ArgumentNullException.ThrowIfNull(party);
        return PartyValue(party.RegistrationIndex, party.PublicKey);
    }

    /// <inheritdoc cref="PartyValue(PartyRecord)"/>
    public static string PartyValue(long registration, string publicKey)
    {
        var text = new StringBuilder();
        Line(text, "registration", registration);
        text.Append("key ").Append(Hash32.Sha256(Convert.FromBase64String(publicKey)).ToBase64()).Append('\n');
        return text.ToString();
    }

    /// <summary><c>entry &lt;lot index&gt;</c>, <c>location &lt;last location entry&gt;</c>, <c>delivered &lt;unix ms&gt;</c>? (public).</summary>
    public static string LotValue(LotRecord lot)
    {
        ArgumentNullException.ThrowIfNull(lot);
        return LotValue(lot.LotIndex, lot.LocationHead, lot.DeliveredMs);
    }

    /// <inheritdoc cref="LotValue(LotRecord)"/>
    public static string LotValue(long entry, long location, long? deliveredMs)
    {
        var text = new StringBuilder();
        Line(text, "entry", entry);
        Line(text, "location", location);
        Line(text, "delivered", deliveredMs);
        return text.ToString();
    }

    /// <summary>
    /// <c>salt &lt;title nonce&gt;</c>, <c>head</c>, <c>status</c>, <c>owner</c>, <c>quantity</c>, <c>pledge</c>?, <c>controller</c>?
    /// (while enforced), <c>frozen</c>? (the freeze in force) — members and lenders only: the salt keeps the
    /// value from being guessed from its hash, which public proofs reveal as a sibling.
    /// </summary>
    public static string LotStatusValue(LotRecord lot, string titleNonce)
    {
        ArgumentNullException.ThrowIfNull(lot);
        return LotStatusValue(new LotStatusState(titleNonce, lot.StatusHead, lot.Status, lot.Owner, lot.Quantity, lot.ActivePledge,
            lot.Status == LotStatus.Enforced ? lot.Controller : null, lot.FrozenAt));
    }

    /// <inheritdoc cref="LotStatusValue(LotRecord, string)"/>
    public static string LotStatusValue(LotStatusState value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = new StringBuilder();
        text.Append("salt ").Append(value.Salt).Append('\n');
        Line(text, "head", value.Head);
        text.Append("status ").Append(value.Status.Name()).Append('\n');
        text.Append("owner ").Append(value.Owner).Append('\n');
        text.Append("quantity ").Append(CanonicalValues.Decimal(value.Quantity)).Append('\n');
        Line(text, "pledge", value.Pledge);
        if (value.Controller is not null)
        {
            text.Append("controller ").Append(value.Controller).Append('\n');
        }
        Line(text, "frozen", value.Frozen);
        return text.ToString();
    }

    /// <summary><c>entry &lt;index&gt;</c>: the <c>acknowledge</c> entry of an alarm.</summary>
    public static string AlarmValue(long entry) => CalibrationValue([entry]);

    /// <summary><c>entry &lt;index&gt;</c> per calibration of the sensor, by ledger index.</summary>
    public static string CalibrationValue(IEnumerable<long> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var text = new StringBuilder();
        foreach (var index in entries.Order())
        {
            Line(text, "entry", index);
        }
        return text.ToString();
    }

    /// <summary><c>device &lt;id&gt;</c> per device, ordinal order.</summary>
    public static string DeviceListValue(IEnumerable<string> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        var text = new StringBuilder();
        foreach (var device in devices.Order(StringComparer.Ordinal))
        {
            text.Append("device ").Append(device).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The fields of a value text, in order; null when it is not lines of <c>field value</c>.</summary>
    public static IReadOnlyList<(string Field, string Value)>? Fields(string value)
    {
        if (string.IsNullOrEmpty(value) || !value.EndsWith('\n'))
        {
            return null;
        }
        var fields = new List<(string, string)>();
        foreach (var line in value[..^1].Split('\n'))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || space == line.Length - 1)
            {
                return null;
            }
            fields.Add((line[..space], line[(space + 1)..]));
        }
        return fields;
    }

    private static void Line(StringBuilder text, string field, long? value)
    {
        if (value is { } v)
        {
            text.Append(field).Append(' ').Append(v.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }
}
