namespace EdgeGateway.Sensors.Simulation;

/// <summary>
/// The air of one zone over simulated time: setpoint, compressor cycling, door openings, defrost
/// (freezers), a diurnal swing (ambient) and the scripted compressor failure. Queried with
/// non-decreasing times. Door and defrost disturbances together are capped per zone so that in
/// normal operation the air stays inside the zone's range by construction; only the failure leaves it.
/// </summary>
internal sealed class ZoneClimate
{
    private const double MsPerMinute = 60_000;
    private readonly SimulatedZone _zone;
    private readonly DeterministicRandom _random;
    private readonly long _startMs;
    private readonly Profile _p;
    private readonly CompressorFailure? _failure;
    private readonly double _failureGain;
    private readonly double _cyclePhase;
    private readonly double _defrostFirstMs;
    private readonly List<(long StartMs, double Peak)> _doors = [];
    private long _nextDoorMs;

    public ZoneClimate(SimulatedZone zone, int seed, long startMs, CompressorFailure? failure)
    {
        _zone = zone;
        _random = new DeterministicRandom(seed, "zone/" + zone.Name);
        _startMs = startMs;
        _p = Profile.For(zone.Kind);
        _failure = failure?.Zone == zone.Name ? failure : null;
        if (_failure is { } f)
        {
            // Rise with time constant FailureRiseMinutes, scaled to reach the peak when the compressor restarts.
            var reached = 1 - Math.Exp(-f.Duration.TotalMinutes / FailureRiseMinutes);
            _failureGain = (f.PeakCelsius - zone.SetpointCelsius) / reached;
        }
        _cyclePhase = _random.Uniform(0, 2 * Math.PI);
        _defrostFirstMs = startMs + _random.Uniform(0.5, 3.0) * 60 * MsPerMinute;
        _nextDoorMs = startMs + (long)(_random.Exponential(_p.DoorMeanMinutes) * MsPerMinute);
    }

    private const double FailureRiseMinutes = 20;
    private const double FailureRecoveryMinutes = 10;

    public SimulatedZone Zone => _zone;

    public double NoiseSigma => _p.NoiseSigma;

    public double SensorOffsetLimit => _p.SensorOffsetLimit;

    /// <summary>Air temperature, °C, and a 0..1 measure of how much warm air came in (for humidity).</summary>
    public (double Celsius, double Disturbance) At(long timeMs)
    {
        while (_nextDoorMs <= timeMs)
        {
            _doors.Add((_nextDoorMs, _random.Uniform(_p.DoorPeakMin, _p.DoorPeakMax)));
            _nextDoorMs += Math.Max(60_000, (long)(_random.Exponential(_p.DoorMeanMinutes) * MsPerMinute));
        }
        _doors.RemoveAll(d => timeMs - d.StartMs > 8 * _p.DoorDecayMinutes * MsPerMinute);

        var doors = 0.0;
        foreach (var (start, peak) in _doors)
        {
            if (start <= timeMs) doors += peak * Math.Exp(-(timeMs - start) / (_p.DoorDecayMinutes * MsPerMinute));
        }
        var disturbance = Math.Min(_p.DisturbanceCap, doors + Defrost(timeMs));
        var minutes = (timeMs - _startMs) / MsPerMinute;
        var cycle = _p.CycleAmplitude * Math.Sin(2 * Math.PI * minutes / _p.CyclePeriodMinutes + _cyclePhase);
        var celsius = _zone.SetpointCelsius + cycle + disturbance + Diurnal(timeMs) + Failure(timeMs);
        return (celsius, _p.DisturbanceCap > 0 ? disturbance / _p.DisturbanceCap : 0);
    }

    public double HumiditySetpoint => _p.HumiditySetpoint;

    private double Defrost(long timeMs)
    {
        if (_p.DefrostEveryHours <= 0 || timeMs < _defrostFirstMs) return 0;
        var period = _p.DefrostEveryHours * 60 * MsPerMinute;
        var into = (timeMs - _defrostFirstMs) % period;
        var length = _p.DefrostMinutes * MsPerMinute;
        return into < length ? _p.DefrostPeak * Math.Sin(Math.PI * into / length) : 0;
    }

    private double Diurnal(long timeMs)
    {
        if (_p.DiurnalAmplitude == 0) return 0;
        var hourOfDay = (timeMs % 86_400_000) / 3_600_000.0;
        return _p.DiurnalAmplitude * Math.Cos(2 * Math.PI * (hourOfDay - 15) / 24);
    }

    private double Failure(long timeMs)
    {
        if (_failure is not { } f) return 0;
        var minutes = (timeMs - _startMs) / MsPerMinute - f.StartOffset.TotalMinutes;
        if (minutes <= 0) return 0;
        var duration = f.Duration.TotalMinutes;
        if (minutes <= duration) return _failureGain * (1 - Math.Exp(-minutes / FailureRiseMinutes));
        var atRestart = _failureGain * (1 - Math.Exp(-duration / FailureRiseMinutes));
        return atRestart * Math.Exp(-(minutes - duration) / FailureRecoveryMinutes);
    }

    // Worst case in normal operation: setpoint + cycle + cap + sensor offset + 3σ noise, which for
    // the chiller is 5 + 0.5 + 1.6 + 0.2 + 0.15 = 7.45 °C (< 8) and for the freezer
    // -21 + 0.3 + 2.0 + 0.2 + 0.15 = -18.35 °C (< -18).
    private sealed record Profile(
        double CycleAmplitude, double CyclePeriodMinutes,
        double DoorMeanMinutes, double DoorPeakMin, double DoorPeakMax, double DoorDecayMinutes,
        double DisturbanceCap,
        double DefrostEveryHours, double DefrostMinutes, double DefrostPeak,
        double DiurnalAmplitude,
        double NoiseSigma, double SensorOffsetLimit,
        double HumiditySetpoint)
    {
        public static Profile For(ZoneKind kind) => kind switch
        {
            ZoneKind.Chiller => new(0.5, 24, 40, 0.6, 1.6, 5, 1.6, 0, 0, 0, 0, 0.05, 0.2, 85),
            ZoneKind.Freezer => new(0.3, 30, 60, 0.4, 1.0, 4, 2.0, 6, 25, 1.8, 0, 0.05, 0.2, 70),
            ZoneKind.Ambient => new(0, 60, 30, 0.3, 1.0, 8, 1.0, 0, 0, 0, 2.5, 0.05, 0.3, 45),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }
}
