using System.Device.Gpio;
using System.Device.I2c;
using System.Device.Spi;
using EdgeGateway.Board;
using EdgeGateway.Tests.Support;

namespace EdgeGateway.Tests.Sensors.Bindings;

/// <summary>
/// A board whose buses hold simulated chips. A bus or device that is not plugged in answers as
/// Linux does (<see cref="FileNotFoundException"/> for the bus device), and can be plugged in later.
/// </summary>
internal sealed class SimulatedBoardBuses(GpioDriver? gpio = null) : IBoardBuses
{
    private readonly Dictionary<(int Bus, int Address), I2cDevice> _i2c = [];
    private readonly Dictionary<(int Bus, int ChipSelect), SpiDevice> _spi = [];
    private GpioController? _controller;

    public SpiConnectionSettings? LastSpiSettings { get; private set; }

    public void Plug(int bus, int address, I2cDevice device) => _i2c[(bus, address)] = device;

    public void Plug(int bus, int chipSelect, SpiDevice device) => _spi[(bus, chipSelect)] = device;

    public I2cDevice OpenI2c(int bus, int address)
    {
        if (!_i2c.Keys.Any(k => k.Bus == bus))
            throw new FileNotFoundException($"/dev/i2c-{bus} does not exist: no I2C bus {bus}", $"/dev/i2c-{bus}");
        // Linux opens any address; the transfer then finds nobody there.
        return _i2c.TryGetValue((bus, address), out var device) ? device : new NobodyThere();
    }

    public SpiDevice OpenSpi(SpiConnectionSettings settings)
    {
        LastSpiSettings = settings;
        // Chip select -1 (driven by the part's driver on a GPIO line) is spidevB.0 without a chip select, as on Linux.
        var chipSelect = Math.Max(settings.ChipSelectLine, 0);
        return _spi.TryGetValue((settings.BusId, chipSelect), out var device)
            ? device
            : throw new FileNotFoundException($"/dev/spidev{settings.BusId}.{chipSelect} does not exist");
    }

    public GpioController Gpio() => _controller ??= new GpioController(gpio ?? new SimulatedGpioDriver());

    private sealed class NobodyThere : I2cDevice
    {
        public override I2cConnectionSettings ConnectionSettings { get; } = new(1, 0);
        public override void Read(Span<byte> buffer) => throw Nack();
        public override void Write(ReadOnlySpan<byte> buffer) => throw Nack();
        public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer) => throw Nack();
        private static IOException Nack() => new("Error 6 performing I2C data transfer (No such device or address).");
    }
}
