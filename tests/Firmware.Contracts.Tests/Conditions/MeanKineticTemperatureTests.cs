using Firmware.Contracts.Conditions;

namespace Firmware.Contracts.Tests.Conditions;

public class MeanKineticTemperatureTests
{
    [Theory]
    [InlineData(-20.0)]
    [InlineData(0.0)]
    [InlineData(5.0)]
    [InlineData(25.0)]
    public void Compute_ConstantSeries_IsTheConstant(double celsius)
    {
        var mkt = MeanKineticTemperature.Compute(Enumerable.Repeat(celsius, 1440).ToList());

        Assert.Equal(celsius, mkt, 9);
    }

    [Fact]
    public void Compute_TwoLevels_MatchesHandComputation()
    {
        // ΔH/R = 10,000 K; T1 = 5 °C = 278.15 K, T2 = 25 °C = 298.15 K.
        //   10000 / 278.15 = 35.951824555096   exp(−35.951824555096) = 2.4340022836851e-16
        //   10000 / 298.15 = 33.540164346805   exp(−33.540164346805) = 2.7145116010975e-15
        //   mean = 1.4789559147330e-15;  ln(mean) = −34.147440019109
        //   MKT = 10000 / 34.147440019109 = 292.84772136371 K = 19.69772136371 °C
        // (python3: math.exp, math.log). The arithmetic mean is 15 °C: the warm half weighs more.
        var mkt = MeanKineticTemperature.Compute([5.0, 25.0]);

        Assert.Equal(19.69772136371, mkt, 9);
    }

    [Fact]
    public void Compute_SixHoursAtFourAndTwoAtTwelve_MatchesHandComputation()
    {
        // 6 × exp(−10000/277.15) + 2 × exp(−10000/285.15), over 8:
        //   exp(−36.081544290096) = 2.1378853746438e-16,  exp(−35.069261792039) = 5.8831933184570e-16
        //   mean = 3.0742123605971e-16;  ln(mean) = −35.718312762352;  MKT = 279.96843150274 K = 6.81843150274 °C
        var series = Enumerable.Repeat(4.0, 6).Concat(Enumerable.Repeat(12.0, 2)).ToList();

        Assert.Equal(6.81843150274, MeanKineticTemperature.Compute(series), 9);
    }

    [Fact]
    public void Compute_HigherActivationEnergy_WeighsThePeakMore()
    {
        double[] series = [4, 4, 4, 12];

        var low = MeanKineticTemperature.Compute(series, 5_000);
        var standard = MeanKineticTemperature.Compute(series);
        var high = MeanKineticTemperature.Compute(series, 20_000);

        Assert.True(series.Average() < low && low < standard && standard < high, $"{low} {standard} {high}");
    }

    [Fact]
    public void Compute_VeryColdLongSeries_DoesNotUnderflow()
    {
        // exp(−10000/183.15) ≈ 2e-24 per term: summed directly over a year of minutes it would lose
        // precision; the log-sum-exp form keeps it exact.
        var series = Enumerable.Repeat(-90.0, 525_600).ToList();

        Assert.Equal(-90.0, MeanKineticTemperature.Compute(series), 9);
    }

    [Fact]
    public void Compute_EmptyOrImpossible_Throws()
    {
        Assert.Throws<ArgumentException>(() => MeanKineticTemperature.Compute([]));
        Assert.Throws<ArgumentException>(() => MeanKineticTemperature.Compute([-300.0]));
        Assert.Throws<ArgumentException>(() => MeanKineticTemperature.Compute([double.NaN]));
        Assert.Throws<ArgumentException>(() => MeanKineticTemperature.Compute([5.0], 0));
    }
}
