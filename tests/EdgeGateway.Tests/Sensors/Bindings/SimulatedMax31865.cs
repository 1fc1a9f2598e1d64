using System.Device.Spi;

namespace EdgeGateway.Tests.Sensors.Bindings;

/// <summary>
/// A MAX31865 (datasheet Table 1): registers 0x00-0x07 read at their address and written at
/// address | 0x80. Setting the one-shot bit (D5 of the configuration) runs a conversion of the
/// probe's resistance into the RTD registers (code = R × 2^15 / R_REF, shifted left with the fault
/// bit in D0); the fault-clear bit (D1) clears the fault status, which a conversion sets again
/// while the probe stays faulty.
/// </summary>
internal sealed class SimulatedMax31865(double referenceOhms) : SpiDevice
{
    private readonly byte[] _registers = new byte[8];

    public override SpiConnectionSettings ConnectionSettings { get; } = new(0, 0);

    /// <summary>The probe's resistance now.</summary>
    public double ProbeOhms { get; set; } = 100;

    /// <summary>The fault status a conversion reports (0: none).</summary>
    public byte ProbeFault { get; set; }

    public int Conversions { get; private set; }

    public override void Read(Span<byte> buffer) => buffer.Fill(0);

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        var address = buffer[0];
        if ((address & 0x80) == 0) return;
        for (var i = 1; i < buffer.Length; i++) WriteRegister((address & 0x7F) + i - 1, buffer[i]);
    }

    public override void TransferFullDuplex(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        var address = writeBuffer[0];
        if ((address & 0x80) != 0)
        {
            Write(writeBuffer);
            readBuffer.Fill(0);
            return;
        }
        readBuffer[0] = 0;
        for (var i = 1; i < readBuffer.Length; i++) readBuffer[i] = _registers[(address + i - 1) & 0x07];
    }

    private void WriteRegister(int register, byte value)
    {
        if (register != 0)
        {
            _registers[register & 0x07] = value;
            return;
        }
        if ((value & 0x02) != 0) _registers[7] = 0;
        if ((value & 0x20) != 0) Convert();
        // Both bits clear themselves.
        _registers[0] = (byte)(value & ~0x22);
    }

    private void Convert()
    {
        Conversions++;
        var code = (int)Math.Round(ProbeOhms * 32768 / referenceOhms);
        code = Math.Clamp(code, 0, 0x7FFF);
        var word = (code << 1) | (ProbeFault != 0 ? 1 : 0);
        _registers[1] = (byte)(word >> 8);
        _registers[2] = (byte)word;
        _registers[7] = ProbeFault;
    }

    protected override void Dispose(bool disposing)
    {
        // The chip stays on the bus.
    }
}
