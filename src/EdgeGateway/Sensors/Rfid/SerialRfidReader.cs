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
/// A serial RFID reader: the tty is opened in raw mode (termios via cfmakeraw, 8N1, receiver on,
/// modem lines ignored) at the configured speed, and each CR/LF-terminated line is one tag id.
/// </summary>
public sealed class SerialRfidReader : ISensorSource
{
    // Linux speed_t constants (asm-generic/termbits.h).
    private static readonly Dictionary<int, uint> Speeds = new()
    {
        [1200] = 0x9, [2400] = 0xB, [4800] = 0xC, [9600] = 0xD, [19200] = 0xE, [38400] = 0xF,
        [57600] = 0x1001, [115200] = 0x1002, [230400] = 0x1003,
    };

    private readonly SerialRfidOptions _options;
    private readonly uint _speed;
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
        if (!Speeds.TryGetValue(options.BaudRate, out _speed))
            throw new ArgumentException($"Baud rate {options.BaudRate} is not supported; use one of {string.Join(", ", SupportedBaudRates)}.", nameof(options));
        _options = options;
        var id = options.SensorId ?? "rfid/" + Path.GetFileName(options.DevicePath);
        var info = new SensorInfo(id, "rfid-serial", Quantity.Tag, SenmlUnits.For(Quantity.Tag), options.Zone);
        Sensors = [info];
        _loop = new RfidReadLoop(info, options.DevicePath, Open, () => new LineFramer(),
            options.DebounceWindow, options.ReopenDelay, timeProvider);
    }

    /// <summary>Baud rates the reader can set.</summary>
    public static IReadOnlyList<int> SupportedBaudRates { get; } = Speeds.Keys.Order().ToList();

    /// <inheritdoc/>
    public string Name => "serial:" + _options.DevicePath;

    /// <inheritdoc/>
    public IReadOnlyList<SensorInfo> Sensors { get; }

    /// <summary>Whether the port is open now.</summary>
    public RfidReaderState State => _loop.State;

    /// <inheritdoc/>
    public IAsyncEnumerable<SensorEvent> ReadAsync(CancellationToken cancellationToken) => _loop.ReadAsync(cancellationToken);

    private UnixFd Open()
    {
        // O_NOCTTY: the port must not become the service's controlling terminal (a hang-up would signal it).
        var fd = UnixFd.Open(_options.DevicePath, LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_NONBLOCK);
        try
        {
            if (LibC.tcgetattr(fd.Value, out var tio) < 0) throw LibC.LastError($"tcgetattr on {_options.DevicePath} (is it a tty?)");
            LibC.cfmakeraw(ref tio);
            tio.c_cflag |= LibC.CREAD | LibC.CLOCAL;
            if (LibC.cfsetispeed(ref tio, _speed) < 0 || LibC.cfsetospeed(ref tio, _speed) < 0)
                throw LibC.LastError($"setting {_options.BaudRate} baud on {_options.DevicePath}");
            if (LibC.tcsetattr(fd.Value, LibC.TCSANOW, ref tio) < 0) throw LibC.LastError($"tcsetattr on {_options.DevicePath}");
            // Drop whatever arrived before raw mode was set: it may be half a line, mangled by the line discipline.
            LibC.tcflush(fd.Value, LibC.TCIFLUSH);
            return fd;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    private sealed class LineFramer : ITagFramer
    {
        private readonly SerialLineDecoder _decoder = new();

        public void Push(ReadOnlySpan<byte> bytes, List<RawTagRead> reads) => _decoder.Push(bytes, reads);
    }
}
