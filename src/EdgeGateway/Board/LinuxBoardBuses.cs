using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Device.I2c;
using System.Device.Spi;

namespace EdgeGateway.Board;

/// <summary>
/// The buses of a Linux board: I2C through <c>/dev/i2c-N</c>, SPI through <c>/dev/spidevB.C</c>,
/// GPIO through the configured driver. A bus device that is absent (the overlay or dtparam is not
/// enabled, or the adapter is unplugged) is reported as missing each time it is asked for, so a
/// sensor on it is a fault until the bus appears, never a reason not to start.
/// </summary>
public sealed class LinuxBoardBuses(GpioSettings gpio) : IBoardBuses, IDisposable
{
    private readonly Lock _gate = new();
    private GpioController? _controller;

    /// <summary>The folder the bus devices are in (<c>/dev</c>).</summary>
    public string DeviceFolder { get; init; } = "/dev";

    /// <inheritdoc/>
    public I2cDevice OpenI2c(int bus, int address)
    {
        var path = Path.Combine(DeviceFolder, $"i2c-{bus}");
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} does not exist: no I2C bus {bus} (enable it with dtparam=i2c_arm=on for bus 1, or check the adapter)", path);
        return I2cDevice.Create(new I2cConnectionSettings(bus, address));
    }

    /// <inheritdoc/>
    public SpiDevice OpenSpi(SpiConnectionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // Chip select -1 (a part whose driver drives its select on a GPIO line) is spidevB.0 with SPI_NO_CS,
        // as System.Device.Gpio's UnixSpiDevice opens it.
        var chipSelect = Math.Max(settings.ChipSelectLine, 0);
        var path = Path.Combine(DeviceFolder, $"spidev{settings.BusId}.{chipSelect}");
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} does not exist: no SPI bus {settings.BusId} with chip select {chipSelect} (enable it with dtparam=spi=on for bus 0)", path);
        return SpiDevice.Create(settings);
    }

    /// <inheritdoc/>
    public GpioController Gpio()
    {
        lock (_gate)
        {
            return _controller ??= new GpioController(CreateDriver(gpio));
        }
    }

    /// <summary>
    /// The driver <paramref name="settings"/> names. A native library that is missing or of the
    /// other libgpiod major version is an <see cref="IOException"/> naming the setting to change.
    /// </summary>
    public static GpioDriver CreateDriver(GpioSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        try
        {
            return settings.Driver switch
            {
                GpioDriverKind.Libgpiod => new LibGpiodDriver(settings.Chip),
                GpioDriverKind.LibgpiodV2 => new LibGpiodV2Driver(settings.Chip),
                _ => new SysFsDriver(),
            };
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or PlatformNotSupportedException
                                      or IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            var hint = settings.Driver switch
            {
                GpioDriverKind.Libgpiod => "gpio.driver \"libgpiod\" needs libgpiod 1.x (apt-get install libgpiod2 on Bookworm); on a system with libgpiod 2.x (libgpiod3) use \"libgpiod-v2\"",
                GpioDriverKind.LibgpiodV2 => "gpio.driver \"libgpiod-v2\" needs libgpiod 2.x (libgpiod3, Trixie and later); on Bookworm use \"libgpiod\"",
                _ => "gpio.driver \"sysfs\" needs /sys/class/gpio, which current kernels no longer have; use \"libgpiod\" or \"libgpiod-v2\"",
            };
            throw new IOException($"GPIO driver {GpioSettings.NameOf(settings.Driver)} (gpiochip{settings.Chip}) cannot run: {e.Message}; {hint}", e);
        }
    }

    /// <summary>Closes the GPIO controller and the lines it holds.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _controller?.Dispose();
            _controller = null;
        }
    }
}
