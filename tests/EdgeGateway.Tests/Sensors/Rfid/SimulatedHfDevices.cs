using System.Device.Gpio;
using System.Device.I2c;
using System.Device.Spi;
using System.Text;
using EdgeGateway.Tests.Support;

namespace EdgeGateway.Tests.Sensors.Rfid;

/// <summary>
/// An NTAG213 (NXP datasheet NTAG213/215/216, ISO/IEC 14443-3 type A) with a 7-byte UID: it answers
/// REQA/WUPA with ATQA 0x0044, the two cascade levels of anticollision and select (SAK 0x04, then
/// 0x00), GET_VERSION (00 04 04 02 01 00 0F 03) and READ (four pages). Pages 0-2 hold the UID and its
/// check bytes, page 3 the capability container, page 4 on the NDEF TLV. A selected tag ignores a
/// REQA (back to idle) and answers the next, as the standard's state machine says.
/// </summary>
internal sealed class SimulatedNtag213
{
    private readonly byte[] _memory = new byte[45 * 4];
    private bool _active;

    public SimulatedNtag213(byte[] uid, byte[]? ndefMessage = null)
    {
        Uid = uid;
        byte bcc0 = (byte)(0x88 ^ uid[0] ^ uid[1] ^ uid[2]);
        byte bcc1 = (byte)(uid[3] ^ uid[4] ^ uid[5] ^ uid[6]);
        byte[] head = [uid[0], uid[1], uid[2], bcc0, uid[3], uid[4], uid[5], uid[6], bcc1, 0x48, 0x00, 0x00, 0xE1, 0x10, 0x12, 0x00];
        head.CopyTo(_memory, 0);
        // NDEF message TLV (type 0x03), then the terminator TLV 0xFE.
        byte[] tlv = ndefMessage is null ? [0x03, 0x00, 0xFE] : [0x03, (byte)ndefMessage.Length, .. ndefMessage, 0xFE];
        tlv.CopyTo(_memory, 16);
    }

    public byte[] Uid { get; }

    public bool InField { get; set; } = true;

    public ushort Atqa => 0x0044;

    public int Reads { get; private set; }

    /// <summary>An NDEF message of one URI record (NFC Forum URI RTD: prefix code, then the rest of the URI).</summary>
    public static byte[] UriMessage(byte prefixCode, string rest)
    {
        var payload = new byte[] { prefixCode }.Concat(Encoding.UTF8.GetBytes(rest)).ToArray();
        // MB ME SR, TNF 1 (well known), type "U".
        return [0xD1, 0x01, (byte)payload.Length, 0x55, .. payload];
    }

    /// <summary>REQA (0x26) or WUPA (0x52): the ATQA, least significant byte first, or no answer.</summary>
    public byte[]? Request(byte command)
    {
        if (!InField) return null;
        if (_active && command == 0x26)
        {
            _active = false;
            return null;
        }
        return [(byte)(Atqa & 0xFF), (byte)(Atqa >> 8)];
    }

    /// <summary>Anticollision at a cascade level (1 or 2): the UID part and its BCC.</summary>
    public byte[]? Anticollision(int level) => !InField ? null : level == 1
        ? [0x88, Uid[0], Uid[1], Uid[2], (byte)(0x88 ^ Uid[0] ^ Uid[1] ^ Uid[2])]
        : [Uid[3], Uid[4], Uid[5], Uid[6], (byte)(Uid[3] ^ Uid[4] ^ Uid[5] ^ Uid[6])];

    /// <summary>Select at a cascade level: the SAK (0x04: UID not complete; 0x00: an NTAG).</summary>
    public byte? Select(int level)
    {
        if (!InField) return null;
        if (level == 2) _active = true;
        return level == 1 ? (byte)0x04 : (byte)0x00;
    }

    /// <summary>A command to the selected tag (without CRC): its answer (without CRC), or null for none.</summary>
    public byte[]? Command(ReadOnlySpan<byte> command)
    {
        if (!InField || command.Length == 0) return null;
        switch (command[0])
        {
            case 0x60:
                return [0x00, 0x04, 0x04, 0x02, 0x01, 0x00, 0x0F, 0x03];
            case 0x30 when command.Length >= 2:
                Reads++;
                var answer = new byte[16];
                for (var i = 0; i < 16; i++) answer[i] = _memory[((command[1] * 4) + i) % _memory.Length];
                return answer;
            case 0x50:
                _active = false;
                return null;
            default:
                return null;
        }
    }

