using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Tests.Support;

/// <summary>
/// Reads a gateway database the way an auditor would, with its own SQL and the contract's Merkle
/// code, independently of the gateway's storage classes: every leaf row, every checkpoint, the
/// bookkeeping, and <c>PRAGMA integrity_check</c>.
/// </summary>
public sealed class LogAudit
{
    private readonly MerkleLog _tree;

    private LogAudit(string integrity, long prunedBelow, long recordedSize, List<(long Seq, byte[] Hash, byte[] Bytes)> leaves,
        List<(long Size, byte[] Root, string Note)> checkpoints, Dictionary<string, object?> meta)
    {
        Integrity = integrity;
        PrunedBelow = prunedBelow;
        RecordedSize = recordedSize;
        Leaves = leaves;
        Checkpoints = checkpoints;
        Meta = meta;
        _tree = new MerkleLog(new InMemoryMerkleHashStore());
        if (prunedBelow == 0)
        {
            foreach (var leaf in leaves)
            {
                _tree.Append(Rfc9162.HashLeaf(leaf.Bytes));
            }
        }
    }

    public string Integrity { get; }

    public long PrunedBelow { get; }

    public long RecordedSize { get; }

    public List<(long Seq, byte[] Hash, byte[] Bytes)> Leaves { get; }

    public List<(long Size, byte[] Root, string Note)> Checkpoints { get; }

    public Dictionary<string, object?> Meta { get; }

    public IEnumerable<LeafContent> Contents => Leaves.Select(l => ReadingLeaf.Parse(l.Bytes).Value.Content);

    public static LogAudit Read(string databasePath)
    {
        SQLitePCL.Batteries_V2.Init();
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        string integrity;
        using (var check = connection.CreateCommand())
        {
            check.CommandText = "PRAGMA integrity_check;";
            integrity = (string)check.ExecuteScalar()!;
        }
        var meta = new Dictionary<string, object?>(StringComparer.Ordinal);
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT key, value FROM meta;";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                meta[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetValue(1);
            }
        }
        var leaves = new List<(long, byte[], byte[])>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT seq, hash, bytes FROM leaves ORDER BY seq;";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                leaves.Add((reader.GetInt64(0), reader.GetFieldValue<byte[]>(1), reader.GetFieldValue<byte[]>(2)));
            }
        }
        var checkpoints = new List<(long, byte[], string)>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT size, root, note FROM checkpoints ORDER BY size;";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                checkpoints.Add((reader.GetInt64(0), reader.GetFieldValue<byte[]>(1), reader.GetString(2)));
            }
        }
        return new LogAudit(integrity, Convert.ToInt64(meta["pruned_below"]), Convert.ToInt64(meta["log_size"]), leaves, checkpoints, meta);
    }

    /// <summary>The root of the first <paramref name="size"/> leaves, recomputed from their bytes.</summary>
    public Hash32 RootAt(long size)
    {
        if (PrunedBelow != 0)
        {
            throw new InvalidOperationException("leaves were pruned: roots cannot be recomputed from bytes");
        }
        return _tree.Reader.Root(size);
    }

    /// <summary>Fails with a reason unless rows are 0.., gap-free, each the leaf of its sequence for the device, hashing to its stored hash.</summary>
    public void AssertLeavesSound(string deviceId)
    {
        Assert.Equal("ok", Integrity);
        var expected = PrunedBelow;
        foreach (var (seq, hash, bytes) in Leaves)
        {
            Assert.True(seq == expected, $"leaf rows jump from {expected - 1} to {seq}");
            var parsed = ReadingLeaf.Parse(bytes);
            Assert.True(parsed.Succeeded, $"leaf {seq} does not parse: {parsed.Failure}");
            Assert.Equal(seq, parsed.Value.Content.Sequence);
            Assert.Equal(deviceId, parsed.Value.Content.DeviceId);
            Assert.Equal(Rfc9162.HashLeaf(bytes).ToHex(), Convert.ToHexStringLower(hash));
            expected++;
        }
        Assert.Equal(RecordedSize, expected);
    }

    /// <summary>Fails unless every stored checkpoint verifies with the device key and has the root recomputed from the leaves.</summary>
    public void AssertCheckpointsSound(NoteVerifierKey deviceKey, string deviceId)
    {
        var policy = TrustPolicy.Single(deviceKey);
        foreach (var (size, root, note) in Checkpoints)
        {
            var verified = CheckpointVerifier.Verify(note, policy, DeviceLogs.Origin(deviceId));
            Assert.True(verified.Succeeded, $"checkpoint {size}: {verified.Failure}");
            Assert.Equal(size, verified.Value.Checkpoint.Size);
            Assert.Equal(Convert.ToHexStringLower(root), verified.Value.Checkpoint.Root.ToHex());
            Assert.True(size <= RecordedSize, $"checkpoint {size} beyond the log size {RecordedSize}");
            Assert.Equal(RootAt(size), verified.Value.Checkpoint.Root);
        }
    }
}
