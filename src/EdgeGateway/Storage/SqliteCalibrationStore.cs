using System.Text.Json;
using Firmware.Contracts.Calibration;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Storage;

/// <summary>
/// The node's last answer about this device's calibrations, kept in the gateway database (meta key
/// <c>calibrations</c>), so that after a restart without the node the alarms still use it, for as long as
/// the gateway stays offline.
/// </summary>
public sealed class SqliteCalibrationStore : IDisposable
{
    /// <summary>The meta key.</summary>
    public const string MetaKey = "calibrations";

    private readonly SqliteConnection _connection;

    private SqliteCalibrationStore(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens the database at <paramref name="path"/>.</summary>
    public static SqliteCalibrationStore Open(string path) => new(GatewayDatabase.OpenReadWrite(path));

    /// <summary>The answer last saved, or null (none yet, or one this version cannot read).</summary>
    public DeviceCalibrations? Load()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT value FROM meta WHERE key = $key;";
        command.Parameters.AddWithValue("$key", MetaKey);
        if (command.ExecuteScalar() is not string json)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(json, CalibrationJsonContext.Default.DeviceCalibrations);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Saves <paramref name="answer"/> in place of the last one (durably: one committed statement).</summary>
    public void Save(DeviceCalibrations answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        using var command = _connection.CreateCommand();
        command.CommandText = "INSERT INTO meta (key, value) VALUES ($key, $value) ON CONFLICT(key) DO UPDATE SET value = excluded.value;";
        command.Parameters.AddWithValue("$key", MetaKey);
        command.Parameters.AddWithValue("$value", JsonSerializer.Serialize(answer, CalibrationJsonContext.Default.DeviceCalibrations));
        command.ExecuteNonQuery();
    }

    /// <inheritdoc/>
    public void Dispose() => _connection.Dispose();
}