    /// <summary>ISO/IEC 14443-3 Annex B CRC_A (initial 0x6363), least significant byte first.</summary>
    public static byte[] CrcA(ReadOnlySpan<byte> data)
    {
        var crc = 0x6363;
        foreach (var d in data)
        {
            var b = (byte)(d ^ (crc & 0xFF));
            b ^= (byte)(b << 4);
            crc = (crc >> 8) ^ (b << 8) ^ (b << 3) ^ (b >> 4);
        }
        return [(byte)crc, (byte)(crc >> 8)];
    }
}

/// <summary>
/// An MFRC522 on SPI (NXP datasheet MFRC522 §8.1.2: address byte (register &lt;&lt; 1), bit 7 set for
/// a read). Registers are stored; the FIFO, the interrupt registers' set/clear bit, CalcCRC (the CRC
/// coprocessor) and Transceive (sent when BitFraming's StartSend is set) behave as the datasheet
/// says, with a <see cref="SimulatedNtag213"/> (or nothing) in the field.
/// </summary>
internal sealed class SimulatedMfrc522 : SpiDevice
{
    private const int CommandReg = 0x01, ComIrqReg = 0x04, DivIrqReg = 0x05, FifoDataReg = 0x09, FifoLevelReg = 0x0A, BitFramingReg = 0x0D;
    private readonly byte[] _registers = new byte[64];
    private readonly Queue<byte> _fifo = new();

    public SimulatedMfrc522() => _registers[0x37] = 0x92; // VersionReg: MFRC522 version 2.0

    public SimulatedNtag213? Tag { get; set; }

    /// <summary>True: MISO reads 0 for everything (no chip wired).</summary>
    public bool Absent { get; set; }

    public override SpiConnectionSettings ConnectionSettings { get; } = new(0, 0);

    public override void Read(Span<byte> buffer) => buffer.Clear();

    public override void Write(ReadOnlySpan<byte> buffer) => TransferFullDuplex(buffer, new byte[buffer.Length]);

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        var sent = writeBuffer.ToArray(); // the driver passes one buffer for both
        readBuffer.Clear();
        if ((sent[0] & 0x80) == 0)
        {
            for (var i = 1; i < sent.Length; i++) WriteRegister((sent[0] >> 1) & 0x3F, sent[i]);
            return;
        }
        for (var i = 0; i + 1 < readBuffer.Length; i++) readBuffer[i + 1] = Absent ? (byte)0 : ReadRegister((sent[i] >> 1) & 0x3F);
    }

    private byte ReadRegister(int register) => register switch
    {
        FifoDataReg => _fifo.Count > 0 ? _fifo.Dequeue() : (byte)0,
        FifoLevelReg => (byte)_fifo.Count,
        _ => _registers[register],
    };

    private void WriteRegister(int register, byte value)
    {
        switch (register)
        {
            case FifoDataReg:
                _fifo.Enqueue(value);
                return;
            case FifoLevelReg:
                if ((value & 0x80) != 0) _fifo.Clear();
                return;
            case ComIrqReg or DivIrqReg:
                // Bit 7 (Set1/Set2): 1 sets the marked bits, 0 clears them.
                _registers[register] = (value & 0x80) != 0 ? (byte)(_registers[register] | (value & 0x7F)) : (byte)(_registers[register] & ~(value & 0x7F));
                return;
            case CommandReg:
                _registers[register] = value;
                Execute(value & 0x0F);
                return;
            case BitFramingReg:
                _registers[register] = (byte)(value & 0x7F);
                if ((value & 0x80) != 0 && (_registers[CommandReg] & 0x0F) == 0x0C) Transceive(value & 0x07);
                return;
            default:
                _registers[register] = value;
                return;
        }
    }

    private void Execute(int command)
    {
        switch (command)
        {
            case 0x03: // CalcCRC
                var crc = SimulatedNtag213.CrcA(Drain());
                _registers[0x22] = crc[0];
                _registers[0x21] = crc[1];
                _registers[DivIrqReg] |= 0x04;
                break;
            case 0x0E: // MFAuthent
                _registers[ComIrqReg] |= 0x10;
                break;
        }
    }

    private void Transceive(int lastBits)
    {
        var frame = Drain();
        var answer = Answer(frame, lastBits);
        if (answer is null)
        {
            _registers[ComIrqReg] |= 0x01; // TimerIRq: nothing answered
            return;
        }
        foreach (var b in answer) _fifo.Enqueue(b);
        _registers[0x06] = 0;               // ErrorReg
        _registers[0x0C] &= 0xF8;           // ControlReg RxLastBits: whole bytes
        _registers[ComIrqReg] |= 0x30;      // RxIRq | IdleIRq
    }

    private byte[]? Answer(byte[] frame, int lastBits)
    {
        if (Tag is not { } tag || frame.Length == 0) return null;
        if (lastBits == 7 && frame.Length == 1) return tag.Request(frame[0]);
        if (frame[0] is 0x93 or 0x95)
        {
            var level = frame[0] == 0x93 ? 1 : 2;
            if (frame.Length == 2 && frame[1] == 0x20) return tag.Anticollision(level);
            return tag.Select(level) is { } sak ? [sak, .. SimulatedNtag213.CrcA([sak])] : null;
        }
        // Other commands carry CRC_A; so do their answers.
        if (frame.Length < 3 || !SimulatedNtag213.CrcA(frame.AsSpan(0, frame.Length - 2)).AsSpan().SequenceEqual(frame.AsSpan(frame.Length - 2))) return null;
        return tag.Command(frame.AsSpan(0, frame.Length - 2)) is { } data ? [.. data, .. SimulatedNtag213.CrcA(data)] : null;
    }

    private byte[] Drain()
    {
        var bytes = _fifo.ToArray();
        _fifo.Clear();
        return bytes;
    }

    protected override void Dispose(bool disposing)
    {
        // The chip stays on the bus.
    }
}

