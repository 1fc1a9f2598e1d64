namespace EdgeGateway.Sensors.Rfid;

/// <summary>
/// Suppresses repeated reads of one tag: a tag is reported, then not again until
/// <paramref name="window"/> has passed since it was last reported. A pallet held in a dock-door
/// field is read dozens of times a second; one observation per window says it was there, and a
/// tag that stays in a zone is still reported once per window.
/// </summary>
public sealed class TagDebouncer(TimeSpan window)
{
    private const int MinPruneThreshold = 4096;
    private readonly Dictionary<string, long> _lastReportedMs = new(StringComparer.Ordinal);
    private readonly long _windowMs = (long)window.TotalMilliseconds;
    private int _pruneAt = MinPruneThreshold;

    /// <summary>True when <paramref name="value"/> should be reported at <paramref name="nowMs"/> (and records that it was).</summary>
    public bool ShouldReport(string value, long nowMs)
    {
        if (_windowMs <= 0) return true;
        if (_lastReportedMs.TryGetValue(value, out var last) && nowMs - last < _windowMs && nowMs >= last) return false;
        if (_lastReportedMs.Count >= _pruneAt) Prune(nowMs);
        _lastReportedMs[value] = nowMs;
        return true;
    }

    // Expired entries are dropped in one pass once the table doubles, so the cost stays amortised
    // O(1) per read even when thousands of distinct tags pass within one window.
    private void Prune(long nowMs)
    {
        foreach (var (key, last) in _lastReportedMs)
        {
            if (nowMs - last >= _windowMs || nowMs < last) _lastReportedMs.Remove(key);
        }
        _pruneAt = Math.Max(MinPruneThreshold, _lastReportedMs.Count * 2);
    }
}
