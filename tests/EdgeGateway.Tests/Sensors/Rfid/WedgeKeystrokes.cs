using EdgeGateway.Sensors.Rfid;

namespace EdgeGateway.Tests.Sensors.Rfid;

/// <summary>
/// The events a USB HID keyboard-wedge reader produces when it types: per key an EV_MSC MSC_SCAN
/// with the HID usage, EV_KEY down, EV_SYN, then the same for key up; shift held around capitals.
/// </summary>
public static class WedgeKeystrokes
{
    private const ushort MscScan = 4;

    public static List<InputEvent> Type(string text, ushort terminator = LinuxKeyCodes.Enter, long seconds = 1_767_225_600)
    {
        var events = new List<InputEvent>();
        var usec = 0L;
        void Key(ushort code, int value)
        {
            events.Add(new InputEvent(seconds, usec, InputEvent.EvMsc, MscScan, 0x70000 + code));
            events.Add(new InputEvent(seconds, usec, InputEvent.EvKey, code, value));
            events.Add(new InputEvent(seconds, usec, InputEvent.EvSyn, 0, 0));
            usec += 4000;
        }
        foreach (var c in text)
        {
            var (code, shift) = LinuxKeyCodes.KeyFor(c) ?? throw new ArgumentException($"no key types '{c}'");
            if (shift) Key(LinuxKeyCodes.LeftShift, 1);
            Key(code, 1);
            Key(code, 0);
            if (shift) Key(LinuxKeyCodes.LeftShift, 0);
        }
        Key(terminator, 1);
        Key(terminator, 0);
        return events;
    }

    public static byte[] Encode(IEnumerable<InputEvent> events, EvdevLayout layout)
    {
        var size = InputEventCodec.SizeOf(layout);
        var list = events.ToList();
        var bytes = new byte[list.Count * size];
        for (var i = 0; i < list.Count; i++) InputEventCodec.Write(bytes.AsSpan(i * size), list[i], layout);
        return bytes;
    }
}
