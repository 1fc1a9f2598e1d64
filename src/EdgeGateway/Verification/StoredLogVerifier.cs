using System.Globalization;
using EdgeGateway.Storage;
using EdgeGateway.Uplink;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;
using Firmware.Contracts.Uplink;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Verification;

/// <summary>What <see cref="StoredLogVerifier"/> found: the facts it checked, in order, and the first problem, if any.</summary>
public sealed class VerificationReport
{
    private readonly List<KeyValuePair<string, string>> _facts = [];

    /// <summary>What was checked, as <c>name: value</c> pairs, in the order checked.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Facts => _facts;

    /// <summary>The first problem found, or null when the data is sound.</summary>
    public string? Problem { get; private set; }

    /// <summary>True when nothing was wrong.</summary>
    public bool Sound => Problem is null;

    internal void Add(string name, object? value) =>
        _facts.Add(new(name, value is null ? "-" : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "-"));

    internal void Fail(string problem) => Problem ??= problem;
}

/// <summary>
/// Checks a gateway's stored data (<c>EdgeGateway verify</c>) without trusting any of it: SQLite's
/// own integrity check, the bookkeeping, every stored leaf (gap-free sequence, hash, content), the
/// Merkle tree recomputed from the leaves against every stored node, every stored checkpoint's
/// signature with the device key and its root against the recomputed tree, and the uplink and disk
/// bookkeeping. Reads one snapshot through a read-only connection, so it may run beside the daemon.
/// Memory: the stored Merkle nodes (about one per 16 leaves) and the checkpoints; leaves are streamed.
/// </summary>
public sealed class StoredLogVerifier
{
    private readonly string _databasePath;
    private readonly Func<string, NoteVerifierKey> _keyFor;
    private readonly TimeProvider _clock;
    private readonly TimeSpan _progressInterval;
    private readonly Action<string> _progress;

    /// <param name="databasePath">The gateway database.</param>
    /// <param name="keyFor">The device key for the device id the database names (its public half is enough).</param>
    /// <param name="clock">When to report progress.</param>
    /// <param name="progressInterval">At most one progress line this often.</param>
    /// <param name="progress">Receives progress lines during long runs.</param>
    public StoredLogVerifier(string databasePath, Func<string, NoteVerifierKey> keyFor, TimeProvider clock, TimeSpan progressInterval, Action<string> progress)
    {
        _databasePath = databasePath;
        _keyFor = keyFor;
        _clock = clock;
        _progressInterval = progressInterval;
        _progress = progress;
    }

    /// <summary>Runs every check; stops at the first problem.</summary>
    /// <exception cref="IOException">When the database is missing or not an EdgeGateway database.</exception>
    /// <exception cref="SqliteException">When the database cannot be read.</exception>
    public VerificationReport Run()
    {
        var report = new VerificationReport();
        report.Add("database", _databasePath);
        using var connection = GatewayDatabase.OpenReadOnly(_databasePath);
        report.Add("schema-version", GatewayDatabase.SchemaVersion);
        var integrity = IntegrityCheck(connection);
        report.Add("integrity-check", integrity);
        if (integrity != "ok")
        {
            report.Fail($"SQLite's integrity check reports: {integrity}");
            return report;
        }
        // One snapshot for everything below, even while the daemon writes.
        using var snapshot = connection.BeginTransaction(deferred: true);
        new Pass(this, connection, snapshot, report).Run();
        return report;
    }

