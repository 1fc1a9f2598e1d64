using Firmware.Contracts.Readings;
using Microsoft.Data.Sqlite;

namespace AnchorNode.Storage;

/// <summary>
/// The <c>epc_observations</c> index: every RFID read (observation leaf with an EPC) in this node's
/// copy of the device logs, by EPC. It is how a lot's cargo is traced to readers and times without
/// decoding every stored upload. Kept in the upload's transaction; rebuilt from the stored leaves
/// when a database from before the index is opened.
/// </summary>
internal static class EpcObservations
{
    public const string InsertSql = "INSERT OR IGNORE INTO epc_observations (epc, device, seq, time_ms, sensor) VALUES ($epc, $device, $seq, $time, $sensor)";

    private const string BuiltKey = "epc_index";

    /// <summary>True when the leaf is an RFID read worth indexing.</summary>
    public static bool IsIndexed(LeafContent content) =>
        content.Kind == LeafKind.Observation && content.StringValue is { } value && value.StartsWith("urn:epc:", StringComparison.Ordinal) && content.SensorId is not null;

    /// <summary>Builds the index from the stored leaves once, inside <paramref name="tx"/>.</summary>
    public static void EnsureBuilt(SqliteConnection connection, SqliteTransaction tx) =>
        StoredLeafIndex.EnsureBuilt(connection, tx, BuiltKey, LeafKind.Observation, IsIndexed, InsertSql, ["$epc", "$device", "$seq", "$time", "$sensor"], Bind);

    public static void Bind(SqliteCommand insert, string deviceId, LeafContent content)
    {
        insert.Parameters[0].Value = content.StringValue;
        insert.Parameters[1].Value = deviceId;
        insert.Parameters[2].Value = content.Sequence;
        insert.Parameters[3].Value = content.TimeMs;
        insert.Parameters[4].Value = content.SensorId;
    }
}
