using System.Text;
using AnchorNode.Storage;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AnchorNode.Ledger;

/// <summary>
/// Signs ledger checkpoints with this member's key and keeps every one. Before signing it proves,
/// from the stored tree, that the new checkpoint extends the previous one and the one in the guard
/// file; so the key never signs two inconsistent checkpoints. Runs in the writer's exclusive slot,
/// so it sees a ledger no append is changing.
/// </summary>
public sealed class LedgerCheckpointer
{
    private readonly SqliteLedgerSequencer _writer;
    private readonly INoteSigner _member;
    private readonly string _origin;
    private readonly TimeProvider _time;
    private readonly CheckpointGuard _guard;

    // The state map as last recorded (key → value), so that each checkpoint writes only what changed.
    private Dictionary<string, string>? _recorded;

    /// <summary>Signs checkpoints of <paramref name="origin"/> with <paramref name="member"/>.</summary>
    public LedgerCheckpointer(SqliteLedgerSequencer writer, INoteSigner member, string origin, TimeProvider time, CheckpointGuard guard)
    {
        _writer = writer;
        _member = member;
        _origin = origin;
        _time = time;
        _guard = guard;
    }

    // In a consortium ordered by etcd a member never picks a checkpoint's time alone: it seals the
    // size in etcd and signs when it applies the seal, as every member does.
    private Func<CancellationToken, Task<StoredCheckpoint?>>? _seal;

    /// <summary>Makes <see cref="SignIfGrownAsync"/> seal through the consortium's order (<paramref name="seal"/>) instead of signing alone.</summary>
    public void SealThrough(Func<CancellationToken, Task<StoredCheckpoint?>> seal) => _seal = seal;

    /// <summary>Signs a checkpoint of the current ledger if it grew since the last one; returns the new one or null.</summary>
    public Task<StoredCheckpoint?> SignIfGrownAsync(CancellationToken cancellationToken) =>
        _seal is { } seal ? seal(cancellationToken) : SignAsync(context => Sign(context, null), cancellationToken);

    /// <summary>
    /// Signs the checkpoint a consortium sealed at <paramref name="size"/> with time <paramref name="timeMs"/>
    /// (docs/spec-ledger.md §6), if the ledger has exactly that many entries when the writer runs it and
    /// this node has not signed that size yet; null otherwise. Every member signs the same text.
    /// </summary>
    public Task<StoredCheckpoint?> SignSealedAsync(long size, long timeMs, CancellationToken cancellationToken) =>
        SignAsync(context => Sign(context, (size, timeMs)), cancellationToken);

    private async Task<StoredCheckpoint?> SignAsync(Func<LedgerWriteContext, (StoredCheckpoint? Signed, Dictionary<string, string>? State)> sign, CancellationToken cancellationToken)
    {
        try
        {
            var (signed, state) = await _writer.RunExclusiveAsync(sign, cancellationToken).ConfigureAwait(false);
            if (state is not null)
            {
                _recorded = state;
            }
            return signed;
        }
        catch
        {
            // Whether the state rows were committed is unknown: read them again next time.
            _recorded = null;
            throw;
        }
    }

