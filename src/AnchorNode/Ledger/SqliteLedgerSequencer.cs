using System.Threading.Channels;
using AnchorNode.Storage;
using Firmware.Contracts;
using Firmware.Contracts.Ledger;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace AnchorNode.Ledger;

/// <summary>
/// The local ordering port: one writer task owns the SQLite write connection and appends proposals
/// in arrival order. Proposals that arrive while a commit is on disk are validated and appended
/// together and committed with one fsync (group commit); each is answered only after that commit.
/// A rejected proposal rolls back to its savepoint and leaves the rest of its batch alone.
/// Other processes (CLI commands) may append to the same file: SQLite's write lock orders them,
/// and every transaction starts by re-reading the ledger size from the database.
/// </summary>
public sealed partial class SqliteLedgerSequencer : ILedgerSequencer, IAsyncDisposable
{
    private readonly Channel<WorkItem> _queue = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly LedgerRules _rules;
    private readonly IReadOnlyList<ILedgerProjection> _projections;
    private readonly ILogger _logger;
    private readonly int _maxBatch;
    private readonly SqliteConnection _connection;
    private readonly LedgerWriteContext _context;
    private readonly Task _loop;

    /// <summary>Opens the writer connection and starts the writer task.</summary>
    public SqliteLedgerSequencer(NodeDatabase database, string consortium, LedgerRules rules, IEnumerable<ILedgerProjection> projections, ILogger<SqliteLedgerSequencer> logger, int maxBatch = 1024)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _rules = rules;
        _projections = projections.ToList();
        _logger = logger;
        _maxBatch = maxBatch;
        _connection = database.OpenWriter();
        _context = new LedgerWriteContext(_connection, consortium);
        _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>The failure when a proposal's <see cref="LedgerProposal.ExpectedIndex"/> is not the next index.</summary>
    public const string NotAtPosition = "ledger-position";

    /// <summary>Batches committed so far.</summary>
    public long Commits { get; private set; }

