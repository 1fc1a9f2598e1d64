using EdgeGateway.Sensors.Rfid;

namespace EdgeGateway.Tests.Sensors.Rfid;

public class KeyboardWedgeDecoderTests
{
    private static InputEvent Key(ushort code, int value) => new(0, 0, InputEvent.EvKey, code, value);

    private static List<RawTagRead> Decode(IEnumerable<InputEvent> events)
    {
        var decoder = new KeyboardWedgeDecoder();
        return events.Select(e => decoder.Push(e)).OfType<RawTagRead>().ToList();
    }

    [Fact]
    public void Push_HandBuiltKeyCodes_TypeDigitsAndShiftedLetters()
    {
        // KEY_0=11, KEY_4=5, shift+KEY_A=30, KEY_1=2, shift+KEY_F=33, KEY_ENTER=28 (linux/input-event-codes.h).
        InputEvent[] events =
        [
            Key(11, 1), Key(11, 0), Key(5, 1), Key(5, 0),
            Key(42, 1), Key(30, 1), Key(30, 0), Key(42, 0),
            Key(2, 1), Key(2, 0),
            Key(54, 1), Key(33, 1), Key(33, 0), Key(54, 0),
            Key(28, 1), Key(28, 0),
        ];
        Assert.Equal([new RawTagRead("04A1F")], Decode(events));
    }

    [Fact]
    public void Push_LettersWithoutShift_AreLowerCase() =>
        Assert.Equal([new RawTagRead("ab")], Decode([Key(30, 1), Key(48, 1), Key(28, 1)]));

    [Fact]
    public void Push_KeypadDigitsAndKeypadEnter_EndTheRead() =>
        Assert.Equal([new RawTagRead("7410")], Decode([Key(71, 1), Key(75, 1), Key(79, 1), Key(82, 1), Key(96, 1)]));

    [Fact]
    public void Push_RealisticStreamWithScanCodesAndSyn_DecodesEachTag()
    {
        var events = WedgeKeystrokes.Type("3074257BF7194E4000001A85").Concat(WedgeKeystrokes.Type("04a1b2c3", LinuxKeyCodes.KeypadEnter));
        Assert.Equal([new RawTagRead("3074257BF7194E4000001A85"), new RawTagRead("04a1b2c3")], Decode(events));
    }

    [Fact]
    public void Push_AutorepeatAndRelease_TypeNothing() =>
        Assert.Equal([new RawTagRead("1")], Decode([Key(2, 1), Key(2, 2), Key(2, 2), Key(2, 0), Key(28, 1)]));

    [Fact]
    public void Push_EnterAlone_IsNoRead() =>
        Assert.Empty(Decode([Key(28, 1), Key(28, 0), Key(96, 1)]));

    [Fact]
    public void Push_UnmappedKey_ReadCarriesProblemNamingTheCode()
    {
        // KEY_F1 = 59 types nothing.
        var read = Assert.Single(Decode([Key(2, 1), Key(59, 1), Key(3, 1), Key(28, 1)]));
        Assert.Equal("1\uFFFD2", read.Text);
        Assert.Contains("59", read.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Push_TooManyKeysBeforeEnter_ReadCarriesProblemAndNextReadIsClean()
    {
        var decoder = new KeyboardWedgeDecoder(maxLength: 8);
        var reads = Enumerable.Repeat(Key(2, 1), 20).Append(Key(28, 1))
            .Concat(WedgeKeystrokes.Type("42"))
            .Select(e => decoder.Push(e)).OfType<RawTagRead>().ToList();
        Assert.Equal(2, reads.Count);
        Assert.Contains("more than 8 keys", reads[0].Problem, StringComparison.Ordinal);
        Assert.Equal(new RawTagRead("42"), reads[1]);
    }
}
