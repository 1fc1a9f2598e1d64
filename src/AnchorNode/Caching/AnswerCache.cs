namespace AnchorNode.Caching;

/// <summary>What an <see cref="AnswerCache"/> has done since it was made, and holds now.</summary>
/// <param name="Hits">Requests answered from the cache.</param>
/// <param name="Builds">Answers computed.</param>
/// <param name="Joins">Requests that waited for an answer another request was already computing.</param>
/// <param name="Evictions">Answers dropped to stay within the bound (least recently used first).</param>
/// <param name="TooLarge">Answers computed but not kept, being larger than the whole bound.</param>
/// <param name="InFlight">Answers being computed or waiting for their turn.</param>
/// <param name="Entries">Answers held.</param>
/// <param name="Bytes">Their counted size.</param>
/// <param name="MaxBytes">The bound (0: the cache is off).</param>
public sealed record AnswerCacheStatistics(long Hits, long Builds, long Joins, long Evictions, long TooLarge, int InFlight, int Entries, long Bytes, long MaxBytes);

/// <summary>
/// Answers that are expensive to compute and change only with their version (for public lot
/// answers: the ledger checkpoint they are proven against). One answer per item is kept, the one of
/// the newest version asked for, within a bound in bytes (least recently used out first); concurrent
/// requests for an answer not yet computed share one computation (single flight); and at most
/// <c>concurrentBuilds</c> computations run at once, the rest waiting their turn. A computation goes
/// on when the request that started it goes away, since others may be waiting for it.
/// </summary>
public sealed class AnswerCache : IDisposable
{
    /// <summary>Counted for every answer held on top of its own size (keys, bookkeeping).</summary>
    public const long EntryOverheadBytes = 512;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recent = new();
    private readonly Dictionary<(string Item, string Version), Task<object>> _building = [];
    private readonly SemaphoreSlim _builds;
    private long _bytes;
    private long _hits;
    private long _computed;
    private long _joins;
    private long _evictions;
    private long _tooLarge;

    /// <summary>A cache of at most <paramref name="maxBytes"/> (0: off, every request computes) computing at most <paramref name="concurrentBuilds"/> answers at once.</summary>
    public AnswerCache(long maxBytes, int concurrentBuilds)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrentBuilds, 1);
        MaxBytes = maxBytes;
        _builds = new SemaphoreSlim(concurrentBuilds, concurrentBuilds);
    }

    /// <summary>The bound in bytes; 0 when the cache is off.</summary>
    public long MaxBytes { get; }

    /// <summary>What the cache has done and holds.</summary>
    public AnswerCacheStatistics Statistics
    {
        get
        {
            lock (_gate)
            {
                return new AnswerCacheStatistics(_hits, _computed, _joins, _evictions, _tooLarge, _building.Count, _entries.Count, _bytes, MaxBytes);
            }
        }
    }

    /// <summary>
    /// The answer for <paramref name="item"/> at <paramref name="version"/>: the one held, the one being
    /// computed, or a new one from <paramref name="build"/>. <paramref name="weigh"/> gives an answer's
    /// size in bytes, or null for one that must not be kept (a failure that may pass).
    /// </summary>
    public async ValueTask<T> GetOrBuildAsync<T>(string item, string version, Func<T> build, Func<T, long?> weigh, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(version);
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(weigh);
        if (MaxBytes == 0)
        {
            Interlocked.Increment(ref _computed);
            return build();
        }
        Task<object> answer;
        TaskCompletionSource<object>? mine = null;
        long sequence = 0;
        lock (_gate)
        {
            if (_entries.TryGetValue(item, out var node) && node.Value.Version == version)
            {
                _hits++;
                _recent.Remove(node);
                _recent.AddFirst(node);
                return (T)node.Value.Answer;
            }
            if (_building.TryGetValue((item, version), out var running))
            {
                _joins++;
                answer = running;
            }
            else
            {
                sequence = ++_computed;
                mine = new TaskCompletionSource<object>(TaskCreationOptions.RunContinuationsAsynchronously);
                answer = mine.Task;
                _building[(item, version)] = answer;
            }
        }
        if (mine is not null)
        {
            _ = Task.Run(() => BuildAsync(item, version, sequence, build, weigh, mine), CancellationToken.None);
        }
        return (T)await answer.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Holds <paramref name="slots"/> build slots (all of them, for computations to wait) until
    /// disposed: tests use it to have concurrent requests meet at one computation.
    /// </summary>
    internal async Task<IDisposable> HoldBuildsAsync(int slots)
    {
        for (var i = 0; i < slots; i++)
        {
            await _builds.WaitAsync().ConfigureAwait(false);
        }
        return new Release(_builds, slots);
    }

    /// <inheritdoc/>
    public void Dispose() => _builds.Dispose();

    private async Task BuildAsync<T>(string item, string version, long sequence, Func<T> build, Func<T, long?> weigh, TaskCompletionSource<object> result)
    {
        try
        {
            await _builds.WaitAsync().ConfigureAwait(false);
            T value;
            try
            {
                value = build();
            }
            finally
            {
                _builds.Release();
            }
            var bytes = weigh(value);
            lock (_gate)
            {
                if (bytes is { } size)
                {
                    Keep(new Entry(item, version, sequence, value!, size + EntryOverheadBytes));
                }
                _building.Remove((item, version));
            }
            result.SetResult(value!);
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                _building.Remove((item, version));
            }
            result.SetException(e);
        }
    }

    // Under the lock: replaces the item's answer (an older version is of no more use; one computed
    // after this one started is newer) and drops the least recently used answers until the bound
    // holds again.
    private void Keep(Entry entry)
    {
        if (_entries.TryGetValue(entry.Item, out var old))
        {
            if (old.Value.Sequence > entry.Sequence)
            {
                return;
            }
            _recent.Remove(old);
            _entries.Remove(entry.Item);
            _bytes -= old.Value.Bytes;
        }
        if (entry.Bytes > MaxBytes)
        {
            _tooLarge++;
            return;
        }
        _entries[entry.Item] = _recent.AddFirst(entry);
        _bytes += entry.Bytes;
        while (_bytes > MaxBytes && _recent.Last is { } last)
        {
            _recent.RemoveLast();
            _entries.Remove(last.Value.Item);
            _bytes -= last.Value.Bytes;
            _evictions++;
        }
    }

    private sealed record Entry(string Item, string Version, long Sequence, object Answer, long Bytes);

    private sealed class Release(SemaphoreSlim semaphore, int slots) : IDisposable
    {
        public void Dispose() => semaphore.Release(slots);
    }
}
