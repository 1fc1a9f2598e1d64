namespace EdgeGateway.Sensors.Rfid;

/// <summary>The KEY_* codes a keyboard-wedge reader types (linux/input-event-codes.h).</summary>
public static class LinuxKeyCodes
{
    /// <summary>KEY_ENTER.</summary>
    public const ushort Enter = 28;
    /// <summary>KEY_KPENTER.</summary>
    public const ushort KeypadEnter = 96;
    /// <summary>KEY_LEFTSHIFT.</summary>
    public const ushort LeftShift = 42;
    /// <summary>KEY_RIGHTSHIFT.</summary>
    public const ushort RightShift = 54;

    private static readonly Dictionary<ushort, (char Plain, char Shifted)> Keys = Build();

    /// <summary>The character a key types, honouring shift; null for keys that type nothing we map.</summary>
    public static char? CharFor(ushort code, bool shift) =>
        Keys.TryGetValue(code, out var c) ? (shift ? c.Shifted : c.Plain) : null;

    /// <summary>The KEY_* code that types <paramref name="c"/> and whether shift is needed; for tests and simulators.</summary>
    public static (ushort Code, bool Shift)? KeyFor(char c)
    {
        foreach (var (code, chars) in Keys)
        {
            if (chars.Plain == c) return (code, false);
            if (chars.Shifted == c) return (code, true);
        }
        return null;
    }

    private static Dictionary<ushort, (char, char)> Build()
    {
        var keys = new Dictionary<ushort, (char, char)>();
        // KEY_1..KEY_9 are 2..10, KEY_0 is 11 (US layout: shifted digits are punctuation).
        const string shiftedDigits = "!@#$%^&*(";
        for (var i = 1; i <= 9; i++) keys[(ushort)(i + 1)] = ((char)('0' + i), shiftedDigits[i - 1]);
        keys[11] = ('0', ')');
        keys[12] = ('-', '_');
        // Letter rows in code order: KEY_Q=16..KEY_P=25, KEY_A=30..KEY_L=38, KEY_Z=44..KEY_M=50.
        AddRow(keys, 16, "qwertyuiop");
        AddRow(keys, 30, "asdfghjkl");
        AddRow(keys, 44, "zxcvbnm");
        keys[51] = (',', '<');
        keys[52] = ('.', '>');
        keys[53] = ('/', '?');
        keys[57] = (' ', ' ');
        // Keypad digits: KEY_KP7..KEY_KP9 = 71..73, KP4..KP6 = 75..77, KP1..KP3 = 79..81, KP0 = 82.
        AddRow(keys, 71, "789");
        AddRow(keys, 75, "456");
        AddRow(keys, 79, "1230");
        keys[74] = ('-', '-');
        return keys;
    }

    private static void AddRow(Dictionary<ushort, (char, char)> keys, ushort first, string chars)
    {
        for (var i = 0; i < chars.Length; i++)
            keys[(ushort)(first + i)] = (chars[i], char.ToUpperInvariant(chars[i]));
    }
}
