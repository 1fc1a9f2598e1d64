using Firmware.Contracts;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Inventory;

namespace Firmware.Contracts.Tests.Inventory;

public class CanonicalValuesTests
{
    [Theory]
    [InlineData("8", 8)]
    [InlineData("-18.5", -18.5)]
    [InlineData("0", 0)]
    [InlineData("1200000.25", 1200000.25)]
    [InlineData("0.000001", 0.000001)]
    public void Decimal_RoundTrips(string text, double value)
    {
        Assert.True(CanonicalValues.TryParseDecimal(text, out var parsed));
        Assert.Equal((decimal)value, parsed);
        Assert.Equal(text, CanonicalValues.Decimal(parsed));
    }

    [Theory]
    [InlineData("08")]
    [InlineData("8.0")]
    [InlineData("+8")]
    [InlineData("-0")]
    [InlineData("8.")]
    [InlineData(".5")]
    [InlineData("1e3")]
    [InlineData("0.0000001")]
    [InlineData(" 8")]
    public void Decimal_NonCanonical_IsRefused(string text) => Assert.False(CanonicalValues.TryParseDecimal(text, out _));

    [Fact]
    public void Decimal_TrailingZerosOfTheScale_AreDropped() => Assert.Equal("8", CanonicalValues.Decimal(8.000m));

    [Theory]
    [InlineData(1_800_000, "30m")]
    [InlineData(7_200_000, "2h")]
    [InlineData(5_400_000, "90m")]
    [InlineData(45_000, "45s")]
    [InlineData(1_500, "1500ms")]
    [InlineData(0, "0s")]
    public void Duration_RoundTrips(long ms, string text)
    {
        Assert.Equal(text, CanonicalValues.Duration(ms));
        Assert.True(CanonicalValues.TryParseDuration(text, out var parsed));
        Assert.Equal(ms, parsed);
    }

    [Theory]
    [InlineData("60m")]
    [InlineData("120s")]
    [InlineData("030m")]
    [InlineData("1.5h")]
    [InlineData("30 m")]
    public void Duration_NonCanonical_IsRefused(string text) => Assert.False(CanonicalValues.TryParseDuration(text, out _));

    [Fact]
    public void Covenant_ParsesAndWritesItsOneForm()
    {
        var covenant = Covenant.Parse("temperature above 8 for 30m").Value;

        Assert.Equal((LimitSide.Above, 8m, CovenantMode.Continuous, 1_800_000L), (covenant.Side, covenant.Limit, covenant.Mode, covenant.DurationMs));
        Assert.Equal("temperature above 8 for 30m", covenant.ToValue());
        Assert.False(Covenant.Parse("temperature above 8.0 for 30m").Succeeded);
        Assert.False(Covenant.Parse("pressure above 8 for 30m").Succeeded);
        Assert.False(Covenant.Parse("temperature over 8 for 30m").Succeeded);
    }
}