    private (StoredCheckpoint? Signed, Dictionary<string, string>? State) Sign(LedgerWriteContext context, (long Size, long TimeMs)? sealedAt)
    {
        var size = context.Ledger.Size;
        if (size == 0 || (sealedAt is { } seal && seal.Size != size))
        {
            return (null, null);
        }
        var last = context.Command("SELECT size, root, time_ms FROM checkpoints ORDER BY size DESC LIMIT 1");
        long lastSize = 0, lastTime = 0;
        Hash32 lastRoot = default;
        using (var reader = last.ExecuteReader())
        {
            if (reader.Read())
            {
                lastSize = reader.GetInt64(0);
                lastRoot = new Hash32((byte[])reader.GetValue(1));
                lastTime = reader.GetInt64(2);
            }
        }
        if (lastSize == size)
        {
            return (null, null);
        }
        if (sealedAt is { } sealTime && sealTime.TimeMs > _time.GetUtcNow().ToUnixTimeMilliseconds() + Firmware.Contracts.Uplink.ProblemTypes.MaxClockSkewMs)
        {
            throw new InvalidOperationException($"refusing to sign the consortium's checkpoint of size {size}: it is dated {sealTime.TimeMs}, more than {Firmware.Contracts.Uplink.ProblemTypes.MaxClockSkewMs / 60_000} minutes ahead of this member's clock");
        }
        var tree = context.Ledger.Reader;
        var root = tree.Root(size);
        if (root != context.Ledger.Root())
        {
            throw new InvalidOperationException($"refusing to sign: the stored tree's root at size {size} differs from the writer's; the hash tiles are damaged");
        }
        if (lastSize > size)
        {
            throw new InvalidOperationException($"refusing to sign: a checkpoint of size {lastSize} exists but the ledger has {size} entries");
        }
        if (lastSize > 0)
        {
            var proof = tree.ConsistencyProof(lastSize, size);
            var consistent = MerkleVerifier.VerifyConsistency(lastSize, size, lastRoot, root, proof);
            if (!consistent.Succeeded)
            {
                throw new InvalidOperationException($"refusing to sign: size {size} is not consistent with the last checkpoint (size {lastSize}): {consistent.Failure}");
            }
        }
        _guard.Check(size, tree);
        // The state after this size: the writer's slot sees no append in progress.
        var state = LedgerStateMap.Entries(context.State);
        var stateRoot = LedgerStateMap.Tree(state).Root;
        var recorded = _recorded ?? StateValues.At(context.Connection, lastSize).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        StateValues.Record(context.Connection, size, state, recorded);
        // Checkpoint times never go backwards, even if the clock does. A consortium's seal carries
        // the time every member signs (the sealing member took it the same way).
        var time = sealedAt?.TimeMs ?? Math.Max(_time.GetUtcNow().ToUnixTimeMilliseconds(), lastTime);
        var note = new Checkpoint(_origin, size, root, [Checkpoint.TimeExtension(time), Checkpoint.StateExtension(stateRoot)]).Sign(_member);
        _guard.Record(size, root);
        var insert = context.Command("INSERT INTO checkpoints (size, root, time_ms, note, signatures) VALUES ($size, $root, $time, $note, 1)", "$size", "$root", "$time", "$note");
        insert.Parameters[0].Value = size;
        insert.Parameters[1].Value = root.Bytes.ToArray();
        insert.Parameters[2].Value = time;
        insert.Parameters[3].Value = note.ToString();
        insert.ExecuteNonQuery();
        return (new StoredCheckpoint(size, time, note.ToString(), 1), state.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal));
    }
}

/// <summary>
/// Signs a ledger checkpoint every interval while entries arrive (in a consortium ordered by etcd:
/// seals one there and signs it, through <see cref="LedgerCheckpointer.SealThrough"/>).
/// </summary>
public sealed partial class CheckpointService : BackgroundService
{
    private readonly LedgerCheckpointer _checkpointer;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger<CheckpointService> _logger;
    private string? _lastOutage;

    /// <summary>Signs with <paramref name="checkpointer"/> every <paramref name="interval"/>.</summary>
    public CheckpointService(LedgerCheckpointer checkpointer, TimeSpan interval, TimeProvider time, ILogger<CheckpointService> logger)
    {
        _checkpointer = checkpointer;
        _interval = interval;
        _time = time;
        _logger = logger;
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        do
        {
            try
            {
                if (await _checkpointer.SignIfGrownAsync(stoppingToken) is { } signed)
                {
                    LogSigned(_logger, signed.Size);
                }
            }
            catch (InvalidOperationException e)
            {
                // Refusing to sign is the safe outcome; keep serving and keep saying why.
                LogRefused(_logger, e.Message);
            }
            catch (LedgerWriteException e)
            {
                LogRefused(_logger, e.Message);
            }
            catch (Microsoft.Data.Sqlite.SqliteException e)
            {
                // A busy or failing disk must not stop the node from serving; the next tick retries.
                LogRefused(_logger, e.Message);
            }
            catch (Exception e) when (e is EtcdUnavailableException or LedgerUnavailableException)
            {
                // A consortium's etcd without quorum, or a node that stopped applying its order:
                // said once per outage, not every tick.
                if (e.Message != _lastOutage)
                {
                    LogRefused(_logger, e.Message);
                }
                _lastOutage = e.Message;
                continue;
            }
            _lastOutage = null;
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Signed ledger checkpoint at size {Size}")]
    private static partial void LogSigned(ILogger logger, long size);

    [LoggerMessage(Level = LogLevel.Error, Message = "Not signing a ledger checkpoint: {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}

internal static class NoteText
{
    /// <summary>The text part of a note in wire form (up to and including the newline before the blank line).</summary>
    public static string TextOf(string note)
    {
        var split = note.LastIndexOf("\n\n", StringComparison.Ordinal);
        return split < 0 ? note : note[..(split + 1)];
    }

    public static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
