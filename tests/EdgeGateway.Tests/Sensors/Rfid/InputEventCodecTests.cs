using EdgeGateway.Sensors.Rfid;

namespace EdgeGateway.Tests.Sensors.Rfid;

public class InputEventCodecTests
{
    // struct input_event for KEY_A (30) down at 1767225600.123456, little-endian, laid out by hand
    // from linux/input.h: python3 -c "import struct; print(struct.pack('<qqHHi',1767225600,123456,1,30,1).hex(' '))"
    private static readonly byte[] KeyADown64 = Convert.FromHexString("00b9556900000000" + "40e2010000000000" + "0100" + "1e00" + "01000000");
    // The same on 32-bit: python3 -c "import struct; print(struct.pack('<iiHHi',1767225600,123456,1,30,1).hex(' '))"
    private static readonly byte[] KeyADown32 = Convert.FromHexString("00b95569" + "40e20100" + "0100" + "1e00" + "01000000");

    private static readonly InputEvent KeyADown = new(1_767_225_600, 123_456, InputEvent.EvKey, 30, 1);

    [Fact]
    public void Read_64BitGoldenBytes_DecodesEveryField() =>
        Assert.Equal(KeyADown, InputEventCodec.Read(KeyADown64, EvdevLayout.Event64));

    [Fact]
    public void Read_32BitGoldenBytes_DecodesEveryField() =>
        Assert.Equal(KeyADown, InputEventCodec.Read(KeyADown32, EvdevLayout.Event32));

    [Fact]
    public void Write_BothLayouts_ProduceGoldenBytes()
    {
        var b64 = new byte[24];
        var b32 = new byte[16];
        InputEventCodec.Write(b64, KeyADown, EvdevLayout.Event64);
        InputEventCodec.Write(b32, KeyADown, EvdevLayout.Event32);
        Assert.Equal(KeyADown64, b64);
        Assert.Equal(KeyADown32, b32);
    }

    [Fact]
    public void SizeOf_NativeLayout_FollowsProcessWordSize()
    {
        Assert.Equal(24, InputEventCodec.SizeOf(EvdevLayout.Event64));
        Assert.Equal(16, InputEventCodec.SizeOf(EvdevLayout.Event32));
        Assert.Equal(IntPtr.Size == 8 ? 24 : 16, InputEventCodec.SizeOf(EvdevLayout.Native));
    }

    [Fact]
    public void Read_NegativeValue_IsSigned()
    {
        var bytes = (byte[])KeyADown64.Clone();
        bytes[20] = 0xff; bytes[21] = 0xff; bytes[22] = 0xff; bytes[23] = 0xff;
        Assert.Equal(-1, InputEventCodec.Read(bytes, EvdevLayout.Event64).Value);
    }
}
