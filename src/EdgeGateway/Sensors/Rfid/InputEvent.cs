using System.Buffers.Binary;

namespace EdgeGateway.Sensors.Rfid;

/// <summary>One Linux <c>struct input_event</c> as read from /dev/input/eventN.</summary>
/// <param name="Seconds">Kernel timestamp, seconds part (not used for readings; the gateway's clock is).</param>
/// <param name="Microseconds">Kernel timestamp, microseconds part.</param>
/// <param name="Type">EV_* type (EV_KEY = 1).</param>
/// <param name="Code">KEY_* code for EV_KEY.</param>
/// <param name="Value">For EV_KEY: 1 key down, 0 key up, 2 autorepeat.</param>
public readonly record struct InputEvent(long Seconds, long Microseconds, ushort Type, ushort Code, int Value)
{
    /// <summary>EV_SYN: end of a batch of events.</summary>
    public const ushort EvSyn = 0;

    /// <summary>EV_KEY: a key changed state.</summary>
    public const ushort EvKey = 1;

    /// <summary>EV_MSC: miscellaneous, e.g. the HID scan code sent before each key.</summary>
    public const ushort EvMsc = 4;
}

/// <summary>Which <c>struct input_event</c> layout the kernel writes to this process.</summary>
public enum EvdevLayout
{
    /// <summary>The layout for this process's word size (<see cref="IntPtr.Size"/>).</summary>
    Native,

    /// <summary>64-bit processes: 16-byte timeval (two 8-byte longs), u16 type, u16 code, s32 value; 24 bytes.</summary>
    Event64,

    /// <summary>
    /// 32-bit processes: 8-byte timeval (two 4-byte longs), then type, code, value; 16 bytes. A 32-bit
    /// process on a 64-bit kernel gets this layout too (the kernel's compat path), and so does 32-bit
    /// user space built with 64-bit time_t: the kernel keeps input_event's time fields at word size.
    /// </summary>
    Event32,
}

/// <summary>Reads and writes <c>struct input_event</c> records (little-endian, as on arm, arm64 and x86-64).</summary>
public static class InputEventCodec
{
    /// <summary>Resolves <see cref="EvdevLayout.Native"/> for this process.</summary>
    public static EvdevLayout Resolve(EvdevLayout layout) =>
        layout == EvdevLayout.Native ? (IntPtr.Size == 8 ? EvdevLayout.Event64 : EvdevLayout.Event32) : layout;

    /// <summary>Size in bytes of one record.</summary>
    public static int SizeOf(EvdevLayout layout) => Resolve(layout) == EvdevLayout.Event64 ? 24 : 16;

    /// <summary>Decodes one record from the start of <paramref name="bytes"/>.</summary>
    public static InputEvent Read(ReadOnlySpan<byte> bytes, EvdevLayout layout)
    {
        if (Resolve(layout) == EvdevLayout.Event64)
        {
            return new InputEvent(
                BinaryPrimitives.ReadInt64LittleEndian(bytes),
                BinaryPrimitives.ReadInt64LittleEndian(bytes[8..]),
                BinaryPrimitives.ReadUInt16LittleEndian(bytes[16..]),
                BinaryPrimitives.ReadUInt16LittleEndian(bytes[18..]),
                BinaryPrimitives.ReadInt32LittleEndian(bytes[20..]));
        }
        return new InputEvent(
            BinaryPrimitives.ReadInt32LittleEndian(bytes),
            BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt16LittleEndian(bytes[10..]),
            BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]));
    }

    /// <summary>Encodes one record into the start of <paramref name="destination"/>.</summary>
    public static void Write(Span<byte> destination, in InputEvent e, EvdevLayout layout)
    {
        if (Resolve(layout) == EvdevLayout.Event64)
        {
            BinaryPrimitives.WriteInt64LittleEndian(destination, e.Seconds);
            BinaryPrimitives.WriteInt64LittleEndian(destination[8..], e.Microseconds);
            BinaryPrimitives.WriteUInt16LittleEndian(destination[16..], e.Type);
            BinaryPrimitives.WriteUInt16LittleEndian(destination[18..], e.Code);
            BinaryPrimitives.WriteInt32LittleEndian(destination[20..], e.Value);
            return;
        }
        BinaryPrimitives.WriteInt32LittleEndian(destination, checked((int)e.Seconds));
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], checked((int)e.Microseconds));
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], e.Type);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], e.Code);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], e.Value);
    }
}