    /// <inheritdoc/>
    public Task<Result<AppendedEntry>> AppendAsync(LedgerProposal proposal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        var item = new AppendItem(proposal);
        if (!_queue.Writer.TryWrite(item))
        {
            throw new ObjectDisposedException(nameof(SqliteLedgerSequencer), "the ledger writer has stopped");
        }
        // Once queued the append may still commit; cancelling only stops the wait.
        return item.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="work"/> alone in a write transaction between batches (checkpoint signing,
    /// maintenance). It commits when <paramref name="work"/> returns and rolls back when it throws.
    /// </summary>
    public Task<T> RunExclusiveAsync<T>(Func<LedgerWriteContext, T> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var item = new ExclusiveItem<T>(work);
        if (!_queue.Writer.TryWrite(item))
        {
            throw new ObjectDisposedException(nameof(SqliteLedgerSequencer), "the ledger writer has stopped");
        }
        return item.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Checks <paramref name="proposals"/> in order against the ledger as it is when it has exactly
    /// <paramref name="expectedSize"/> entries, each against the state the accepted ones before it
    /// imply, and keeps nothing: the transaction always rolls back. Null when the ledger does not have
    /// <paramref name="expectedSize"/> entries. Attachments are not run.
    /// </summary>
    public Task<IReadOnlyList<Result<LedgerEntry>>?> ValidateAsync(IReadOnlyList<LedgerProposal> proposals, long expectedSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proposals);
        var item = new ExclusiveItem<IReadOnlyList<Result<LedgerEntry>>?>(context => Validate(context, proposals, expectedSize), commit: false);
        if (!_queue.Writer.TryWrite(item))
        {
            throw new ObjectDisposedException(nameof(SqliteLedgerSequencer), "the ledger writer has stopped");
        }
        return item.Completion.Task.WaitAsync(cancellationToken);
    }

    private List<Result<LedgerEntry>>? Validate(LedgerWriteContext context, IReadOnlyList<LedgerProposal> proposals, long expectedSize)
    {
        if (context.State.Size != expectedSize)
        {
            return null;
        }
        var results = new List<Result<LedgerEntry>>(proposals.Count);
        foreach (var proposal in proposals)
        {
            _context.Execute("SAVEPOINT proposal");
            var checkedEntry = proposal.Parsed is { } parsed ? _rules.Append(parsed, _context.State) : _rules.Append(proposal.Entry, _context.State);
            if (!checkedEntry.Succeeded)
            {
                _context.Execute("ROLLBACK TO proposal");
            }
            _context.Execute("RELEASE proposal");
            results.Add(checkedEntry);
        }
        return results;
    }

    /// <summary>
    /// Appends <paramref name="proposals"/> in one transaction and keeps them only if every one is
    /// accepted and <paramref name="check"/>, run on the result, succeeds; otherwise nothing is kept
    /// and the first failure is returned. For a history taken from elsewhere that must match a
    /// checkpoint before this node keeps any of it.
    /// </summary>
    public async Task<Result> AppendAllAsync(IReadOnlyList<LedgerProposal> proposals, Func<LedgerWriteContext, Result> check, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proposals);
        ArgumentNullException.ThrowIfNull(check);
        try
        {
            return await RunExclusiveAsync(context =>
            {
                var hashes = new List<Firmware.Contracts.Hashing.Hash32>(proposals.Count);
                foreach (var proposal in proposals)
                {
                    var appended = AppendOne(proposal);
                    if (!appended.Succeeded)
                    {
                        throw new RefusedException(appended.Failure!);
                    }
                    hashes.Add(appended.Value.Entry.LeafHash);
                }
                context.Ledger.Append(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(hashes));
                var checkedResult = check(context);
                return checkedResult.Succeeded ? Result.Ok : throw new RefusedException(checkedResult.Failure!);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (RefusedException refused)
        {
            return refused.Failure;
        }
    }

    private sealed class RefusedException(Failure failure) : Exception(failure.Message)
    {
        public Failure Failure { get; } = failure;
    }

    /// <summary>Stops taking work, finishes what is queued, and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        _context.Dispose();
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var batch = new List<AppendItem>(_maxBatch);
        WorkItem? held = null;
        while (held is not null || await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            if (held is AppendItem first)
            {
                batch.Add(first);
                held = null;
            }
            while (held is null && batch.Count < _maxBatch && _queue.Reader.TryRead(out var next))
            {
                if (next is AppendItem append)
                {
                    batch.Add(append);
                }
                else
                {
                    held = next;
                }
            }
            if (batch.Count > 0)
            {
                CommitBatch(batch);
            }
            if (held is not null and not AppendItem)
            {
                held.RunAlone(this);
                held = null;
            }
        }
    }

    private void CommitBatch(List<AppendItem> batch)
    {
        var results = new Result<AppendedEntry>[batch.Count];
        try
        {
            _context.Execute("BEGIN IMMEDIATE");
            _context.Resync();
            var leafHashes = new List<Firmware.Contracts.Hashing.Hash32>(batch.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                results[i] = AppendOne(batch[i].Proposal);
                if (results[i].Succeeded)
                {
                    leafHashes.Add(results[i].Value.Entry.LeafHash);
                }
            }
            // The ledger's hash tiles are written once per batch: entries appended one by one would
            // rewrite the same partly filled tile each time.
            _context.Ledger.Append(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(leafHashes));
            _context.Execute("COMMIT");
            Commits++;
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException or IOException)
        {
            LogBatchFailed(_logger, batch.Count, e);
            TryRollback();
            _context.Invalidate();
            foreach (var item in batch)
            {
                item.Completion.TrySetException(new LedgerWriteException($"the ledger write failed and nothing was appended: {e.Message}", e));
            }
            return;
        }
        var size = _context.Ledger.Size;
        for (var i = 0; i < batch.Count; i++)
        {
            var result = results[i];
            batch[i].Completion.TrySetResult(result.Succeeded ? result.Value with { LedgerSize = size } : result);
        }
    }

    private Result<AppendedEntry> AppendOne(LedgerProposal proposal)
    {
        if (proposal.ExpectedIndex is { } expected && expected != _context.State.Size)
        {
            return Result<AppendedEntry>.Fail(NotAtPosition, $"the entry belongs at index {expected} but the ledger has {_context.State.Size} entries");
        }
        _context.Execute("SAVEPOINT proposal");
        var keep = false;
        try
        {
            var appended = proposal.Parsed is { } parsed ? _rules.Append(parsed, _context.State) : _rules.Append(proposal.Entry, _context.State);
            if (!appended.Succeeded)
            {
                return appended.Failure!;
            }
            var entry = appended.Value;
            var index = _context.State.Size - 1;
            if (proposal.Attachment?.Apply(_context, entry, index) is { Succeeded: false } refused)
            {
                return refused.Failure!;
            }
            _context.InsertEntry(index, entry);
            foreach (var projection in _projections)
            {
                projection.OnAppended(_context, entry, index);
            }
            keep = true;
            return new AppendedEntry(index, index + 1, entry);
        }
        finally
        {
            if (!keep)
            {
                _context.Execute("ROLLBACK TO proposal");
            }
            _context.Execute("RELEASE proposal");
        }
    }

    private T RunExclusive<T>(Func<LedgerWriteContext, T> work, bool commit)
    {
        _context.Execute("BEGIN IMMEDIATE");
        try
        {
            _context.Resync();
            var result = work(_context);
            if (commit)
            {
                _context.Execute("COMMIT");
            }
            else
            {
                _context.Execute("ROLLBACK");
                _context.Invalidate();
            }
            return result;
        }
        catch
        {
            TryRollback();
            _context.Invalidate();
            throw;
        }
    }

    private void TryRollback()
    {
        try
        {
            if (!_connection.IsAutoCommit())
            {
                _context.Execute("ROLLBACK");
            }
        }
        catch (SqliteException e)
        {
            LogRollbackFailed(_logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A ledger batch of {Count} proposals failed and was rolled back")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rolling back the ledger transaction failed")]
    private static partial void LogRollbackFailed(ILogger logger, Exception exception);

    private abstract class WorkItem
    {
        public abstract void RunAlone(SqliteLedgerSequencer sequencer);
    }

    private sealed class AppendItem(LedgerProposal proposal) : WorkItem
    {
        public LedgerProposal Proposal { get; } = proposal;

        public TaskCompletionSource<Result<AppendedEntry>> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void RunAlone(SqliteLedgerSequencer sequencer) => sequencer.CommitBatch([this]);
    }

    private sealed class ExclusiveItem<T>(Func<LedgerWriteContext, T> work, bool commit = true) : WorkItem
    {
        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void RunAlone(SqliteLedgerSequencer sequencer)
        {
            try
            {
                Completion.TrySetResult(sequencer.RunExclusive(work, commit));
            }
#pragma warning disable CA1031 // the caller awaits the exception; the writer must keep running
            catch (Exception e)
#pragma warning restore CA1031
            {
                Completion.TrySetException(e);
            }
        }
    }
}

/// <summary>The database refused a ledger write (disk full, I/O error, lock timeout); nothing of it was kept.</summary>
public sealed class LedgerWriteException(string message, Exception inner) : Exception(message, inner);

internal static class SqliteConnectionExtensions
{
    public static bool IsAutoCommit(this SqliteConnection connection) =>
        SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) != 0;
}
