using Firmware.Contracts.Epc;

namespace Firmware.Contracts.Tests.Epc;

public class SgtinUriTests
{
    [Fact]
    public void ParseEpcUri_TdsExample_GivesGtinAndSerial()
    {
        Assert.True(Sgtin.TryParseEpcUri("urn:epc:id:sgtin:0614141.812345.6789", out var sgtin, out var error), error);
        Assert.Equal("80614141123458", sgtin.Gtin.Value);
        Assert.Equal("6789", sgtin.Serial);
        Assert.Equal("0614141", sgtin.CompanyPrefix);
        Assert.Equal("812345", sgtin.IndicatorAndItemReference);
    }

    [Fact]
    public void ParseEpcUri_EscapedSerial_IsDecodedAndReEscaped()
    {
        // Serial "32a/b" (GS1 AI 21 allows '/'), which the URI must carry as %2F.
        const string uri = "urn:epc:id:sgtin:0614141.712345.32a%2Fb";
        var sgtin = Sgtin.ParseEpcUri(uri);
        Assert.Equal("32a/b", sgtin.Serial);
        Assert.Equal(uri, sgtin.ToEpcUri());
    }

    // The Tag Data Standard's grammar gives every serial one spelling, so whatever parses is canonical.
    [Theory]
    [InlineData("urn:epc:id:sgtin:0614141.812345.6789")]
    [InlineData("urn:epc:id:sgtin:061414112345.0.1")]
    [InlineData("urn:epc:id:sgtin:061414.1812345.00")]
    [InlineData("urn:epc:id:sgtin:0614141.812345.%22%25%26%2F%3C%3E%3F")]
    [InlineData("urn:epc:id:sgtin:0614141.812345.!'()*+,-.:;=_")]
    public void ParseEpcUri_Accepted_IsTheCanonicalSpelling(string uri) =>
        Assert.Equal(uri, Sgtin.ParseEpcUri(uri).ToEpcUri());

    [Fact]
    public void ParseEpcUri_SerialWithDots_KeepsThemInTheSerial() =>
        Assert.Equal("A.B.C", Sgtin.ParseEpcUri("urn:epc:id:sgtin:0614141.712345.A.B.C").Serial);

    [Fact]
    public void ToEpcUri_FromGtin_SplitsAtCompanyPrefixLength()
    {
        var sgtin = Sgtin.Create(Gtin.Parse("80614141123458"), 7, "6789");
        Assert.Equal("urn:epc:id:sgtin:0614141.812345.6789", sgtin.ToEpcUri());
    }

    [Theory]
    [InlineData("urn:epc:id:sscc:0614141.1234567890", "start with 'urn:epc:id:sgtin:'")]
    [InlineData("urn:epc:id:sgtin:0614141.812345", "three dot-separated parts")]
    [InlineData("urn:epc:id:sgtin:0614141.81234.6789", "12 digits together")]
    [InlineData("urn:epc:id:sgtin:06141X1.812345.6789", "6 to 12 digits")]
    [InlineData("urn:epc:id:sgtin:0614141.8123Y5.6789", "must be digits")]
    [InlineData("urn:epc:id:sgtin:0614141.812345.", "1 to 20 characters")]
    [InlineData("urn:epc:id:sgtin:0614141.812345.123456789012345678901", "1 to 20 characters")]
    [InlineData("urn:epc:id:sgtin:0614141.812345.a/b", "unescaped '/'")]
    [InlineData("urn:epc:id:sgtin:0614141.812345.a%2", "not followed by two hex digits")]
    [InlineData("urn:epc:id:sgtin:0614141.812345.a b", "not in the GS1 AI encodable character set")]
    [InlineData("urn:epc:id:sgtin:0614141.712345.32a%2fb", "upper-case hex: %2F")]
    [InlineData("urn:epc:id:sgtin:0614141.812345.67%389", "'8' is written as itself")]
    [InlineData("urn:epc:id:sgtin:0614141.812345.a%2Db", "'-' is written as itself")]
    [InlineData("urn:epc:id:sgtin:0614141.812345.a%20b", "not a serial character")]
    [InlineData("urn:epc:id:sgtin:0614141.812345.a#b", "not in the GS1 AI encodable character set")]
    [InlineData("URN:EPC:ID:SGTIN:0614141.812345.6789", "start with 'urn:epc:id:sgtin:'")]
    [InlineData(null, "not an SGTIN")]
    public void ParseEpcUri_Invalid_IsRejectedWithReason(string? uri, string reasonFragment)
    {
        Assert.False(Sgtin.TryParseEpcUri(uri, out var sgtin, out var error));
        Assert.Null(sgtin);
        Assert.Contains(reasonFragment, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(13)]
    public void Create_CompanyPrefixLengthOutOfRange_IsRejected(int length)
    {
        Assert.False(Sgtin.TryCreate(Gtin.Parse("80614141123458"), length, "1", out _, out var error));
        Assert.Contains("outside 6..12", error, StringComparison.Ordinal);
    }

    [Fact]
    public void UriAndHex_RoundTripThroughEachOther()
    {
        var fromUri = Sgtin.ParseEpcUri("urn:epc:id:sgtin:4012345.012345.100042");
        var hex = Sgtin96.Encode(fromUri, SgtinFilter.UnitLoad);
        Assert.Equal(fromUri, Sgtin96.Decode(hex).Sgtin);
    }
}
