using Firmware.Contracts.Epc;

namespace Firmware.Contracts.Tests.Epc;

public class Sgtin96Tests
{
    // GS1 EPC Tag Data Standard (releases 1.6 to 2.x), Appendix E "Example of a Specific Trade
    // Item (SGTIN)": binary 3074257BF7194E4000001A85 is urn:epc:tag:sgtin-96:3.0614141.812345.6789,
    // pure identity urn:epc:id:sgtin:0614141.812345.6789, element string (01)80614141123458(21)6789.
    private const string TdsExampleHex = "3074257BF7194E4000001A85";
    private const string TdsExampleUri = "urn:epc:id:sgtin:0614141.812345.6789";

    [Fact]
    public void Decode_TdsAppendixE_GivesPublishedUris()
    {
        Assert.True(Sgtin96.TryDecode(TdsExampleHex, out var tag, out var error), error);
        Assert.Equal(TdsExampleUri, tag.Sgtin.ToEpcUri());
        Assert.Equal("urn:epc:tag:sgtin-96:3.0614141.812345.6789", tag.ToTagUri());
        Assert.Equal(SgtinFilter.Reserved3, tag.Filter);
        Assert.Equal("80614141123458", tag.Sgtin.Gtin.Value);
        Assert.Equal("6789", tag.Sgtin.Serial);
    }

    [Fact]
    public void Decode_LowerCaseHex_IsAccepted() =>
        Assert.Equal(TdsExampleUri, Sgtin96.Decode(TdsExampleHex.ToLowerInvariant()).Sgtin.ToEpcUri());

    [Fact]
    public void Encode_TdsAppendixE_GivesPublishedHex()
    {
        var sgtin = Sgtin.Create(Gtin.Parse("80614141123458"), companyPrefixLength: 7, serial: "6789");
        Assert.Equal(TdsExampleHex, Sgtin96.Encode(sgtin, (SgtinFilter)3));
    }

    [Fact]
    public void Encode_FromGtinSerialAndPrefixLength_GivesTdsExampleHex() =>
        Assert.Equal(TdsExampleHex, Sgtin96.Encode(Gtin.Parse("80614141123458"), companyPrefixLength: 7, serial: 6789, (SgtinFilter)3));

    [Theory]
    [InlineData(-1L)]
    [InlineData(274_877_906_944L)]
    public void Encode_NumericSerialOutOf38Bits_IsRejected(long serial)
    {
        Assert.False(Sgtin96.TryEncode(Gtin.Parse("80614141123458"), 7, serial, SgtinFilter.UnitLoad, out _, out var error));
        Assert.Contains("outside 0..274877906943", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00614141123452", 12, "1")]
    [InlineData("10614141123459", 11, "274877906943")]
    [InlineData("80614141123458", 10, "0")]
    [InlineData("80614141123458", 9, "42")]
    [InlineData("80614141123458", 8, "1000")]
    [InlineData("80614141123458", 7, "6789")]
    [InlineData("80614141123458", 6, "99")]
    public void EncodeDecode_EveryPartition_RoundTrips(string gtin, int prefixLength, string serial)
    {
        var sgtin = Sgtin.Create(Gtin.Parse(gtin), prefixLength, serial);
        var hex = Sgtin96.Encode(sgtin, SgtinFilter.UnitLoad);
        Assert.Equal(24, hex.Length);
        var decoded = Sgtin96.Decode(hex);
        Assert.Equal(sgtin, decoded.Sgtin);
        Assert.Equal(SgtinFilter.UnitLoad, decoded.Filter);
        Assert.Equal(prefixLength, decoded.Sgtin.CompanyPrefix.Length);
    }

    [Theory]
    [InlineData("3174257BF7194E4000001A85", "header is 0x31")]
    [InlineData("E2801160600002084D6A1A85", "header is 0xE2")]
    [InlineData("307C257BF7194E4000001A85", "partition value is 7")]
    [InlineData("3074257BF7194E4000001A8", "24 hex digits; got 23")]
    [InlineData("3074257BF7194E4000001A850", "got 25")]
    [InlineData("3074257BF7194E4000001AZ5", "'Z'")]
    [InlineData("", "got 0")]
    public void Decode_Invalid_IsRejectedWithReason(string hex, string reasonFragment)
    {
        Assert.False(Sgtin96.TryDecode(hex, out var tag, out var error));
        Assert.Null(tag);
        Assert.Contains(reasonFragment, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_CompanyPrefixFieldTooLargeForItsDigits_IsRejected()
    {
        // Partition 5: a 7-digit prefix in 24 bits, whose largest value 16777215 has 8 digits.
        var hex = ComposeBits(filter: 3, partition: 5, prefixBits: 24, prefix: 16_777_215, item: 812345, serial: 6789);
        Assert.False(Sgtin96.TryDecode(hex, out _, out var error));
        Assert.Contains("does not fit the 7 digits", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_ItemReferenceFieldTooLargeForItsDigits_IsRejected()
    {
        // Partition 5: a 6-digit indicator/item reference in 20 bits; 1048575 has 7 digits.
        var hex = ComposeBits(filter: 3, partition: 5, prefixBits: 24, prefix: 614141, item: 1_048_575, serial: 6789);
        Assert.False(Sgtin96.TryDecode(hex, out _, out var error));
        Assert.Contains("does not fit the 6 digits", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ComposeBits_TdsExampleFields_GivesTdsExampleHex() =>
        // Checks the test's own bit composer against the published example before it is trusted above.
        Assert.Equal(TdsExampleHex, ComposeBits(filter: 3, partition: 5, prefixBits: 24, prefix: 614141, item: 812345, serial: 6789));

    // Lays out the SGTIN-96 fields bit by bit, independently of Sgtin96.Encode, so that tests can
    // build field values the encoder refuses to write.
    private static string ComposeBits(int filter, int partition, int prefixBits, ulong prefix, ulong item, ulong serial)
    {
        var bits = new System.Text.StringBuilder();
        void Put(ulong value, int width)
        {
            for (var i = width - 1; i >= 0; i--) bits.Append(((value >> i) & 1) == 1 ? '1' : '0');
        }
        Put(0x30, 8);
        Put((ulong)filter, 3);
        Put((ulong)partition, 3);
        Put(prefix, prefixBits);
        Put(item, 44 - prefixBits);
        Put(serial, 38);
        var s = bits.ToString();
        return string.Concat(Enumerable.Range(0, 24).Select(i => Convert.ToInt32(s.Substring(i * 4, 4), 2).ToString("X", System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("0123", "leading zeros")]
    [InlineData("A12", "use SGTIN-198")]
    [InlineData("274877906944", "274877906943")]
    public void Encode_SerialSgtin96CannotHold_IsRejected(string serial, string reasonFragment)
    {
        var sgtin = Sgtin.Create(Gtin.Parse("80614141123458"), 7, serial);
        Assert.False(Sgtin96.TryEncode(sgtin, SgtinFilter.UnitLoad, out var hex, out var error));
        Assert.Null(hex);
        Assert.Contains(reasonFragment, error, StringComparison.Ordinal);
    }
}