/// <summary>
/// A PN532's firmware (NXP user manual UM0701-02 §6.2.1 frames, §7 commands), behind any of its host
/// interfaces: a command frame (00 00 FF LEN LCS D4 CMD … DCS 00, after any wake-up bytes) is
/// acknowledged (00 00 FF 00 FF 00) and answered (… D5 CMD+1 …); a frame whose checksums are wrong is
/// not (the host hears nothing). It knows Diagnose's communication line test (an echo), SAMConfiguration,
/// GetFirmwareVersion (32 01 06 07),
/// SetParameters, InListPassiveTarget (106 kbps type A) and InCommunicateThru, with a
/// <see cref="SimulatedNtag213"/> (or nothing) in the field.
/// </summary>
internal sealed class SimulatedPn532Firmware
{
    private readonly Queue<byte[]> _pending = new();

    public SimulatedNtag213? Tag { get; set; }

    public List<byte> Commands { get; } = [];

    /// <summary>Whether a frame (an ACK or an answer) waits to be read: the status byte's bit 0.</summary>
    public bool Ready => _pending.Count > 0;

    /// <summary>The next frame to read, or null.</summary>
    public byte[]? Next() => _pending.TryDequeue(out var frame) ? frame : null;

    /// <summary>Takes what the host wrote: [wake-up zeros] 00 00 FF LEN LCS D4 CMD DATA… DCS 00.</summary>
    public void Receive(ReadOnlySpan<byte> bytes)
    {
        var start = 0;
        while (start + 1 < bytes.Length && !(bytes[start] == 0x00 && bytes[start + 1] == 0xFF)) start++;
        if (start + 5 >= bytes.Length) return;
        var length = bytes[start + 2];
        if ((byte)(length + bytes[start + 3]) != 0 || start + 4 + length >= bytes.Length) return;
        var body = bytes.Slice(start + 4, length);
        var sum = 0;
        foreach (var b in body) sum += b;
        if (body[0] != 0xD4 || (byte)(sum + bytes[start + 4 + length]) != 0) return;
        var command = body[1];
        Commands.Add(command);
        _pending.Clear();
        _pending.Enqueue([0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00]);
        _pending.Enqueue(Frame((byte)(command + 1), Respond(command, body[2..].ToArray())));
    }

