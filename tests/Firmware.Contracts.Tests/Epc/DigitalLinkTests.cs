using Firmware.Contracts.Epc;

namespace Firmware.Contracts.Tests.Epc;

public class DigitalLinkTests
{
    // GS1 Digital Link examples: https://id.gs1.org/01/09521234543213/10/ABC123/21/12345 is the
    // GTIN + batch + serial example GS1 documents for its resolver (and BWIPP's Digital Link wiki
    // repeats); 09520123456788 is the GTIN of the GS1 Digital Link standard's own examples.
    // Both check digits were verified by hand with the mod-10 rule.
    [Theory]
    [InlineData("/01/09521234543213", "09521234543213", null, null)]
    [InlineData("/01/09521234543213/10/ABC123", "09521234543213", "ABC123", null)]
    [InlineData("/01/09521234543213/10/ABC123/21/12345", "09521234543213", "ABC123", "12345")]
    [InlineData("/01/09520123456788/21/12345", "09520123456788", null, "12345")]
    public void ParsePath_GS1Examples_GivesKeyAndQualifiers(string path, string gtin, string? lot, string? serial)
    {
        Assert.True(DigitalLink.TryParsePath(path, out var link, out var error), error?.ToString());
        Assert.Equal(gtin, link.Gtin.Value);
        Assert.Equal(lot, link.Lot);
        Assert.Equal(serial, link.Serial);
        Assert.Equal(path, link.ToPath());
    }

    [Theory]
    [InlineData("/01/96385074", "00000096385074")]        // GTIN-8
    [InlineData("/01/036000291452", "00036000291452")]    // GTIN-12 (UPC-A)
    [InlineData("/01/4006381333931", "04006381333931")]   // GTIN-13 (EAN-13)
    [InlineData("/01/80614141123458", "80614141123458")]  // GTIN-14
    public void ParsePath_ShortGtins_NormaliseTo14Digits(string path, string expected)
    {
        Assert.True(DigitalLink.TryParsePath(path, out var link, out var error), error?.ToString());
        Assert.Equal(expected, link.Gtin.Value);
        Assert.Equal("/01/" + expected, link.ToPath());
    }

    [Theory]
    [InlineData("/01/09521234543213/10/ABC%2F123", "ABC/123")]
    [InlineData("/01/09521234543213/10/A%25B", "A%B")]
    [InlineData("/01/09521234543213/10/a%20b", null)]  // a space is not in set 82: decoded, then refused
    [InlineData("/01/09521234543213/10/L%3a01", "L:01")] // lower-case hex is accepted
    [InlineData("/01/09521234543213/10/L!(1)", "L!(1)")] // sub-delims may arrive unencoded
    public void ParsePath_PercentEncodedLot_IsDecodedOnce(string path, string? expected)
    {
        var parsed = DigitalLink.TryParsePath(path, out var link, out var error);
        if (expected is null)
        {
            Assert.False(parsed);
            Assert.Equal(DigitalLinkErrorKind.CharacterNotAllowed, error!.Kind);
            Assert.Equal(' ', error.Character);
        }
        else
        {
            Assert.True(parsed, error?.ToString());
            Assert.Equal(expected, link!.Lot);
        }
    }

    [Fact]
    public void ToPath_EncodesEverythingButUnreserved_AndRoundTrips()
    {
        // Every set-82 symbol, in one 20-character lot and one serial.
        var lot = "!\"%&'()*+,-./:;<=>?_";
        var link = new DigitalLink(Gtin.Parse("09521234543213"), lot, "Az09-._");
        var path = link.ToPath();
        Assert.Equal("/01/09521234543213/10/%21%22%25%26%27%28%29%2A%2B%2C-.%2F%3A%3B%3C%3D%3E%3F_/21/Az09-._", path);
        Assert.True(DigitalLink.TryParsePath(path, out var back, out var error), error?.ToString());
        Assert.Equal(link, back);
    }

