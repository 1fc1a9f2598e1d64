using System.Globalization;
using Firmware.Contracts;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Microsoft.Data.Sqlite;

namespace AnchorNode.Storage;

/// <summary>
/// The ledger state in the node database (tables <c>meta</c>, <c>members</c>, <c>devices</c>,
/// <c>statements</c>, and for warehouse receipts <c>parties</c>, <c>titles</c>, <c>lots</c>,
/// <c>lot_epcs</c>, <c>pledges</c>; <c>acknowledgements</c> of alarms). Runs on the connection it is given: inside the writer's transaction the
/// rules see their own batch's changes; on a reader it sees the last commit.
/// </summary>
public sealed class SqliteLedgerState : ILedgerStateWriter, IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _device;
    private readonly SqliteCommand _putDevice;
    private readonly SqliteCommand _statement;
    private readonly SqliteCommand _addStatement;
    private readonly SqliteCommand _meta;
    private readonly SqliteCommand _putMeta;
    private readonly Dictionary<string, SqliteCommand> _cached = new(StringComparer.Ordinal);

    /// <summary>The state of the ledger of <paramref name="consortium"/> on <paramref name="connection"/>.</summary>
    public SqliteLedgerState(SqliteConnection connection, string consortium)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        Consortium = consortium;
        _device = Prepare("SELECT device, spki, site, zone, sensors, enrolment, enrolled_by, revocation, anchor, anchored_size, anchored_root, equivocation FROM devices WHERE device = $p0", 1);
        _putDevice = Prepare("""
            INSERT OR REPLACE INTO devices (device, spki, site, zone, sensors, enrolment, enrolled_by, revocation, anchor, anchored_size, anchored_root, equivocation)
            VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8, $p9, $p10, $p11)
            """, 12);
        _statement = Prepare("SELECT idx FROM statements WHERE hash = $p0", 1);
        _addStatement = Prepare("INSERT INTO statements (hash, idx) VALUES ($p0, $p1)", 2);
        _meta = Prepare("SELECT value FROM meta WHERE key = $p0", 1);
        _putMeta = Prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ($p0, $p1)", 2);
    }

    /// <inheritdoc/>
    public string Consortium { get; }

    /// <inheritdoc/>
    public long Size => long.Parse(Meta("ledger_size") ?? "0", CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public int Quorum => int.Parse(Meta("quorum") ?? "0", CultureInfo.InvariantCulture);

    /// <inheritdoc/>
    public LedgerMember? Member(string name) => ReadMembers("WHERE name = $p0", name).FirstOrDefault();

    /// <inheritdoc/>
    public IReadOnlyList<LedgerMember> Members() => ReadMembers("", null);

    /// <inheritdoc/>
    public DeviceRecord? Device(string deviceId)
    {
        _device.Parameters[0].Value = deviceId;
        using var reader = _device.ExecuteReader();
        return reader.Read() ? ReadDevice(reader) : null;
    }

    /// <inheritdoc/>
    public IEnumerable<DeviceRecord> Devices()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT device, spki, site, zone, sensors, enrolment, enrolled_by, revocation, anchor, anchored_size, anchored_root, equivocation FROM devices ORDER BY device";
        using var reader = command.ExecuteReader();
        var list = new List<DeviceRecord>();
        while (reader.Read())
        {
            list.Add(ReadDevice(reader));
        }
        // ORDER BY uses SQLite's binary collation, which is ordinal for UTF-8.
        return list;
    }

    /// <inheritdoc/>
    public long? StatementIndex(Hash32 statementHash)
    {
        _statement.Parameters[0].Value = statementHash.Bytes.ToArray();
        return _statement.ExecuteScalar() is long index ? index : null;
    }

    private const string LotColumns = "receipt, lot, title, gtin, batch, site, zone, status, depositor, owner, quantity, unit, issued, valid_until, location_head, location_time, status_head, pledge, controller, closed, delivered_ms, frozen, terms, children";
    private const string PledgeColumns = "idx, receipt, lot, lender, owner, amount, currency, start_ms, end_ms, status, ended_at, ended_ms";
    private const string TitleColumns = "hash, idx, receipt, depositor, owner, quantity, unit, lot, nonce";

    /// <inheritdoc/>
    public PartyRecord? Party(string partyId) => Query("SELECT party, spki, registration, registered_by FROM parties WHERE party = $p0", ReadParty, partyId).FirstOrDefault();

    /// <inheritdoc/>
    public IEnumerable<PartyRecord> Parties() => Query("SELECT party, spki, registration, registered_by FROM parties ORDER BY party", ReadParty);

    /// <inheritdoc/>
    public TitleRecord? Title(Hash32 statementHash) => Query($"SELECT {TitleColumns} FROM titles WHERE hash = $p0", ReadTitle, statementHash.Bytes.ToArray()).FirstOrDefault();

    /// <inheritdoc/>
    public IEnumerable<TitleRecord> Titles() => Query($"SELECT {TitleColumns} FROM titles ORDER BY idx", ReadTitle);

    /// <inheritdoc/>
    public LotRecord? Lot(string receipt) => Query($"SELECT {LotColumns} FROM lots WHERE receipt = $p0", ReadLot, receipt).FirstOrDefault();

    /// <inheritdoc/>
    public IEnumerable<LotRecord> Lots() => Query($"SELECT {LotColumns} FROM lots ORDER BY receipt", ReadLot);

    /// <summary>The lots of a GTIN (and batch, when given), by receipt.</summary>
    public IReadOnlyList<LotRecord> LotsOf(string gtin, string? batch) =>
        batch is null
            ? Query($"SELECT {LotColumns} FROM lots WHERE gtin = $p0 ORDER BY receipt", ReadLot, gtin)
            : Query($"SELECT {LotColumns} FROM lots WHERE gtin = $p0 AND batch = $p1 ORDER BY receipt", ReadLot, gtin, batch);

    /// <inheritdoc/>
    public IReadOnlyList<LotRecord> Parents(string childReceipt) =>
        // Each child is stored as "\n<receipt> <quantity>\n", so the receipt followed by a space after a line feed is exact.
        Query($"SELECT {LotColumns} FROM lots WHERE instr(children, char(10) || $p0 || ' ') > 0 ORDER BY receipt", ReadLot, childReceipt);

    /// <inheritdoc/>
    public string? EpcHolder(string epc) => Query("SELECT receipt FROM lot_epcs WHERE epc = $p0", r => r.GetString(0), epc).FirstOrDefault();

    /// <inheritdoc/>
    public IReadOnlyList<string> Cargo(string receipt) => Query("SELECT epc FROM lot_epcs WHERE receipt = $p0 ORDER BY epc", r => r.GetString(0), receipt);

    /// <inheritdoc/>
    public PledgeRecord? Pledge(long index) => Query($"SELECT {PledgeColumns} FROM pledges WHERE idx = $p0", ReadPledge, index).FirstOrDefault();

    /// <inheritdoc/>
    public IEnumerable<PledgeRecord> Pledges() => Query($"SELECT {PledgeColumns} FROM pledges ORDER BY idx", ReadPledge);

    /// <summary>The pledges of a receipt, by ledger index.</summary>
    public IReadOnlyList<PledgeRecord> PledgesOf(string receipt) => Query($"SELECT {PledgeColumns} FROM pledges WHERE receipt = $p0 ORDER BY idx", ReadPledge, receipt);

    /// <inheritdoc/>
    public void PutParty(PartyRecord party)
    {
        ArgumentNullException.ThrowIfNull(party);
        Run("INSERT OR REPLACE INTO parties (party, spki, registration, registered_by) VALUES ($p0, $p1, $p2, $p3)",
            party.PartyId, party.PublicKey, party.RegistrationIndex, party.RegisteredBy);
    }

    /// <inheritdoc/>
    public void PutTitle(TitleRecord title)
    {
        ArgumentNullException.ThrowIfNull(title);
        Run($"INSERT OR REPLACE INTO titles ({TitleColumns}) VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8)",
            title.Hash.Bytes.ToArray(), title.Index, title.Receipt, title.Depositor, title.Owner, CanonicalValues.Decimal(title.Quantity), title.Unit, title.LotIndex, title.Nonce);
    }

    /// <inheritdoc/>
    public void PutLot(LotRecord lot)
    {
        ArgumentNullException.ThrowIfNull(lot);
        Run($"INSERT OR REPLACE INTO lots ({LotColumns}) VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8, $p9, $p10, $p11, $p12, $p13, $p14, $p15, $p16, $p17, $p18, $p19, $p20, $p21, $p22, $p23)",
            lot.Receipt, lot.LotIndex, lot.TitleIndex, lot.Gtin, lot.Batch, lot.Site, lot.Zone, lot.Status.Name(), lot.Depositor, lot.Owner,
            CanonicalValues.Decimal(lot.Quantity), lot.Unit, lot.IssuedMs, lot.ValidUntilMs, lot.LocationHead, lot.LocationTimeMs, lot.StatusHead,
            lot.ActivePledge, lot.Controller, lot.ClosedAt, lot.DeliveredMs, lot.FrozenAt, lot.Terms, string.Concat(lot.Children.Select(c => "\n" + c.ToValue() + "\n")));
    }

    /// <inheritdoc/>
    public void PutEpcHolder(string epc, string? receipt)
    {
        if (receipt is null)
        {
            Run("DELETE FROM lot_epcs WHERE epc = $p0", epc);
        }
        else
        {
            Run("INSERT OR REPLACE INTO lot_epcs (epc, receipt) VALUES ($p0, $p1)", epc, receipt);
        }
    }

    /// <inheritdoc/>
    public void PutPledge(PledgeRecord pledge)
    {
        ArgumentNullException.ThrowIfNull(pledge);
        Run($"INSERT OR REPLACE INTO pledges ({PledgeColumns}) VALUES ($p0, $p1, $p2, $p3, $p4, $p5, $p6, $p7, $p8, $p9, $p10, $p11)",
            pledge.Index, pledge.Receipt, pledge.LotIndex, pledge.Lender, pledge.Owner, CanonicalValues.Decimal(pledge.Amount), pledge.Currency,
            pledge.StartMs, pledge.EndMs, pledge.Status.Name(), pledge.EndedAt, pledge.EndedAtMs);
    }

    /// <inheritdoc/>
    public void SetQuorum(int quorum) => PutMeta("quorum", quorum.ToString(CultureInfo.InvariantCulture));

    /// <inheritdoc/>
    public void PutMember(LedgerMember member)
    {
        ArgumentNullException.ThrowIfNull(member);
        using var command = _connection.CreateCommand();
        command.CommandText = """
            INSERT INTO members (name, roles, spki, admitted, seq) VALUES ($name, $roles, $spki, $admitted, (SELECT count(*) FROM members))
            ON CONFLICT (name) DO UPDATE SET roles = excluded.roles, spki = excluded.spki, admitted = excluded.admitted
            """;
        command.Parameters.AddWithValue("$name", member.Name);
        command.Parameters.AddWithValue("$roles", (int)member.Roles);
        command.Parameters.AddWithValue("$spki", member.PublicKey);
        command.Parameters.AddWithValue("$admitted", member.AdmittedAt);
        command.ExecuteNonQuery();
    }

    /// <inheritdoc/>
    public void PutDevice(DeviceRecord device)
    {
        ArgumentNullException.ThrowIfNull(device);
        var p = _putDevice.Parameters;
        p[0].Value = device.DeviceId;
        p[1].Value = device.PublicKey;
        p[2].Value = (object?)device.Site ?? DBNull.Value;
        p[3].Value = (object?)device.Zone ?? DBNull.Value;
        p[4].Value = string.Join('\n', device.Sensors.Select(s => s.ToValue()));
        p[5].Value = device.EnrolmentIndex;
        p[6].Value = device.EnrolledBy;
        p[7].Value = (object?)device.RevocationIndex ?? DBNull.Value;
        p[8].Value = (object?)device.AnchorIndex ?? DBNull.Value;
        p[9].Value = device.AnchoredSize;
        p[10].Value = device.AnchoredRoot.Bytes.ToArray();
        p[11].Value = (object?)device.EquivocationIndex ?? DBNull.Value;
        _putDevice.ExecuteNonQuery();
    }

    /// <inheritdoc/>
    public AcknowledgementRecord? Acknowledgement(string deviceId, long alarm) =>
        Query("SELECT device, alarm, idx FROM acknowledgements WHERE device = $p0 AND alarm = $p1", ReadAcknowledgement, deviceId, alarm).FirstOrDefault();

    /// <inheritdoc/>
    public IEnumerable<AcknowledgementRecord> Acknowledgements() => Query("SELECT device, alarm, idx FROM acknowledgements ORDER BY idx", ReadAcknowledgement);

    /// <inheritdoc/>
    public void PutAcknowledgement(AcknowledgementRecord acknowledgement)
    {
        ArgumentNullException.ThrowIfNull(acknowledgement);
        Run("INSERT OR REPLACE INTO acknowledgements (device, alarm, idx) VALUES ($p0, $p1, $p2)", acknowledgement.DeviceId, acknowledgement.Alarm, acknowledgement.Index);
    }

    private static AcknowledgementRecord ReadAcknowledgement(SqliteDataReader reader) => new(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2));

    public IReadOnlyList<CalibrationRecord> Calibrations(string deviceId, string sensorId) =>
        Query("SELECT idx, signed_by, body FROM calibrations WHERE device = $p0 AND sensor = $p1 ORDER BY idx", ReadCalibration, deviceId, sensorId);

    /// <inheritdoc/>
    public IEnumerable<CalibrationRecord> Calibrations() => Query("SELECT idx, signed_by, body FROM calibrations ORDER BY idx", ReadCalibration);

    /// <inheritdoc/>
    public void AddCalibration(CalibrationRecord calibration)
    {
        ArgumentNullException.ThrowIfNull(calibration);
        Run("INSERT INTO calibrations (idx, device, sensor, signed_by, body) VALUES ($p0, $p1, $p2, $p3, $p4)",
            calibration.Index, calibration.Statement.DeviceId, calibration.Statement.SensorId, calibration.SignedBy,
            string.Join('\n', calibration.Statement.ToBody()));
    }

    /// <inheritdoc/>
    public void AddStatement(Hash32 statementHash, long index)
    {
        _addStatement.Parameters[0].Value = statementHash.Bytes.ToArray();
        _addStatement.Parameters[1].Value = index;
        _addStatement.ExecuteNonQuery();
    }

    /// <inheritdoc/>
    public void SetSize(long size) => PutMeta("ledger_size", size.ToString(CultureInfo.InvariantCulture));

    /// <inheritdoc/>
    public void Dispose()
    {
        _device.Dispose();
        _putDevice.Dispose();
        _statement.Dispose();
        _addStatement.Dispose();
        _meta.Dispose();
        _putMeta.Dispose();
        foreach (var command in _cached.Values)
        {
            command.Dispose();
        }
    }

    private string? Meta(string key)
    {
        _meta.Parameters[0].Value = key;
        return _meta.ExecuteScalar() as string;
    }

    private void PutMeta(string key, string value)
    {
        _putMeta.Parameters[0].Value = key;
        _putMeta.Parameters[1].Value = value;
        _putMeta.ExecuteNonQuery();
    }

    private List<LedgerMember> ReadMembers(string where, string? name)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = $"SELECT name, roles, spki, admitted FROM members {where} ORDER BY seq";
        if (name is not null)
        {
            command.Parameters.AddWithValue("$p0", name);
        }
        using var reader = command.ExecuteReader();
        var list = new List<LedgerMember>();
        while (reader.Read())
        {
            list.Add(new LedgerMember(reader.GetString(0), (MemberRoles)reader.GetInt32(1), reader.GetString(2), reader.GetInt64(3)));
        }
        return list;
    }

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> read, params object?[] values)
    {
        var command = Cached(sql, values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
        using var reader = command.ExecuteReader();
        var list = new List<T>();
        while (reader.Read())
        {
            list.Add(read(reader));
        }
        return list;
    }

    private void Run(string sql, params object?[] values)
    {
        var command = Cached(sql, values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
        command.ExecuteNonQuery();
    }

    private SqliteCommand Cached(string sql, int parameters)
    {
        if (!_cached.TryGetValue(sql, out var command))
        {
            command = Prepare(sql, parameters);
            _cached.Add(sql, command);
        }
        return command;
    }

    private static PartyRecord ReadParty(SqliteDataReader r) => new(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetString(3));

    private static TitleRecord ReadTitle(SqliteDataReader r) => new()
    {
        Hash = new Hash32((byte[])r.GetValue(0)), Index = r.GetInt64(1), Receipt = r.GetString(2), Depositor = r.GetString(3), Owner = r.GetString(4),
        Quantity = DecimalOf(r.GetString(5)), Unit = r.GetString(6), LotIndex = r.IsDBNull(7) ? null : r.GetInt64(7), Nonce = r.GetString(8),
    };

    private static LotRecord ReadLot(SqliteDataReader r) => new()
    {
        Receipt = r.GetString(0), LotIndex = r.GetInt64(1), TitleIndex = r.GetInt64(2), Gtin = r.GetString(3), Batch = r.GetString(4), Site = r.GetString(5),
        Zone = r.GetString(6), Status = Enum.Parse<LotStatus>(r.GetString(7), ignoreCase: true), Depositor = r.GetString(8), Owner = r.GetString(9),
        Quantity = DecimalOf(r.GetString(10)), Unit = r.GetString(11), IssuedMs = r.GetInt64(12), ValidUntilMs = r.GetInt64(13), LocationHead = r.GetInt64(14),
        LocationTimeMs = r.GetInt64(15), StatusHead = r.GetInt64(16), ActivePledge = r.IsDBNull(17) ? null : r.GetInt64(17),
        Controller = r.IsDBNull(18) ? null : r.GetString(18), ClosedAt = r.IsDBNull(19) ? null : r.GetInt64(19),
        DeliveredMs = r.IsDBNull(20) ? null : r.GetInt64(20), FrozenAt = r.IsDBNull(21) ? null : r.GetInt64(21), Terms = r.GetString(22),
        Children = r.GetString(23).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(c => LotChild.Parse(c) ?? throw new InvalidDataException($"the database holds '{c}' where a child receipt and quantity belong")).ToList(),
    };

    private static CalibrationRecord ReadCalibration(SqliteDataReader r)
    {
        var body = r.GetString(2).Split('\n').Select(line => EntryField.ParseLine(line) ?? throw new InvalidDataException($"calibration {r.GetInt64(0)}: bad stored line '{line}'")).ToList();
        return new CalibrationRecord(r.GetInt64(0), r.GetString(1), CalibrateStatement.FromBody(body).Value);
    }

    private static PledgeRecord ReadPledge(SqliteDataReader r) => new()
    {
        Index = r.GetInt64(0), Receipt = r.GetString(1), LotIndex = r.GetInt64(2), Lender = r.GetString(3), Owner = r.GetString(4), Amount = DecimalOf(r.GetString(5)),
        Currency = r.GetString(6), StartMs = r.GetInt64(7), EndMs = r.GetInt64(8), Status = Enum.Parse<PledgeStatus>(r.GetString(9), ignoreCase: true),
        EndedAt = r.IsDBNull(10) ? null : r.GetInt64(10), EndedAtMs = r.IsDBNull(11) ? null : r.GetInt64(11),
    };

    private static decimal DecimalOf(string text) =>
        CanonicalValues.TryParseDecimal(text, out var value) ? value : throw new InvalidDataException($"the database holds '{text}' where a canonical decimal belongs");

    /// <summary>Reads a device row whose first twelve columns are those of <c>devices</c> in table order.</summary>
    internal static DeviceRecord ReadDevice(SqliteDataReader reader)
    {
        var sensorText = reader.GetString(4);
        var sensors = sensorText.Length == 0
            ? []
            : sensorText.Split('\n').Select(s => SensorInfo.Parse(s).Value).ToList();
        return new DeviceRecord
        {
            DeviceId = reader.GetString(0),
            PublicKey = reader.GetString(1),
            Site = reader.IsDBNull(2) ? null : reader.GetString(2),
            Zone = reader.IsDBNull(3) ? null : reader.GetString(3),
            Sensors = sensors,
            EnrolmentIndex = reader.GetInt64(5),
            EnrolledBy = reader.GetString(6),
            RevocationIndex = reader.IsDBNull(7) ? null : reader.GetInt64(7),
            AnchorIndex = reader.IsDBNull(8) ? null : reader.GetInt64(8),
            AnchoredSize = reader.GetInt64(9),
            AnchoredRoot = new Hash32((byte[])reader.GetValue(10)),
            EquivocationIndex = reader.IsDBNull(11) ? null : reader.GetInt64(11),
        };
    }

    private SqliteCommand Prepare(string sql, int parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        for (var i = 0; i < parameters; i++)
        {
            command.Parameters.Add(new SqliteParameter($"$p{i}", null));
        }
        return command;
    }
}
