using System.Text;
using EdgeGateway.Sensors.Rfid;

namespace EdgeGateway.Tests.Sensors.Rfid;

public class SerialLineDecoderTests
{
    private static List<RawTagRead> Decode(params string[] chunks)
    {
        var decoder = new SerialLineDecoder(maxLength: 32);
        var reads = new List<RawTagRead>();
        foreach (var chunk in chunks) decoder.Push(Encoding.Latin1.GetBytes(chunk), reads);
        return reads;
    }

    [Fact]
    public void Push_CrLfLfAndCrTerminators_OneReadPerLine() =>
        Assert.Equal(
            [new RawTagRead("AAA1"), new RawTagRead("BBB2"), new RawTagRead("CCC3")],
            Decode("AAA1\r\nBBB2\nCCC3\r"));

    [Fact]
    public void Push_LineSplitAcrossReads_IsJoined() =>
        Assert.Equal([new RawTagRead("3074257BF7194E4000001A85")], Decode("3074257B", "F7194E40", "00001A85\r", "\n"));

    [Fact]
    public void Push_StxEtxFraming_WithoutLineEnd_IsOneReadPerFrame() =>
        // 125 kHz modules such as the RDM6300 send STX, ten id digits, two checksum digits, ETX.
        Assert.Equal([new RawTagRead("1C0044CF2BBC"), new RawTagRead("1C0044CF2CBB")], Decode("\u00021C0044CF2BBC\u0003\u00021C0044CF2CBB\u0003"));

    [Fact]
    public void Push_NonAsciiByte_ReadCarriesProblem()
    {
        var read = Assert.Single(Decode("04A1\u00e9B2\n"));
        Assert.Contains("0xE9", read.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Push_OverlongLine_ReadCarriesProblemAndNextLineIsClean()
    {
        var reads = Decode(new string('A', 40) + "\n04A1\n");
        Assert.Equal(2, reads.Count);
        Assert.Contains("longer than 32", reads[0].Problem, StringComparison.Ordinal);
        Assert.Equal(new RawTagRead("04A1"), reads[1]);
    }
}