    [Fact]
    public void ParsePath_IgnoresQueryFragmentAndOneTrailingSlash()
    {
        Assert.True(DigitalLink.TryParsePath("/01/09521234543213/10/ABC123/?17=261231&lang=zh#x", out var link, out var error), error?.ToString());
        Assert.Equal("ABC123", link.Lot);
        Assert.Null(link.Serial);
    }

    [Theory]
    [InlineData("https://id.gs1.org/01/09521234543213/10/ABC123/21/12345?17=261231", "ABC123", "12345")]
    [InlineData("HTTPS://EXAMPLE.COM/products/01/09521234543213/10/ABC123", "ABC123", null)]
    [InlineData("https://example.com/01/trace/01/09521234543213/21/12345", null, "12345")] // the prefix "01/trace" is the resolver's
    public void ParseUri_AcceptsHostAndPathPrefix(string uri, string? lot, string? serial)
    {
        Assert.True(DigitalLink.TryParseUri(uri, out var link, out var error), error?.ToString());
        Assert.Equal("09521234543213", link.Gtin.Value);
        Assert.Equal(lot, link.Lot);
        Assert.Equal(serial, link.Serial);
    }

    [Fact]
    public void ToUri_OnBaseWithOrWithoutSlash_GivesOneSlash()
    {
        var link = new DigitalLink(Gtin.Parse("09521234543213"), "ABC 1".Replace(' ', '/'));
        Assert.Equal("https://trace.example.com/01/09521234543213/10/ABC%2F1", link.ToUri("https://trace.example.com/"));
        Assert.Equal("https://example.com/t/01/09521234543213/10/ABC%2F1", link.ToUri("https://example.com/t"));
        Assert.True(DigitalLink.TryParseUri(link.ToUri("https://example.com/t"), out var back, out _));
        Assert.Equal(link, back);
    }

    [Theory]
    [InlineData("ftp://example.com")]
    [InlineData("example.com")]
    [InlineData("https://example.com/?x=1")]
    [InlineData("https://example.com/#top")]
    [InlineData("")]
    public void CheckBaseUri_Unusable_SaysWhy(string baseUri)
    {
        Assert.NotNull(DigitalLink.CheckBaseUri(baseUri));
        Assert.Throws<ArgumentException>(() => new DigitalLink(Gtin.Parse("09521234543213")).ToUri(baseUri));
    }

