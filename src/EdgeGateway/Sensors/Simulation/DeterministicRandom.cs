namespace EdgeGateway.Sensors.Simulation;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood, 2014): a small generator whose output is fixed by its seed
/// for every .NET version, unlike <see cref="Random"/>'s seeded algorithm, which is only kept for
/// compatibility. Each simulated part draws from its own named stream, so adding a sensor does not
/// change what the others read.
/// </summary>
internal sealed class DeterministicRandom
{
    private ulong _state;

    public DeterministicRandom(int seed, string stream)
    {
        // FNV-1a of the stream name, mixed with the seed.
        var h = 14695981039346656037UL;
        foreach (var c in stream)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        _state = h ^ ((ulong)(uint)seed * 0x9E3779B97F4A7C15UL);
    }

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public double Uniform(double min, double max) => min + (max - min) * NextDouble();

    public int Next(int maxExclusive) => maxExclusive <= 0 ? 0 : (int)(NextUInt64() % (ulong)maxExclusive);

    /// <summary>Exponentially distributed with the given mean (time to the next random event).</summary>
    public double Exponential(double mean) => -mean * Math.Log(1.0 - NextDouble());

    /// <summary>Standard normal (Box–Muller), clipped to ±<paramref name="clip"/> so that bounds hold by construction.</summary>
    public double Normal(double clip = 3.0)
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        var n = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        return Math.Clamp(n, -clip, clip);
    }
}
