using System.Diagnostics;
using Firmware.Contracts;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Readings;
using Microsoft.Data.Sqlite;

namespace AnchorNode.Storage;

/// <summary>What an audit of a node's data checked.</summary>
public sealed record AuditReport
{
    /// <summary>Ledger entries replayed through the rules.</summary>
    public long Entries { get; init; }

    /// <summary>Stored checkpoints whose root, signatures and state root were recomputed.</summary>
    public int Checkpoints { get; init; }

    /// <summary>Of those, the ones that commit to the state map.</summary>
    public int StateRoots { get; init; }

    /// <summary>Device logs whose leaves were checked against their anchors.</summary>
    public int Devices { get; init; }

    /// <summary>Device leaves checked.</summary>
    public long Leaves { get; init; }

    /// <summary>The first problem, or null when everything held.</summary>
    public Failure? Problem { get; init; }
}

/// <summary>
/// Checks a node's stored data the way a fresh replica would, without trusting any of it (the
/// node's <c>verify</c> command): SQLite's integrity check; every ledger entry replayed from 0
/// through the rules into a new state; at each stored checkpoint the recomputed ledger root, the
/// stored hash tiles, every signature line, and the state root the checkpoint commits to (and the
/// stored state map); the stored state tables against the replayed state; every device's stored
/// leaves (contiguous, well-formed, its own) against the root of every anchor and its stored tiles.
/// Stops at the first problem and names it.
/// </summary>
public sealed class NodeAudit(string databasePath, string consortium)
{
    /// <summary>Runs the audit; <paramref name="progress"/> hears what it is doing every few seconds.</summary>
    /// <exception cref="SqliteException">
    /// When SQLite could not read the file for a reason that says nothing about the data (see
    /// <see cref="IsAccessError"/>; a lock held too long). Damage it trips over is the report's problem.
    /// </exception>
    public AuditReport Run(Action<string> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(progress);
        try
        {
            return Audit(progress, cancellationToken);
        }
        catch (SqliteException e) when (e.SqliteErrorCode is SQLitePCL.raw.SQLITE_CORRUPT or SQLitePCL.raw.SQLITE_NOTADB or SQLitePCL.raw.SQLITE_IOERR)
        {
            return new AuditReport { Problem = new Failure("damaged-store", $"SQLite cannot read {databasePath}: {e.Message}") };
        }
    }

    /// <summary>
    /// The file could not be opened or read with the access this process has (as opposed to damage):
    /// no permission, or a read-only folder in which SQLite cannot create the write-ahead log's index.
    /// </summary>
    public static bool IsAccessError(SqliteException exception) =>
        exception?.SqliteErrorCode is SQLitePCL.raw.SQLITE_CANTOPEN or SQLitePCL.raw.SQLITE_READONLY or SQLitePCL.raw.SQLITE_PERM or SQLitePCL.raw.SQLITE_AUTH;

