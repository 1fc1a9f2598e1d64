namespace EdgeGateway.Daemon;

/// <summary>
/// Keeps the garbage collector's young generation small on hosts with a large CPU cache. The
/// runtime sizes that generation from the last-level cache (tens of megabytes on a server CPU),
/// and a process touches all of it before the first collection; the gateway's steady state needs
/// far less. After a commit that followed at least <see cref="Threshold"/> of allocation, a
/// young-generation collection runs (well under a millisecond with the gateway's small live set,
/// at most once per commit). On a Raspberry Pi, whose small cache already gives a small young
/// generation, it rarely triggers.
/// </summary>
internal sealed class YoungGenerationCap
{
    /// <summary>Allocation between two collections that triggers one.</summary>
    public const long Threshold = 2 * 1024 * 1024;

    private long _allocatedAtLastCollection = GC.GetTotalAllocatedBytes();

    /// <summary>Called after each commit.</summary>
    public void AfterCommit()
    {
        var allocated = GC.GetTotalAllocatedBytes();
        if (allocated - _allocatedAtLastCollection < Threshold)
        {
            return;
        }
        GC.Collect(0, GCCollectionMode.Forced, blocking: true);
        _allocatedAtLastCollection = GC.GetTotalAllocatedBytes();
    }
}
