using Firmware.Contracts.Epc;

namespace Firmware.Contracts.Tests.Epc;

public class GtinTests
{
    // Check digits worked by hand with the GS1 mod-10 rule (weights 3,1,3,... from the right);
    // 4006381333931 and 036000291452 are the GS1 Germany / GS1 US published sample barcodes,
    // 80614141123458 is the GTIN of the Tag Data Standard's SGTIN example (Appendix E).
    [Theory]
    [InlineData("96385074", "00000096385074")]
    [InlineData("036000291452", "00036000291452")]
    [InlineData("4006381333931", "04006381333931")]
    [InlineData("80614141123458", "80614141123458")]
    public void Parse_ValidGtin_NormalisesTo14Digits(string text, string expected)
    {
        Assert.True(Gtin.TryParse(text, out var gtin, out var error), error);
        Assert.Equal(expected, gtin.Value);
    }

    [Fact]
    public void Parse_SameNumberInDifferentLengths_IsEqual() =>
        Assert.Equal(Gtin.Parse("4006381333931"), Gtin.Parse("04006381333931"));

    [Fact]
    public void Parse_WrongCheckDigit_SaysWhichDigitWasExpected()
    {
        Assert.False(Gtin.TryParse("4006381333932", out _, out var error));
        Assert.Contains("check digit 2", error, StringComparison.Ordinal);
        Assert.Contains("give 1", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData(null, "empty")]
    [InlineData("400638133393", "check digit")]
    [InlineData("1234567", "7 digits")]
    [InlineData("123456789", "9 digits")]
    [InlineData("123456789012345", "15 digits")]
    [InlineData("40063813 3931", "non-digit character ' ' at position 9")]
    [InlineData("400638133393X", "non-digit character 'X'")]
    [InlineData("٤٠٠٦٣٨١٣٣٣٩٣١", "non-digit")]
    public void Parse_BadInput_IsRejectedWithReason(string? text, string reasonFragment)
    {
        Assert.False(Gtin.TryParse(text, out var gtin, out var error));
        Assert.Null(gtin);
        Assert.Contains(reasonFragment, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Throwing_CarriesTheReason()
    {
        var ex = Assert.Throws<FormatException>(() => Gtin.Parse("12345"));
        Assert.Contains("5 digits", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromDigitsWithoutCheck_AppendsCheckDigit() =>
        Assert.Equal("80614141123458", Gtin.FromDigitsWithoutCheck("8061414112345").Value);

    [Fact]
    public void IndicatorDigit_IsFirstOf14() =>
        Assert.Equal(8, Gtin.Parse("80614141123458").IndicatorDigit);
}