    private byte[] Respond(byte command, byte[] data) => command switch
    {
        0x00 when data is [0x00, ..] => data, // Diagnose, communication line test: NumTst and the parameters echoed
        0x02 => [0x32, 0x01, 0x06, 0x07],
        0x4A when Tag is { InField: true } tag =>
            [0x01, 0x01, (byte)(tag.Atqa >> 8), (byte)tag.Atqa, 0x00, (byte)tag.Uid.Length, .. tag.Uid],
        0x4A => [0x00],
        0x42 => Tag?.Command(data) is { } answer ? [0x00, .. answer] : [0x01],
        0x52 => [0x00],
        _ => [],
    };

    private static byte[] Frame(byte code, byte[] data)
    {
        var length = (byte)(data.Length + 2);
        var sum = (byte)(0xD5 + code + data.Sum(b => b));
        return [0x00, 0x00, 0xFF, length, (byte)(0x100 - length), 0xD5, code, .. data, (byte)(0x100 - sum), 0x00];
    }
}

/// <summary>
/// A PN532 on I2C (UM0701-02 §6.2.4): a write is a command frame; a read starts with the status
/// byte, 0x01 when a frame is ready, followed by that frame.
/// </summary>
internal sealed class SimulatedPn532 : I2cDevice
{
    public SimulatedPn532Firmware Firmware { get; } = new();

    public SimulatedNtag213? Tag { get => Firmware.Tag; set => Firmware.Tag = value; }

    public List<byte> Commands => Firmware.Commands;

    public override I2cConnectionSettings ConnectionSettings { get; } = new(1, 0x24);

    public override byte ReadByte() => (byte)(Firmware.Ready ? 0x01 : 0x00);

    public override void Read(Span<byte> buffer)
    {
        buffer.Clear();
        if (buffer.Length == 0 || Firmware.Next() is not { } frame) return; // status 0x00: not ready
        buffer[0] = 0x01;
        frame.AsSpan(0, Math.Min(frame.Length, buffer.Length - 1)).CopyTo(buffer[1..]);
    }

    public override void Write(ReadOnlySpan<byte> buffer) => Firmware.Receive(buffer);

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Write(writeBuffer);
        Read(readBuffer);
    }

    protected override void Dispose(bool disposing)
    {
        // The chip stays on the bus.
    }
}

/// <summary>
/// A PN532 on SPI (UM0701-02 §6.2.5): it listens only while its SS line (a GPIO output of the host)
/// is low; the first byte of a selection says what follows: 0x01 data write (a command frame),
/// 0x02 status read (bit 0: a frame is ready), 0x03 data read (the frame, byte after byte).
/// Bytes are as the driver hands them over (the bit order is the SPI layer's business).
/// </summary>
internal sealed class SimulatedPn532Spi(SimulatedGpioDriver gpio, int selectPin) : SpiDevice
{
    private byte[] _reading = [];
    private int _cursor;
    private bool _status;

    public SimulatedPn532Firmware Firmware { get; } = new();

    /// <summary>Bytes the host sent while SS was high: the real chip never sees them.</summary>
    public int Unselected { get; private set; }

    public override SpiConnectionSettings ConnectionSettings { get; } = new(0, -1);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (!Selected(buffer.Length) || buffer.Length == 0) return;
        switch (buffer[0])
        {
            case 0x01:
                Firmware.Receive(buffer[1..]);
                break;
            case 0x02:
                _status = true;
                break;
            case 0x03:
                _status = false;
                _reading = Firmware.Next() ?? [];
                _cursor = 0;
                break;
        }
    }

    public override void WriteByte(byte value) => Write([value]);

    public override void Read(Span<byte> buffer)
    {
        buffer.Clear();
        if (!Selected(0)) return;
        if (_status)
        {
            buffer.Fill((byte)(Firmware.Ready ? 0x01 : 0x00));
            return;
        }
        for (var i = 0; i < buffer.Length && _cursor < _reading.Length; i++) buffer[i] = _reading[_cursor++];
    }

    public override byte ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        Read(one);
        return one[0];
    }

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer) =>
        throw new NotSupportedException("the PN532 driver writes and reads in separate transfers");

    private bool Selected(int sent)
    {
        if (gpio.Output(selectPin) == PinValue.Low) return true;
        Unselected += sent;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        // The chip stays on the bus.
    }
}
