namespace EdgeGateway.Mqtt;

/// <summary>
/// Delays between reconnect attempts: the minimum, doubling per consecutive failure up to the maximum,
/// each shortened by up to a quarter at random (never below the minimum) so that gateways that lost the
/// same broker do not all come back in the same instant. <see cref="Reset"/> after a successful connection.
/// </summary>
internal sealed class ReconnectBackoff
{
    private const double JitterFraction = 0.25;
    private readonly TimeSpan _min;
    private readonly TimeSpan _max;
    private readonly Random _random;
    private int _failures;

    public ReconnectBackoff(TimeSpan min, TimeSpan max, Random random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(min, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(max, min);
        ArgumentNullException.ThrowIfNull(random);
        _min = min;
        _max = max;
        _random = random;
    }

    /// <summary>The delay before the next attempt; each call counts one more failure.</summary>
    public TimeSpan Next()
    {
        // 2^30 times any sane minimum is past any maximum; stop counting there so nothing overflows.
        var exponential = _min.Ticks * Math.Pow(2, Math.Min(_failures, 30));
        var ceiling = Math.Min(exponential, _max.Ticks);
        if (_failures < 30) _failures++;
        var jittered = ceiling * (1 - (JitterFraction * _random.NextDouble()));
        return TimeSpan.FromTicks((long)Math.Max(jittered, _min.Ticks));
    }

    /// <summary>Starts again from the minimum.</summary>
    public void Reset() => _failures = 0;
}
