using EdgeGateway.Sensors.Rfid;

namespace EdgeGateway.Tests.Sensors.Rfid;

public class RfidTagValueTests
{
    [Theory]
    [InlineData("3074257BF7194E4000001A85", "urn:epc:id:sgtin:0614141.812345.6789")]
    [InlineData(" 3074257bf7194e4000001a85 ", "urn:epc:id:sgtin:0614141.812345.6789")]
    [InlineData("E2801160600002084D6A1A85", "raw:E2801160600002084D6A1A85")] // TID-like, header not 0x30
    [InlineData("307C257BF7194E4000001A85", "raw:307C257BF7194E4000001A85")] // SGTIN header, reserved partition
    [InlineData("04a1b2c3d4e5f6", "raw:04A1B2C3D4E5F6")]                    // 7-byte ISO 14443 UID
    [InlineData("0004512345", "raw:0004512345")]                            // 125 kHz card number
    public void TryInterpret_HexId_GivesEpcUriOrRaw(string read, string expected)
    {
        Assert.True(RfidTagValue.TryInterpret(new RawTagRead(read), out var value, out var error), error);
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("04:A1:B2", "not a hexadecimal tag id")]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    public void TryInterpret_NotAHexId_FailsWithReason(string read, string fragment)
    {
        Assert.False(RfidTagValue.TryInterpret(new RawTagRead(read), out var value, out var error));
        Assert.Null(value);
        Assert.Contains(fragment, error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryInterpret_ReadWithProblem_FailsQuotingTheProblem()
    {
        Assert.False(RfidTagValue.TryInterpret(new RawTagRead("04A1", "key code(s) 59 type no character"), out _, out var error));
        Assert.Contains("'04A1'", error, StringComparison.Ordinal);
        Assert.Contains("key code(s) 59", error, StringComparison.Ordinal);
    }
}
