using System.Globalization;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Ledger;
using Microsoft.Data.Sqlite;

namespace AnchorNode.Storage;

/// <summary>
/// The ledger state in the node database (tables <c>meta</c>, <c>members</c>, <c>devices</c>,
/// <c>statements</c>). Runs on the connection it is given: inside the writer's transaction the
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
