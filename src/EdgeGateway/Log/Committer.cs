using System.Collections.Concurrent;

namespace EdgeGateway.Log;

/// <summary>
/// Runs commits one after another, in the order they were handed over, on a thread of its own.
/// The writer hands over the next batch while the one before is still committing, so the thread
/// goes from one commit straight to the next instead of waiting to be woken for each (which, on a
/// small or virtual machine, can take longer than preparing the batch did).
/// </summary>
/// <remarks>
/// When a commit throws, every batch handed over after it fails with the same exception without
/// being tried: it was prepared to continue a log that did not grow.
/// </remarks>
internal sealed class Committer<TBatch, TOutcome> : IDisposable
{
    private readonly BlockingCollection<(TBatch Batch, TaskCompletionSource<TOutcome> Done)> _queue = [];
    private readonly Func<TBatch, TOutcome> _commit;
    private readonly Thread _thread;
    private volatile Exception? _failure;

    /// <param name="commit">Commits one batch; called on the committer's thread only.</param>
    /// <param name="name">The thread's name.</param>
    public Committer(Func<TBatch, TOutcome> commit, string name)
    {
        _commit = commit;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Hands <paramref name="batch"/> over; the task completes (on the thread pool) when it is committed.</summary>
    public Task<TOutcome> Commit(TBatch batch)
    {
        var done = new TaskCompletionSource<TOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add((batch, done));
        return done.Task;
    }

    /// <summary>
    /// Forgets a failure, so that batches handed over from now on are tried again; only once every
    /// batch handed over before has completed.
    /// </summary>
    public void Reset() => _failure = null;

    /// <summary>Takes no more batches and waits until those handed over are committed (or failed).</summary>
    public void Complete()
    {
        _queue.CompleteAdding();
        _thread.Join();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_queue.IsAddingCompleted)
        {
            Complete();
        }
        _queue.Dispose();
    }

    private void Run()
    {
        foreach (var (batch, done) in _queue.GetConsumingEnumerable())
        {
            if (_failure is not null)
            {
                done.SetException(_failure);
                continue;
            }
            try
            {
                done.SetResult(_commit(batch));
            }
#pragma warning disable CA1031 // Handed to the writer, which awaits the batch and rethrows.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _failure = e;
                done.SetException(e);
            }
        }
    }
}