    private AuditReport Audit(Action<string> progress, CancellationToken cancellationToken)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        var report = new AuditReport();
        using (var check = connection.CreateCommand())
        {
            check.CommandText = "PRAGMA integrity_check";
            if (check.ExecuteScalar() as string is var result && result != "ok")
            {
                return report with { Problem = new Failure("integrity-check", $"SQLite's integrity check of {databasePath} failed: {result}") };
            }
        }
        // One snapshot for the whole audit: a node may be appending meanwhile.
        NodeDatabase.Execute(connection, "BEGIN");
        var size = long.Parse(Scalar(connection, "SELECT value FROM meta WHERE key = 'ledger_size'") as string ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        var checkpoints = ReadCheckpoints(connection);
        var state = new InMemoryLedgerState(consortium);
        var rules = new LedgerRules(null, InventoryRules.All);
        var log = new MerkleLog(new InMemoryMerkleHashStore());
        using var tiles = new SqliteTileStore(connection);
        var storedLedger = new MerkleTreeReader(tiles.Log(0));
        var anchors = new List<(string Device, long Index, long Size, Hash32 Root)>();
        var next = 0;
        var clock = Stopwatch.StartNew();
        long previousTime = 0;

        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT idx, bytes FROM entries ORDER BY idx";
            using var rows = read.ExecuteReader();
            long index = 0;
            while (true)
            {
                // A checkpoint of size n is checked once n entries are replayed.
                while (next < checkpoints.Count && checkpoints[next].Size == index)
                {
                    var problem = CheckCheckpoint(checkpoints[next], log, storedLedger, state, connection, ref previousTime);
                    if (problem is not null)
                    {
                        return report with { Entries = index, Checkpoints = next, Problem = problem };
                    }
                    report = report with { Checkpoints = next + 1, StateRoots = report.StateRoots + (checkpoints[next].Note.Contains("\nstate ", StringComparison.Ordinal) ? 1 : 0) };
                    next++;
                }
                if (!rows.Read())
                {
                    break;
                }
                cancellationToken.ThrowIfCancellationRequested();
                var stored = rows.GetInt64(0);
                if (stored != index)
                {
                    return report with { Entries = index, Problem = new Failure("missing-entry", $"ledger entry {index} is missing: the next stored entry is {stored}") };
                }
                var bytes = (byte[])rows.GetValue(1);
                var appended = rules.Append(bytes, state);
                if (!appended.Succeeded)
                {
                    return report with { Entries = index, Problem = new Failure(appended.Failure!.Code, $"ledger entry {index} breaks the rules on replay: {appended.Failure.Message}") };
                }
                log.Append(appended.Value.LeafHash);
                if (appended.Value.Kind == EntryKinds.Anchor && AnchorEntry.From(appended.Value) is { Succeeded: true } anchor)
                {
                    anchors.Add((anchor.Value.DeviceId, index, anchor.Value.Checkpoint.Size, anchor.Value.Checkpoint.Root));
                }
                index++;
                if (clock.Elapsed > TimeSpan.FromSeconds(3))
                {
                    progress($"replayed {index} of {size} ledger entries");
                    clock.Restart();
                }
            }
            report = report with { Entries = index };
            if (index != size)
            {
                return report with { Problem = new Failure("missing-entry", $"the ledger holds {index} entries, its size says {size}") };
            }
        }
        if (next < checkpoints.Count)
        {
            return report with { Problem = new Failure("checkpoint-beyond-ledger", $"a checkpoint of size {checkpoints[next].Size} is stored, but the ledger has {size} entries") };
        }
        if (size > 0 && storedLedger.Root(size) != log.Root())
        {
            return report with { Problem = new Failure("tile-mismatch", $"the stored hash tiles give root {storedLedger.Root(size).ToBase64()} at size {size}, the entries {log.Root().ToBase64()}") };
        }
        var stateProblem = CompareState(connection, state);
        if (stateProblem is not null)
        {
            return report with { Problem = stateProblem };
        }
        return CheckDevices(connection, tiles, anchors, report, progress, cancellationToken);
    }

    private Failure? CheckCheckpoint(StoredCheckpoint checkpoint, MerkleLog log, MerkleTreeReader storedLedger, InMemoryLedgerState state, SqliteConnection connection, ref long previousTime)
    {
        var where = $"the stored checkpoint of size {checkpoint.Size}";
        var note = SignedNote.Parse(checkpoint.Note);
        var parsed = note.Succeeded ? Checkpoint.ParseText(note.Value.Text) : Result<Checkpoint>.Fail(note.Failure!.Code, note.Failure.Message);
        if (!parsed.Succeeded)
        {
            return new Failure("checkpoint-format", $"{where} is not a signed checkpoint: {parsed.Failure!.Message}");
        }
        var c = parsed.Value;
        if (c.Origin != LedgerNames.Origin(consortium) || c.Size != checkpoint.Size)
        {
            return new Failure("checkpoint-format", $"{where} says origin {c.Origin} and size {c.Size}");
        }
        if (checkpoint.Size > 0 && c.Root != log.Root())
        {
            return new Failure("root-mismatch", $"{where} has root {c.Root.ToBase64()}, but replaying the entries gives {log.Root().ToBase64()}");
        }
        if (checkpoint.Size > 0 && storedLedger.Root(checkpoint.Size) != c.Root)
        {
            return new Failure("tile-mismatch", $"the stored hash tiles give root {storedLedger.Root(checkpoint.Size).ToBase64()} at size {checkpoint.Size}, {where} {c.Root.ToBase64()}");
        }
        if (c.TimeMs is not { } time || time < previousTime)
        {
            return new Failure("checkpoint-time", $"{where} has time {c.TimeMs}, before the previous checkpoint's ({previousTime})");
        }
        previousTime = time;
        foreach (var signature in note.Value.Signatures)
        {
            var member = state.Member(signature.KeyName);
            var key = member is null ? null : NoteVerifierKey.FromSpki(member.Name, Convert.FromBase64String(member.PublicKey));
            if (key is null || key.KeyId != signature.KeyId || !key.Verify(System.Text.Encoding.UTF8.GetBytes(note.Value.Text), signature.Signature.Span))
            {
                return new Failure(LedgerFailures.BadSignature, $"{where}: the signature line of '{signature.KeyName}' is not a valid signature by a member");
            }
        }
        if (c.StateRoot is { } stateRoot)
        {
            if (c.LedgerExtensionProblem() is { } problem)
            {
                return new Failure("checkpoint-format", $"{where}: {problem}");
            }
            var replayed = LedgerStateMap.Entries(state);
            if (LedgerStateMap.Tree(replayed).Root != stateRoot)
            {
                return new Failure("state-mismatch", $"{where} commits to state root {stateRoot.ToBase64()}, but the state replayed to its size has {LedgerStateMap.Tree(replayed).Root.ToBase64()}{FirstDifference(replayed, StateValues.At(connection, checkpoint.Size))}");
            }
            var stored = StateValues.At(connection, checkpoint.Size);
            if (FirstDifference(replayed, stored) is { Length: > 0 } difference)
            {
                return new Failure("state-mismatch", $"the stored state map at size {checkpoint.Size} differs from the replayed one{difference}");
            }
        }
        return null;
    }

    private static string FirstDifference(IReadOnlyList<StateEntry> replayed, IReadOnlyList<StateEntry> stored)
    {
        var a = replayed.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        var b = stored.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        var key = a.Keys.Union(b.Keys).Order(StringComparer.Ordinal).FirstOrDefault(k => a.GetValueOrDefault(k) != b.GetValueOrDefault(k));
        return key is null ? "" : $": key '{key}' is {Show(a.GetValueOrDefault(key))} on replay, {Show(b.GetValueOrDefault(key))} as stored";
    }

    private static string Show(string? value) => value is null ? "absent" : $"'{value.Replace('\n', ';')}'";

    private Failure? CompareState(SqliteConnection connection, InMemoryLedgerState replayed)
    {
        using var stored = new SqliteLedgerState(connection, consortium);
        var a = replayed.Describe().Split('\n');
        var b = stored.Describe().Split('\n');
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var x = i < a.Length ? a[i] : "(nothing)";
            var y = i < b.Length ? b[i] : "(nothing)";
            if (x != y)
            {
                return new Failure("state-mismatch", $"the stored ledger state differs from the replayed one: replayed '{x}', stored '{y}'");
            }
        }
        return null;
    }

    private static AuditReport CheckDevices(SqliteConnection connection, SqliteTileStore tiles, List<(string Device, long Index, long Size, Hash32 Root)> anchors, AuditReport report,
        Action<string> progress, CancellationToken cancellationToken)
    {
        var logs = new List<(string Device, long Log, long Size)>();
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT device, log, size FROM device_logs ORDER BY device";
            using var rows = read.ExecuteReader();
            while (rows.Read())
            {
                logs.Add((rows.GetString(0), rows.GetInt64(1), rows.GetInt64(2)));
            }
        }
        long leaves = 0;
        var devices = 0;
        foreach (var (device, logId, size) in logs)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress($"checking the {size} leaves of {device}");
            var tree = new MerkleLog(new InMemoryMerkleHashStore());
            using var read = connection.CreateCommand();
            read.CommandText = "SELECT leaves FROM leaf_chunks WHERE log = $log ORDER BY first_seq";
            read.Parameters.AddWithValue("$log", logId);
            using var rows = read.ExecuteReader();
            var mine = anchors.Where(a => a.Device == device).OrderBy(a => a.Size).ToList();
            var nextAnchor = 0;
            while (rows.Read())
            {
                List<StoredLeaf> chunk;
                try
                {
                    chunk = LeafChunk.Decode((byte[])rows.GetValue(0));
                }
                catch (InvalidDataException e)
                {
                    return report with { Devices = devices, Leaves = leaves, Problem = new Failure("damaged-store", $"a stored chunk of {device}'s leaves: {e.Message}") };
                }
                foreach (var leaf in chunk)
                {
                    if (leaf.Seq != tree.Size)
                    {
                        return report with { Devices = devices, Leaves = leaves, Problem = new Failure("missing-leaf", $"{device}: leaf {tree.Size} is missing (the next stored one is {leaf.Seq})") };
                    }
                    var parsed = ReadingLeaf.Parse(leaf.Bytes.Span);
                    if (!parsed.Succeeded || parsed.Value.Content.DeviceId != device || parsed.Value.Content.Sequence != leaf.Seq || parsed.Value.Content.TimeMs != leaf.TimeMs)
                    {
                        return report with { Devices = devices, Leaves = leaves, Problem = new Failure("damaged-leaf", $"{device}: stored leaf {leaf.Seq} is not its well-formed leaf {leaf.Seq}: {parsed.Failure?.Message ?? "device, sequence or time differ"}") };
                    }
                    tree.Append(parsed.Value.LeafHash);
                    leaves++;
                    while (nextAnchor < mine.Count && mine[nextAnchor].Size == tree.Size)
                    {
                        if (tree.Root() != mine[nextAnchor].Root)
                        {
                            return report with { Devices = devices, Leaves = leaves, Problem = new Failure("root-mismatch", $"{device}: the stored leaves 0..{tree.Size - 1} give root {tree.Root().ToBase64()}, but the anchor at ledger index {mine[nextAnchor].Index} says {mine[nextAnchor].Root.ToBase64()}") };
                        }
                        nextAnchor++;
                    }
                }
            }
            if (tree.Size != size)
            {
                return report with { Devices = devices, Leaves = leaves, Problem = new Failure("missing-leaf", $"{device}: {tree.Size} leaves are stored, the log says {size}") };
            }
            if (mine.Count > 0 && mine[^1].Size > tree.Size)
            {
                return report with { Devices = devices, Leaves = leaves, Problem = new Failure("missing-leaf", $"{device}: anchored to size {mine[^1].Size}, but only {tree.Size} leaves are stored") };
            }
            if (size > 0 && new MerkleTreeReader(tiles.Log(logId)).Root(size) != tree.Root())
            {
                return report with { Devices = devices, Leaves = leaves, Problem = new Failure("tile-mismatch", $"{device}: the stored hash tiles disagree with the stored leaves at size {size}") };
            }
            devices++;
        }
        return report with { Devices = devices, Leaves = leaves };
    }

    private static List<StoredCheckpoint> ReadCheckpoints(SqliteConnection connection)
    {
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT size, time_ms, note, signatures FROM checkpoints ORDER BY size";
        using var rows = read.ExecuteReader();
        var list = new List<StoredCheckpoint>();
        while (rows.Read())
        {
            list.Add(new StoredCheckpoint(rows.GetInt64(0), rows.GetInt64(1), rows.GetString(2), rows.GetInt32(3)));
        }
        return list;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
