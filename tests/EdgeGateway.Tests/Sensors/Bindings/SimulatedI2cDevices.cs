using System.Device.I2c;

namespace EdgeGateway.Tests.Sensors.Bindings;

/// <summary>
/// The behaviour every simulated bus device shares: it can be told to fail the next transfers the
/// way a real bus does (no acknowledge: an IOException), and closing it leaves it on its bus to be
/// opened again, like the chip on a real one.
/// </summary>
internal abstract class SimulatedBusDevice : I2cDevice
{
    private int _failTransfers;

    public override I2cConnectionSettings ConnectionSettings { get; } = new(1, 0);

    /// <summary>The next <paramref name="count"/> transfers fail with EREMOTEIO's message, as the kernel's I2C layer does.</summary>
    public void FailNext(int count) => _failTransfers = count;

    public int Transfers { get; private set; }

    protected void Transfer()
    {
        Transfers++;
        if (_failTransfers > 0)
        {
            _failTransfers--;
            throw new IOException("Error 121 performing I2C data transfer (Remote I/O error).");
        }
    }

    public sealed override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    protected override void Dispose(bool disposing)
    {
        // The chip stays on the bus; only the handle closes.
    }
}

/// <summary>
/// A register-file chip, as dotnet/iot's SimulatedI2cDevice (Bmxx80 tests): a write sets the
/// register pointer and stores the bytes after it; a read returns bytes from the pointer on.
/// </summary>
internal sealed class SimulatedRegisterDevice : SimulatedBusDevice
{
    private readonly byte[] _registers = new byte[256];
    private byte _pointer;

    public void Set(int register, params byte[] bytes) => bytes.CopyTo(_registers, register);

    public void SetLittleEndian(int register, int value)
    {
        _registers[register] = (byte)(value & 0xFF);
        _registers[register + 1] = (byte)((value >> 8) & 0xFF);
    }

    public override byte ReadByte()
    {
        Transfer();
        return _registers[_pointer];
    }

    public override void Read(Span<byte> buffer)
    {
        Transfer();
        for (var i = 0; i < buffer.Length; i++) buffer[i] = _registers[(_pointer + i) & 0xFF];
    }

    public override void WriteByte(byte value)
    {
        Transfer();
        _pointer = value;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Transfer();
        _pointer = buffer[0];
        for (var i = 1; i < buffer.Length; i++) _registers[(_pointer + i - 1) & 0xFF] = buffer[i];
    }
}

/// <summary>
/// A chip that takes commands (Sensirion SHT3x/SHT4x, Si7021): each write is a command, and the
/// reads after it return the chip's answer to that command. Unknown commands are remembered only.
/// </summary>
internal sealed class SimulatedCommandDevice : SimulatedBusDevice
{
    private readonly Dictionary<string, byte[]> _answers = new(StringComparer.Ordinal);
    private byte[] _pending = [];

    public List<string> Commands { get; } = [];

    /// <summary>What the chip answers to <paramref name="commandHex"/> (lower-case hex of the written bytes).</summary>
    public void Answer(string commandHex, params byte[] answer) => _answers[commandHex] = answer;

    public override byte ReadByte()
    {
        Transfer();
        return _pending.Length > 0 ? _pending[0] : (byte)0xFF;
    }

    public override void Read(Span<byte> buffer)
    {
        Transfer();
        // Past the end of its answer a chip lets the bus float high.
        for (var i = 0; i < buffer.Length; i++) buffer[i] = i < _pending.Length ? _pending[i] : (byte)0xFF;
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Transfer();
        var command = Convert.ToHexStringLower(buffer);
        Commands.Add(command);
        if (_answers.TryGetValue(command, out var answer)) _pending = answer;
    }
}

/// <summary>
/// An MCP9808: a register pointer selects a 16-bit register (datasheet §5.1), written and read most
/// significant byte first.
/// </summary>
internal sealed class SimulatedMcp9808 : SimulatedBusDevice
{
    private readonly Dictionary<byte, ushort> _registers = new()
    {
        [0x01] = 0x0000, // CONFIG
        [0x05] = 0x0000, // T_A
        [0x06] = 0x0054, // manufacturer id (datasheet §5.1.5)
        [0x07] = 0x0400, // device id 0x04, revision 0x00
        [0x08] = 0x03,   // resolution 0.0625 °C
    };
    private byte _pointer;

    public void Set(byte register, ushort value) => _registers[register] = value;

    public override byte ReadByte()
    {
        Transfer();
        return (byte)_registers.GetValueOrDefault(_pointer);
    }

    public override void Read(Span<byte> buffer)
    {
        Transfer();
        var value = _registers.GetValueOrDefault(_pointer);
        buffer[0] = (byte)(value >> 8);
        if (buffer.Length > 1) buffer[1] = (byte)value;
    }

    public override void WriteByte(byte value)
    {
        Transfer();
        _pointer = value;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Transfer();
        _pointer = buffer[0];
        if (buffer.Length == 3) _registers[_pointer] = (ushort)((buffer[1] << 8) | buffer[2]);
        else if (buffer.Length == 2) _registers[_pointer] = buffer[1];
    }
}

/// <summary>
/// An AHT20 (datasheet v1.1 §5.4): status byte on 0x71 (bit 3 calibrated, bit 7 busy), measurement
/// triggered by AC 33 00, then six bytes: status, 20 bits of humidity, 20 bits of temperature.
/// </summary>
internal sealed class SimulatedAht20 : SimulatedBusDevice
{
    private bool _statusNext;

    /// <summary>Status polls that answer busy after each trigger; int.MaxValue for a chip that never finishes.</summary>
    public int BusyPolls { get; set; } = 2;

    public int RawHumidity { get; set; }

    public int RawTemperature { get; set; }

    private int _busyLeft;

    public override byte ReadByte()
    {
        Transfer();
        if (!_statusNext) return 0xFF;
        if (_busyLeft > 0)
        {
            if (_busyLeft != int.MaxValue) _busyLeft--;
            return 0x98;
        }
        return 0x18;
    }

    public override void Read(Span<byte> buffer)
    {
        Transfer();
        Span<byte> frame =
        [
            0x18,
            (byte)(RawHumidity >> 12), (byte)(RawHumidity >> 4),
            (byte)(((RawHumidity & 0xF) << 4) | ((RawTemperature >> 16) & 0xF)),
            (byte)(RawTemperature >> 8), (byte)RawTemperature,
        ];
        frame[..Math.Min(6, buffer.Length)].CopyTo(buffer);
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Transfer();
        _statusNext = buffer[0] == 0x71;
        if (buffer[0] == 0xAC) _busyLeft = BusyPolls;
    }
}
