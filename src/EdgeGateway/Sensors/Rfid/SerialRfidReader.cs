using System.IO.Ports;

namespace EdgeGateway.Sensors.Rfid;

/// <summary>Settings of a serial (UART or USB-serial) RFID reader that sends one tag id per line.</summary>
/// <param name="DevicePath">The tty, ideally a udev symlink or /dev/serial/by-id/… rather than /dev/ttyUSB0.</param>
public sealed record SerialRfidOptions(string DevicePath)
{
    /// <summary>Sensor id; defaults to <c>rfid/</c> and the device file's name.</summary>
    public string? SensorId { get; init; }

    /// <summary>Where the reader is (dock door, zone).</summary>
    public string? Zone { get; init; }

    /// <summary>Line speed; one of <see cref="SerialRfidReader.SupportedBaudRates"/>.</summary>
    public int BaudRate { get; init; } = 9600;

    /// <summary>Repeated reads of one tag within this window are reported once.</summary>
    public TimeSpan DebounceWindow { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Wait before reopening a port that went away; doubles up to 30 s while it stays away.</summary>
    public TimeSpan ReopenDelay { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// A serial RFID reader: the port is opened through System.IO.Ports at the configured speed, 8N1,
/// no flow control, modem lines left alone (raw mode, receiver on), and each CR/LF-terminated line is
/// one tag id.
/// </summary>
public sealed class SerialRfidReader : ISensorSource
{
    private static readonly int[] Speeds = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400];

    private readonly SerialRfidOptions _options;
    private readonly RfidReadLoop _loop;

    /// <param name="options">Port and behaviour.</param>
    /// <param name="timeProvider">Clock for timestamps, debouncing and reopen delays.</param>
    public SerialRfidReader(SerialRfidOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentException.ThrowIfNullOrEmpty(options.DevicePath);
        // A zero reopen delay would spin on a device that is gone.
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ReopenDelay, TimeSpan.Zero, nameof(options.ReopenDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DebounceWindow, TimeSpan.Zero, nameof(options.DebounceWindow));
        if (!Speeds.Contains(options.BaudRate))
            throw new ArgumentException($"Baud rate {options.BaudRate} is not supported; use one of {string.Join(", ", SupportedBaudRates)}.", nameof(options));
        _options = options;
        var id = options.SensorId ?? "rfid/" + Path.GetFileName(options.DevicePath);
        var info = new SensorInfo(id, "rfid-serial", Quantity.Tag, SenmlUnits.For(Quantity.Tag), options.Zone);
        Sensors = [info];
        _loop = new RfidReadLoop(info, options.DevicePath, Open, options.DebounceWindow, options.ReopenDelay, timeProvider);
    }

    /// <summary>Baud rates the reader can set.</summary>
    public static IReadOnlyList<int> SupportedBaudRates { get; } = Speeds;

    /// <inheritdoc/>
    public string Name => "serial:" + _options.DevicePath;

    /// <inheritdoc/>
    public IReadOnlyList<SensorInfo> Sensors { get; }

    /// <summary>Whether the port is open now.</summary>
    public RfidReaderState State => _loop.State;

    /// <inheritdoc/>
    public IAsyncEnumerable<SensorEvent> ReadAsync(CancellationToken cancellationToken) => _loop.ReadAsync(cancellationToken);

    private IRfidSession Open() => new SerialPortSession(SerialPorts.OpenRaw(_options.DevicePath, _options.BaudRate), new LineFramer());

    private sealed class LineFramer : ITagFramer
    {
        private readonly SerialLineDecoder _decoder = new();

        public void Push(ReadOnlySpan<byte> bytes, List<RawTagRead> reads) => _decoder.Push(bytes, reads);
    }

    private sealed class SerialPortSession(SerialPort port, ITagFramer framer) : ByteStreamSession(framer)
    {
        protected override int Read(byte[] buffer, CancellationToken cancellationToken) =>
            SerialPorts.Read(port, buffer, cancellationToken);

        public override void Dispose() => port.Dispose();
    }
}
