using EdgeGateway.Board;
using Iot.Device.DHTxx;

namespace EdgeGateway.Sensors.Bindings;

/// <summary>
/// A DHT22 bit-banged on one GPIO line by the driver, which times each bit from user space. That
/// works on a Pi 3 or 4; on a Pi 5 the GPIO calls through the RP1 are too slow for the 26-70 µs bits
/// (dotnet/iot#2315), and the kernel's dht11 driver (the overlay, read through sysfs) is the route
/// there. A failed read does not say why (missed edges or a checksum mismatch): both are io-error.
/// </summary>
internal sealed class Dht22Device(BindingSensorOptions options) : BindingDevice
{
    private Dht22? _driver;

    public override void Open(IBoardBuses buses)
    {
        Dispose();
        // The controller is the board's, shared; only the pin is the sensor's.
        _driver = new Dht22(options.Pin, buses.Gpio(), shouldDispose: false);
    }

    public override IReadOnlyList<ChannelRead> Read()
    {
        var driver = _driver ?? throw new InvalidOperationException("not open");
        // One transfer per read: the driver answers a second call within its minimum interval from the same frame.
        if (!driver.TryReadTemperature(out var temperature) || !driver.TryReadHumidity(out var humidity))
        {
            var fault = ChannelRead.Fault(SensorFaultCodes.IoError,
                $"no valid answer on GPIO{options.Pin} (missed edges or a checksum mismatch); occasional failures are normal for a DHT22, constant ones mean wiring, the pull-up, or a board too slow for bit-banging (use the dht11 overlay)");
            return [fault, fault];
        }
        return [new ChannelRead(temperature.DegreesCelsius), new ChannelRead(humidity.Percent)];
    }

    public override void Dispose()
    {
        _driver?.Dispose();
        _driver = null;
    }
}
