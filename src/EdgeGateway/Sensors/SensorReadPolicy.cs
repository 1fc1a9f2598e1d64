namespace EdgeGateway.Sensors;

/// <summary>
/// How a polled sensor (sysfs or user-space binding) retries a failed read within one poll: at most <see cref="MaxAttempts"/>
/// reads, waiting <see cref="FirstRetryDelay"/> then growing by <see cref="BackoffFactor"/>, and
/// never starting a wait that would end after <see cref="Budget"/> from the first attempt, so a
/// sensor never runs into its next poll and never spins.
/// </summary>
public sealed record SensorReadPolicy(int MaxAttempts, TimeSpan FirstRetryDelay, double BackoffFactor = 2.0, TimeSpan? Budget = null)
{
    /// <summary>I2C sensors (SHT3x, SHT4x, BME280): one retry after a bus hiccup.</summary>
    public static SensorReadPolicy I2c { get; } = new(2, TimeSpan.FromMilliseconds(200));

    /// <summary>
    /// DHT11/DHT22 (the dht11 kernel driver or the user-space binding): reads fail often (EIO on a bad checksum, ETIMEDOUT when
    /// edges are missed), and the DHT22 datasheet asks for 2 s between reads.
    /// </summary>
    public static SensorReadPolicy Dht { get; } = new(3, TimeSpan.FromMilliseconds(2100), 1.5);

    /// <summary>1-Wire DS18B20: one retry; a CRC error or reset value rarely repeats.</summary>
    public static SensorReadPolicy OneWire { get; } = new(2, TimeSpan.FromSeconds(1));

    /// <summary>A single attempt.</summary>
    public static SensorReadPolicy NoRetry { get; } = new(1, TimeSpan.Zero);

    /// <summary>Checks the values; called by the sensors that take a policy.</summary>
    internal SensorReadPolicy Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(FirstRetryDelay, TimeSpan.Zero, nameof(FirstRetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(BackoffFactor, 1.0, nameof(BackoffFactor));
        if (MaxAttempts > 1 && FirstRetryDelay <= TimeSpan.Zero)
            throw new ArgumentException("Retrying needs a positive FirstRetryDelay; a zero delay would retry in a tight loop.", nameof(FirstRetryDelay));
        return this;
    }

    /// <summary>
    /// Whether attempt <paramref name="attempt"/> may be followed by another, <paramref name="spent"/>
    /// into the poll: attempts are left, and the wait before the next ends within the budget.
    /// </summary>
    internal bool AllowsRetry(int attempt, TimeSpan spent) =>
        attempt < MaxAttempts && (Budget is not { } budget || spent + DelayAfter(attempt) <= budget);

    /// <summary>The delay before attempt <paramref name="attempt"/> + 1.</summary>
    internal TimeSpan DelayAfter(int attempt) =>
        TimeSpan.FromTicks((long)(FirstRetryDelay.Ticks * Math.Pow(BackoffFactor, attempt - 1)));
}