    private static string IntegrityCheck(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read() && lines.Count < 3)
        {
            lines.Add(reader.GetString(0));
        }
        return string.Join("; ", lines);
    }

    private sealed class Pass(StoredLogVerifier owner, SqliteConnection connection, SqliteTransaction snapshot, VerificationReport report)
    {
        private readonly Dictionary<string, object?> _meta = new(StringComparer.Ordinal);
        private readonly Dictionary<(int Level, long Index), Hash32> _nodes = [];
        private readonly HashSet<(int Level, long Index)> _nodesMatched = [];
        private readonly List<StoredCheckpoint> _checkpoints = [];
        private long _size;
        private long _pruned;
        private long _committed;
        private string _deviceId = "";

        public void Run()
        {
            if (!ReadMeta() || !ReadNodes() || !ReadCheckpoints() || !CheckSignatures() || !CheckLeavesAndTree() || !CheckBookkeeping())
            {
                return;
            }
            report.Add("result", "ok");
        }

        private bool Fail(string problem)
        {
            report.Fail(problem);
            report.Add("result", "problem");
            return false;
        }

        private SqliteCommand Command(string sql)
        {
            var command = connection.CreateCommand();
            command.Transaction = snapshot;
            command.CommandText = sql;
            return command;
        }

        private long? Long(string key) => _meta.GetValueOrDefault(key) is { } v && long.TryParse(Convert.ToString(v, CultureInfo.InvariantCulture), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

        private string? Text(string key) => _meta.GetValueOrDefault(key) is { } v ? Convert.ToString(v, CultureInfo.InvariantCulture) : null;

        private bool ReadMeta()
        {
            using (var command = Command("SELECT key, value FROM meta;"))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    _meta[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetValue(1);
                }
            }
            _deviceId = Text(MetaKeys.DeviceId) ?? "";
            report.Add("device-id", _deviceId.Length == 0 ? null : _deviceId);
            if (_deviceId.Length == 0)
            {
                return Fail($"the meta table has no {MetaKeys.DeviceId}");
            }
            foreach (var key in new[] { MetaKeys.LogSize, MetaKeys.PrunedBelow, MetaKeys.NodeCommittedSize })
            {
                if (Long(key) is not { } value || value < 0)
                {
                    return Fail($"the meta value {key} is missing or not a count ({Text(key) ?? "absent"})");
                }
            }
            _size = Long(MetaKeys.LogSize)!.Value;
            _pruned = Long(MetaKeys.PrunedBelow)!.Value;
            _committed = Long(MetaKeys.NodeCommittedSize)!.Value;
            report.Add("log-size", _size);
            report.Add("pruned-below", _pruned);
            report.Add("node-committed-size", _committed);
            if (_pruned > _size)
            {
                return Fail($"pruned-below {_pruned} is beyond the log size {_size}");
            }
            if (_pruned % (1 << MerkleLog.LevelStride) != 0)
            {
                return Fail($"pruned-below {_pruned} is not a multiple of {1 << MerkleLog.LevelStride}; the stored tree cannot continue from it");
            }
            return true;
        }

        private bool ReadNodes()
        {
            using var command = Command("SELECT level, idx, hash FROM merkle_nodes;");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var level = reader.GetInt64(0);
                var index = reader.GetInt64(1);
                var hash = reader.GetFieldValue<byte[]>(2);
                if (level <= 0 || level > 60 || level % MerkleLog.LevelStride != 0 || index < 0)
                {
                    return Fail($"merkle_nodes holds a row at level {level}, index {index}; only levels {MerkleLog.LevelStride}, {2 * MerkleLog.LevelStride}, … are stored");
                }
                if (hash.Length != Hash32.Length)
                {
                    return Fail($"Merkle node (level {level}, index {index}) is {hash.Length} bytes, not {Hash32.Length}");
                }
                if ((index + 1) << (int)level > _size || ((index + 1) << (int)level) >> (int)level != index + 1)
                {
                    return Fail($"Merkle node (level {level}, index {index}) covers leaves beyond the log size {_size}");
                }
                _nodes[((int)level, index)] = new Hash32(hash);
            }
            return true;
        }

        private bool ReadCheckpoints()
        {
            using var command = Command("SELECT size, root, time_ms, note FROM checkpoints ORDER BY size;");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var root = reader.GetFieldValue<byte[]>(1);
                var size = reader.GetInt64(0);
                if (root.Length != Hash32.Length)
                {
                    return Fail($"checkpoint {size}: the root column is {root.Length} bytes, not {Hash32.Length}");
                }
                _checkpoints.Add(new StoredCheckpoint(size, new Hash32(root), reader.GetInt64(2), reader.GetString(3)));
            }
            report.Add("checkpoints", _checkpoints.Count);
            report.Add("last-checkpoint", _checkpoints.Count == 0 ? null : _checkpoints[^1].Size);
            return true;
        }

        private bool CheckSignatures()
        {
            using var key = owner._keyFor(_deviceId);
            report.Add("device-key-id", key.KeyId.ToString("x8", CultureInfo.InvariantCulture));
            var policy = TrustPolicy.Single(key);
            var origin = DeviceLogs.Origin(_deviceId);
            foreach (var checkpoint in _checkpoints)
            {
                var verified = CheckpointVerifier.Verify(checkpoint.Note, policy, origin);
                if (!verified.Succeeded)
                {
                    return Fail($"checkpoint {checkpoint.Size} does not verify with the device key {key.KeyId:x8}: {verified.Failure}");
                }
                if (verified.Value.Checkpoint.Size != checkpoint.Size || verified.Value.Checkpoint.Root != checkpoint.Root)
                {
                    return Fail($"checkpoint row {checkpoint.Size} (root {checkpoint.Root.ToHex()}) does not match its signed note (size {verified.Value.Checkpoint.Size}, root {verified.Value.Checkpoint.Root.ToHex()})");
                }
                if (checkpoint.Size > _size)
                {
                    return Fail($"checkpoint {checkpoint.Size} is beyond the log size {_size}");
                }
                if (checkpoint.Size < _pruned)
                {
                    return Fail($"checkpoint {checkpoint.Size} is below pruned-below {_pruned}; pruning deletes those in the same transaction");
                }
            }
            report.Add("checkpoint-signatures", "ok");
            return true;
        }

        private bool CheckLeavesAndTree()
        {
            using (var below = Command("SELECT count(*) FROM leaves WHERE seq < $pruned;"))
            {
                below.Parameters.AddWithValue("$pruned", _pruned);
                if (Convert.ToInt64(below.ExecuteScalar(), CultureInfo.InvariantCulture) is var count and > 0)
                {
                    return Fail($"{count} leaf rows are below pruned-below {_pruned}");
                }
            }
            MerkleAppender tree;
            try
            {
                tree = MerkleAppender.Restore(_pruned, new MerkleTreeReader(new StoredNodes(_nodes)).Peaks(_pruned));
            }
            catch (KeyNotFoundException e)
            {
                return Fail($"cannot rebuild the tree at pruned-below {_pruned}: {e.Message}");
            }
            var nextCheckpoint = 0;
            if (!CheckCheckpointsAt(tree, ref nextCheckpoint))
            {
                return false;
            }

            var completed = new List<MerkleNode>(64);
            var expected = _pruned;
            var ticks = owner._clock.GetTimestamp();
            using (var command = Command("SELECT seq, hash, bytes FROM leaves WHERE seq >= $from ORDER BY seq;"))
            {
                command.Parameters.AddWithValue("$from", _pruned);
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    var seq = reader.GetInt64(0);
                    if (seq != expected)
                    {
                        return Fail(seq >= _size
                            ? $"leaf row {seq} is beyond the log size {_size} the bookkeeping records"
                            : $"leaf {expected} is missing (the next row is {seq})");
                    }
                    if (seq >= _size)
                    {
                        return Fail($"leaf row {seq} is beyond the log size {_size} the bookkeeping records");
                    }
                    var stored = reader.GetFieldValue<byte[]>(1);
                    var bytes = reader.GetFieldValue<byte[]>(2);
                    var hash = Rfc9162.HashLeaf(bytes);
                    if (stored.Length != Hash32.Length || new Hash32(stored) != hash)
                    {
                        return Fail($"leaf {seq} does not hash to its stored hash: its bytes or its hash were changed");
                    }
                    var parsed = ReadingLeaf.Parse(bytes);
                    if (!parsed.Succeeded)
                    {
                        return Fail($"leaf {seq} is not a valid leaf: {parsed.Failure}");
                    }
                    if (parsed.Value.Content.Sequence != seq || parsed.Value.Content.DeviceId != _deviceId)
                    {
                        return Fail($"leaf row {seq} holds leaf {parsed.Value.Content.Sequence} of device '{parsed.Value.Content.DeviceId}', not leaf {seq} of '{_deviceId}'");
                    }
                    completed.Clear();
                    tree.Append(hash, completed);
                    foreach (var node in completed)
                    {
                        if (node.Level == 0 || node.Level % MerkleLog.LevelStride != 0)
                        {
                            continue;
                        }
                        if (!_nodes.TryGetValue((node.Level, node.Index), out var storedNode))
                        {
                            return Fail($"Merkle node (level {node.Level}, index {node.Index}) is missing; the log cannot be extended or proven from here");
                        }
                        if (storedNode != node.Hash)
                        {
                            return Fail($"Merkle node (level {node.Level}, index {node.Index}) is {storedNode.ToHex()} but the leaves give {node.Hash.ToHex()}");
                        }
                        _nodesMatched.Add((node.Level, node.Index));
                    }
                    expected++;
                    if (!CheckCheckpointsAt(tree, ref nextCheckpoint))
                    {
                        return false;
                    }
                    if (owner._clock.GetElapsedTime(ticks) >= owner._progressInterval)
                    {
                        ticks = owner._clock.GetTimestamp();
                        owner._progress(string.Create(CultureInfo.InvariantCulture,
                            $"progress: {expected - _pruned} of {_size - _pruned} leaves checked ({100.0 * (expected - _pruned) / Math.Max(1, _size - _pruned):0.0} %)"));
                    }
                }
            }
            if (expected != _size)
            {
                return Fail($"leaves {expected}..{_size - 1} are missing: the bookkeeping records {_size} leaves");
            }
            report.Add("leaves-checked", expected - _pruned);
            report.Add("merkle-nodes-checked", _nodesMatched.Count);
            // Nodes wholly under the pruned part cannot be recomputed: they are the peaks that the
            // signed roots at and after the prune point were checked against.
            report.Add("merkle-nodes-under-pruned", _nodes.Count - _nodesMatched.Count);
            report.Add("checkpoint-roots", "ok");
            report.Add("root", tree.Root().ToHex());
            return true;
        }

        private bool CheckCheckpointsAt(MerkleAppender tree, ref int next)
        {
            while (next < _checkpoints.Count && _checkpoints[next].Size <= tree.Size)
            {
                var checkpoint = _checkpoints[next++];
                if (checkpoint.Size == tree.Size && tree.Root() != checkpoint.Root)
                {
                    return Fail($"the stored leaves give root {tree.Root().ToHex()} at size {checkpoint.Size}, but the device signed {checkpoint.Root.ToHex()}");
                }
            }
            return true;
        }

        private bool CheckBookkeeping()
        {
            var last = _checkpoints.Count == 0 ? 0 : _checkpoints[^1].Size;
            if (_committed > _size)
            {
                return Fail($"node-committed-size {_committed} is beyond the log size {_size}");
            }
            if (_pruned > _committed)
            {
                return Fail($"pruned-below {_pruned} is beyond what the node committed ({_committed}): leaves the node lacks were deleted");
            }
            if (_pruned > 0 && last < _pruned)
            {
                return Fail($"pruned-below {_pruned} but no checkpoint at or after it");
            }
            if (_committed > 0 && _committed >= _pruned && !_checkpoints.Any(c => c.Size == _committed))
            {
                return Fail($"node-committed-size {_committed} is not the size of a stored checkpoint; uploads always end at one");
            }
            if (Text(MetaKeys.UplinkState) is { } state && !KnownUplinkStates.Contains(state))
            {
                return Fail($"the uplink state '{state}' is not one the gateway records");
            }
            var since = Long(MetaKeys.DiskFullSinceMs);
            var refused = Long(MetaKeys.RefusedReadings) ?? 0;
            var cause = Text(MetaKeys.DiskFullCause);
            if (refused > 0 && since is null)
            {
                return Fail($"{refused} refused readings are recorded but no disk-full time");
            }
            if (cause is not null && cause != DiskFullCauses.Budget && cause != DiskFullCauses.FileSystem)
            {
                return Fail($"the disk-full cause '{cause}' is not one the gateway records");
            }
            report.Add("backlog", _size - _committed);
            report.Add("disk-full-since", since is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture) : null);
            report.Add("refused-readings", refused);
            report.Add("bookkeeping", "ok");
            return true;
        }

        private static readonly HashSet<string> KnownUplinkStates = new(StringComparer.Ordinal)
        {
            UplinkStates.Ok, UplinkStates.Offline, UplinkStates.UnknownDevice, UplinkStates.Revoked,
            UplinkStates.Equivocation, UplinkStates.Diverged, UplinkStates.Rejected,
        };
    }

    /// <summary>The stored interior nodes, as read, for rebuilding the tree at the prune point.</summary>
    private sealed class StoredNodes(Dictionary<(int Level, long Index), Hash32> nodes) : IMerkleHashStore
    {
        public void Read(int level, long index, Span<Hash32> destination)
        {
            for (var i = 0; i < destination.Length; i++)
            {
                destination[i] = nodes.TryGetValue((level, index + i), out var hash)
                    ? hash
                    : throw new KeyNotFoundException($"the stored Merkle node (level {level}, index {index + i}) is missing");
            }
        }

        public void Write(int level, long index, ReadOnlySpan<Hash32> hashes) =>
            throw new NotSupportedException("verification only reads");
    }
}
