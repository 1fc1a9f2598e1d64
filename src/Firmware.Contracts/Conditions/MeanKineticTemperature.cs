namespace Firmware.Contracts.Conditions;

/// <summary>
/// Mean kinetic temperature (Haynes, J. Pharm. Sci. 60 (1971) 927; USP &lt;1160&gt; and &lt;1079.2&gt;;
/// ICH Q1A(R2) glossary): the single temperature that would cause the same total Arrhenius
/// degradation as the series did,
/// <code>
/// MKT = (ΔH/R) / −ln( (1/n) · Σ exp(−(ΔH/R) / T_i) )     T_i in kelvin
/// </code>
/// with every reading weighted equally (readings at a fixed logging interval). ΔH/R defaults to
/// 10,000 K: ΔH = 83.144 kJ/mol divided by R = 8.3144 J/(mol·K), the value USP and ICH use.
/// </summary>
public static class MeanKineticTemperature
{
    /// <summary>ΔH/R in kelvin when no other is configured.</summary>
    public const double DefaultActivationEnergyK = 10_000;

    /// <summary>0 °C in kelvin.</summary>
    public const double ZeroCelsiusK = 273.15;

    /// <summary>The MKT of <paramref name="celsius"/>, in °C.</summary>
    /// <exception cref="ArgumentException">When the series is empty, a value is not finite or at or below absolute zero, or ΔH/R is not positive.</exception>
    public static double Compute(IReadOnlyList<double> celsius, double activationEnergyK = DefaultActivationEnergyK)
    {
        ArgumentNullException.ThrowIfNull(celsius);
        if (celsius.Count == 0)
        {
            throw new ArgumentException("MKT needs at least one reading", nameof(celsius));
        }
        if (!double.IsFinite(activationEnergyK) || activationEnergyK <= 0)
        {
            throw new ArgumentException($"ΔH/R must be a positive number of kelvin, got {activationEnergyK}", nameof(activationEnergyK));
        }
        // The terms exp(−E/T) are around e^−36 for cold storage: summed as logs (log-sum-exp) so
        // that no precision is lost and nothing underflows for long or very cold series.
        var exponents = new double[celsius.Count];
        var largest = double.NegativeInfinity;
        for (var i = 0; i < celsius.Count; i++)
        {
            var kelvin = celsius[i] + ZeroCelsiusK;
            if (!double.IsFinite(kelvin) || kelvin <= 0)
            {
                throw new ArgumentException($"reading {i} ({celsius[i]} °C) is not a temperature above absolute zero", nameof(celsius));
            }
            exponents[i] = -activationEnergyK / kelvin;
            largest = Math.Max(largest, exponents[i]);
        }
        var sum = 0.0;
        foreach (var exponent in exponents)
        {
            sum += Math.Exp(exponent - largest);
        }
        var logMean = largest + Math.Log(sum / celsius.Count);
        return activationEnergyK / -logMean - ZeroCelsiusK;
    }
}
