namespace EdgeGateway.Storage;

/// <summary>
/// The disk budget policy: how much the database may use, when to prune leaves the node has
/// committed, and when to refuse new readings because nothing more may be deleted.
/// </summary>
/// <remarks>
/// Above <see cref="PruneAtBytes"/> (90 %), committed leaves are pruned, oldest first, until use
/// is at most <see cref="PruneToBytes"/> (70 %) or nothing committed is left. At
/// <see cref="MaxBytes"/> with nothing left to prune, new readings are refused (and counted, with
/// a <c>disk-full</c> event leaf and an error in the log) until use falls below
/// <see cref="ResumeBelowBytes"/> (90 %), because the node committed more and pruning freed space.
/// Leaves the node has not committed are never deleted. Alarm and event leaves are still written
/// while readings are refused: they are few, and they are the record of what happened.
/// </remarks>
public sealed class DiskBudget
{
    /// <summary>A budget of <paramref name="maxBytes"/>.</summary>
    public DiskBudget(long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 64 * 1024);
        MaxBytes = maxBytes;
    }

    /// <summary>The most the database may use.</summary>
    public long MaxBytes { get; }

    /// <summary>Pruning starts above this.</summary>
    public long PruneAtBytes => MaxBytes / 10 * 9;

    /// <summary>Pruning stops at or below this.</summary>
    public long PruneToBytes => MaxBytes / 10 * 7;

    /// <summary>Refused readings are accepted again below this.</summary>
    public long ResumeBelowBytes => MaxBytes / 10 * 9;

    /// <summary>
    /// Whether a database using <paramref name="usedBytes"/> needs the budget's work: pruning,
    /// refusing readings, or accepting them again.
    /// </summary>
    public bool NeedsAttention(long usedBytes, bool refusing) =>
        usedBytes > PruneAtBytes || (refusing ? usedBytes < ResumeBelowBytes : usedBytes >= MaxBytes);

    /// <summary>
    /// The highest prune bound allowed: leaves the node committed, under a sealed checkpoint,
    /// rounded down to 16 so that the stored Merkle levels still extend the log.
    /// </summary>
    public static long PrunableBound(long nodeCommittedSize, long lastCheckpointSize, long logSize) =>
        Math.Min(Math.Min(nodeCommittedSize, lastCheckpointSize), logSize) / 16 * 16;
}
