using System.Device.I2c;

namespace EdgeGateway.Sensors.Bindings;

/// <summary>
/// An I2C device handed to a binding in place of the bus device: it passes every transfer on, keeps
/// the bytes of the last read (so that a CRC the binding does not check can be checked), and bounds
/// the transfers of one reading, so that a binding waiting in a loop for a sensor that never
/// finishes (AHT20's busy bit) fails with a <see cref="TimeoutException"/> instead of hanging its poll.
/// </summary>
internal sealed class GuardedI2cDevice(I2cDevice inner, int maxTransfers) : I2cDevice
{
    private int _transfers;
    private byte[] _lastRead = [];

    /// <summary>The bytes of the last read.</summary>
    public ReadOnlySpan<byte> LastRead => _lastRead;

    public override I2cConnectionSettings ConnectionSettings => inner.ConnectionSettings;

    /// <summary>Starts the transfer count of a new reading.</summary>
    public void StartReading() => _transfers = 0;

    public override byte ReadByte()
    {
        Count();
        var b = inner.ReadByte();
        _lastRead = [b];
        return b;
    }

    public override void Read(Span<byte> buffer)
    {
        Count();
        inner.Read(buffer);
        _lastRead = buffer.ToArray();
    }

    public override void WriteByte(byte value)
    {
        Count();
        inner.WriteByte(value);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Count();
        inner.Write(buffer);
    }

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer)
    {
        Count();
        inner.WriteRead(writeBuffer, readBuffer);
        _lastRead = readBuffer.ToArray();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    private void Count()
    {
        if (++_transfers > maxTransfers)
            throw new TimeoutException($"the sensor did not finish: more than {maxTransfers} bus transfers for one reading (it stays busy)");
    }
}