    [Theory]
    [InlineData("/01/09521234543214", DigitalLinkErrorKind.GtinCheckDigit, "check digit 4")]
    [InlineData("/01/4006381333932", DigitalLinkErrorKind.GtinCheckDigit, "give 1")]
    [InlineData("/01/0952123454", DigitalLinkErrorKind.GtinLength, "10 digits")]
    [InlineData("/01/952123454321399", DigitalLinkErrorKind.GtinLength, "15 digits")]
    [InlineData("/01/1234567", DigitalLinkErrorKind.GtinLength, "7 digits")]
    [InlineData("/01/0952123454321X", DigitalLinkErrorKind.GtinNotDigits, "'X' at position 14")]
    [InlineData("/01/09521%20234543213", DigitalLinkErrorKind.GtinNotDigits, "a space")]
    [InlineData("/01/", DigitalLinkErrorKind.MissingValue, "GTIN")]
    [InlineData("/01", DigitalLinkErrorKind.MissingValue, "GTIN")]
    [InlineData("/00/106141411234567897", DigitalLinkErrorKind.NotADigitalLink, "/01/")]
    [InlineData("01/09521234543213", DigitalLinkErrorKind.NotADigitalLink, "not a path")]
    [InlineData("/01/09521234543213/10", DigitalLinkErrorKind.MissingValue, "batch/lot")]
    [InlineData("/01/09521234543213/10/", DigitalLinkErrorKind.MissingValue, "batch/lot")]
    [InlineData("/01/09521234543213/21/5/10/ABC", DigitalLinkErrorKind.QualifierOrder, "before the serial")]
    [InlineData("/01/09521234543213/10/A/10/B", DigitalLinkErrorKind.DuplicateQualifier, "twice")]
    [InlineData("/01/09521234543213/10/A/21/1/21/2", DigitalLinkErrorKind.DuplicateQualifier, "twice")]
    [InlineData("/01/09521234543213/22/V1/10/ABC", DigitalLinkErrorKind.UnsupportedQualifier, "AI 22")]
    [InlineData("/01/09521234543213/17/261231", DigitalLinkErrorKind.UnsupportedQualifier, "'17'")]
    [InlineData("/01/09521234543213//10/A", DigitalLinkErrorKind.NotADigitalLink, "empty segment")]
    [InlineData("/01/09521234543213/10/ABCDEFGHIJKLMNOPQRSTU", DigitalLinkErrorKind.ValueTooLong, "21 characters")]
    [InlineData("/01/09521234543213/10/LOT%2", DigitalLinkErrorKind.BadPercentEncoding, "position 4")]
    [InlineData("/01/09521234543213/10/LOT%G1", DigitalLinkErrorKind.BadPercentEncoding, "%25")]
    [InlineData("/01/09521234543213/10/L~1", DigitalLinkErrorKind.CharacterNotAllowed, "'~' at position 2")]
    [InlineData("/01/09521234543213/10/L@1", DigitalLinkErrorKind.CharacterNotAllowed, "'@'")]
    [InlineData("/01/09521234543213/10/%C3%A4", DigitalLinkErrorKind.CharacterNotAllowed, "U+00E4")]
    [InlineData("/01/09521234543213/10/A/21/%23", DigitalLinkErrorKind.CharacterNotAllowed, "serial number")]
    public void ParsePath_Malformed_IsRefusedWithReason(string path, DigitalLinkErrorKind kind, string reasonFragment)
    {
        Assert.False(DigitalLink.TryParsePath(path, out var link, out var error));
        Assert.Null(link);
        Assert.Equal(kind, error.Kind);
        Assert.Contains(reasonFragment, error.Message, StringComparison.Ordinal);
        Assert.False(DigitalLink.ParsePath(path).Succeeded);
        Assert.Equal(error.Code, DigitalLink.ParsePath(path).Failure!.Code);
    }

    [Fact]
    public void CheckDigitError_CarriesBothDigits()
    {
        Assert.False(DigitalLink.TryParsePath("/01/09521234543210", out _, out var error));
        Assert.Equal(3, error.ExpectedCheckDigit);
        Assert.Equal(0, error.ActualCheckDigit);
        Assert.Equal("gtin-check-digit", error.Code);
    }

    [Fact]
    public void Constructor_InvalidLot_Throws()
    {
        var gtin = Gtin.Parse("09521234543213");
        Assert.Throws<ArgumentException>(() => new DigitalLink(gtin, ""));
        Assert.Throws<ArgumentException>(() => new DigitalLink(gtin, new string('A', 21)));
        Assert.Throws<ArgumentException>(() => new DigitalLink(gtin, "LOT 1"));
        Assert.Throws<ArgumentException>(() => new DigitalLink(gtin, "A", "批次"));
    }

    [Fact]
    public void CharacterSet82_HasExactly82Characters()
    {
        // GS1 General Specifications figure 7.11-1 lists 82 characters; none outside printable ASCII.
        var members = Enumerable.Range(0, 0x10000).Count(c => DigitalLink.IsCharacterSet82((char)c));
        Assert.Equal(82, members);
        Assert.Equal("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz",
            new string(Enumerable.Range(0, 128).Where(c => DigitalLink.IsCharacterSet82((char)c)).Select(c => (char)c).ToArray()));
    }

    [Fact]
    public void SameItemWrittenDifferently_IsEqual()
    {
        Assert.True(DigitalLink.TryParsePath("/01/4006381333931/10/L%2D1", out var a, out _));
        Assert.True(DigitalLink.TryParsePath("/01/04006381333931/10/L-1", out var b, out _));
        Assert.Equal(a, b);
        Assert.Equal(a.ToPath(), b.ToPath());
    }
}
