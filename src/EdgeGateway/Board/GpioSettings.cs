namespace EdgeGateway.Board;

/// <summary>The GPIO driver System.Device.Gpio is given; never picked by <c>new GpioController()</c>.</summary>
public enum GpioDriverKind
{
    /// <summary>libgpiod 1.x (<c>libgpiod.so.2</c>): Raspberry Pi OS Bookworm, Debian 12.</summary>
    Libgpiod,

    /// <summary>libgpiod 2.x (<c>libgpiod.so.3</c>): Raspberry Pi OS and Debian from Trixie (13) on.</summary>
    LibgpiodV2,

    /// <summary>The kernel's deprecated <c>/sys/class/gpio</c> interface, for kernels without the character device.</summary>
    Sysfs,
}

/// <summary>How the gateway reaches the board's GPIO lines.</summary>
public sealed record GpioSettings
{
    /// <summary>
    /// The driver. Chosen explicitly: in System.Device.Gpio 4.2.0 <c>new GpioController()</c> picks the
    /// libgpiod 1.x driver and fails on a system that has only libgpiod 2.x (dotnet/iot#2489).
    /// </summary>
    public GpioDriverKind Driver { get; init; } = GpioDriverKind.Libgpiod;

    /// <summary>
    /// The gpiochip whose lines the pin numbers name: 0 for the 40-pin header of a Pi 3, 4 or 5 (on
    /// a Pi 5 with a kernel before 6.6.45 the header is gpiochip4). Not used by the sysfs driver.
    /// </summary>
    public int Chip { get; init; }

    /// <summary>The configuration name of a driver.</summary>
    public static string NameOf(GpioDriverKind driver) => driver switch
    {
        GpioDriverKind.Libgpiod => "libgpiod",
        GpioDriverKind.LibgpiodV2 => "libgpiod-v2",
        _ => "sysfs",
    };
}
