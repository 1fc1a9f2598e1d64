namespace EdgeGateway.Uplink;

/// <summary>
/// Waits that double from <c>initial</c> up to <c>max</c>, each drawn from the upper half of its
/// range ("equal jitter"), so that gateways cut off together do not all return at the same instant
/// and none retries sooner than half the nominal wait.
/// </summary>
public sealed class ExponentialBackoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private readonly Random _random;
    private int _attempt;

    /// <param name="initial">The first nominal wait.</param>
    /// <param name="max">The largest nominal wait.</param>
    /// <param name="random">The jitter source (seeded in tests).</param>
    public ExponentialBackoff(TimeSpan initial, TimeSpan max, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(initial, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, initial);
        _initial = initial;
        _max = max;
        _random = random;
    }

    /// <summary>Failures since the last <see cref="Reset"/>.</summary>
    public int Attempt => _attempt;

    /// <summary>The wait before the next attempt.</summary>
    public TimeSpan Next()
    {
        var nominal = _initial.TotalMilliseconds * Math.Pow(2, Math.Min(_attempt, 40));
        nominal = Math.Min(nominal, _max.TotalMilliseconds);
        _attempt++;
        return TimeSpan.FromMilliseconds(nominal / 2 + _random.NextDouble() * nominal / 2);
    }

    /// <summary>Starts again from the initial wait (after a success).</summary>
    public void Reset() => _attempt = 0;
}
