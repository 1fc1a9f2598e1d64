using System.Globalization;
using System.Text;

namespace EdgeGateway.Sensors.Rfid;

/// <summary>
/// Turns the key events of a USB HID "keyboard wedge" RFID reader into tag reads: the reader types
/// the id and presses Enter. Key-down events type characters (shift held means upper case);
/// KEY_ENTER or KEY_KPENTER ends the read.
/// </summary>
public sealed class KeyboardWedgeDecoder(int maxLength = 128)
{
    private readonly StringBuilder _buffer = new();
    private readonly List<ushort> _unmapped = [];
    private bool _leftShift;
    private bool _rightShift;
    private bool _overflowed;

    /// <summary>Feeds one event; returns a read when it completes one.</summary>
    public RawTagRead? Push(in InputEvent e)
    {
        if (e.Type != InputEvent.EvKey) return null;
        switch (e.Code)
        {
            case LinuxKeyCodes.LeftShift:
                _leftShift = e.Value != 0;
                return null;
            case LinuxKeyCodes.RightShift:
                _rightShift = e.Value != 0;
                return null;
        }
        // Only key-down types a character; release (0) and autorepeat (2) do not.
        if (e.Value != 1) return null;
        if (e.Code is LinuxKeyCodes.Enter or LinuxKeyCodes.KeypadEnter) return Complete();

        if (_buffer.Length >= maxLength)
        {
            _overflowed = true;
            return null;
        }
        if (LinuxKeyCodes.CharFor(e.Code, _leftShift || _rightShift) is { } c) _buffer.Append(c);
        else
        {
            _unmapped.Add(e.Code);
            _buffer.Append('\uFFFD');
        }
        return null;
    }

    /// <summary>Forgets a partly typed read (after the device was reopened).</summary>
    public void Reset()
    {
        _buffer.Clear();
        _unmapped.Clear();
        _leftShift = _rightShift = _overflowed = false;
    }

    private RawTagRead? Complete()
    {
        if (_buffer.Length == 0 && !_overflowed) return null;
        string? problem = null;
        if (_overflowed) problem = $"more than {maxLength} keys before Enter";
        else if (_unmapped.Count > 0)
            problem = "key code(s) " + string.Join(", ", _unmapped.Select(c => c.ToString(CultureInfo.InvariantCulture))) + " type no character the reader should send";
        var read = new RawTagRead(_buffer.ToString(), problem);
        _buffer.Clear();
        _unmapped.Clear();
        _overflowed = false;
        return read;
    }
}
