using System.Device.Gpio;
using System.Device.I2c;
using System.Device.Spi;

namespace EdgeGateway.Board;

/// <summary>
/// The board's buses as user-space drivers reach them: I2C and SPI devices and the GPIO controller.
/// A seam so that tests can put simulated devices on a bus (a real bus cannot exist on the test
/// machine); on a board it is <see cref="LinuxBoardBuses"/>.
/// </summary>
public interface IBoardBuses
{
    /// <summary>
    /// The device at <paramref name="address"/> on I2C bus <paramref name="bus"/>. A bus that does not
    /// exist is a <see cref="FileNotFoundException"/>; any other failure an <see cref="IOException"/>.
    /// </summary>
    I2cDevice OpenI2c(int bus, int address);

    /// <summary>The SPI device of <paramref name="settings"/>; failures as for <see cref="OpenI2c"/>.</summary>
    SpiDevice OpenSpi(SpiConnectionSettings settings);

    /// <summary>
    /// The board's GPIO controller, shared by everything that uses a pin (created on first use with
    /// the configured driver). A driver that cannot run here is an <see cref="IOException"/> saying which.
    /// </summary>
    GpioController Gpio();
}
