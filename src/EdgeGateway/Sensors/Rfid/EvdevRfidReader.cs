namespace EdgeGateway.Sensors.Rfid;

/// <summary>Settings of a USB HID keyboard-wedge RFID reader read through evdev.</summary>
/// <param name="DevicePath">The event device, ideally the udev symlink (/dev/edgetrace-rfid) rather than a numbered /dev/input/eventN.</param>
public sealed record EvdevRfidOptions(string DevicePath)
{
    /// <summary>Sensor id; defaults to <c>rfid/</c> and the device file's name.</summary>
    public string? SensorId { get; init; }

    /// <summary>Where the reader is (dock door, zone).</summary>
    public string? Zone { get; init; }

    /// <summary>
    /// Take the device exclusively (EVIOCGRAB) so the ids it types do not also reach a console or a
    /// desktop session. Needs no privilege beyond read access to the device; fails with EBUSY if
    /// another program holds the grab.
    /// </summary>
    public bool Grab { get; init; } = true;

    /// <summary>Repeated reads of one tag within this window are reported once.</summary>
    public TimeSpan DebounceWindow { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Wait before reopening a device that went away; doubles up to 30 s while it stays away.</summary>
    public TimeSpan ReopenDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Record layout; <see cref="EvdevLayout.Native"/> picks it from this process's word size.</summary>
    public EvdevLayout Layout { get; init; } = EvdevLayout.Native;
}

/// <summary>
/// A USB HID "keyboard wedge" RFID reader: it types each tag id followed by Enter. Reading its
/// /dev/input/eventN directly (group <c>input</c>) works without a keyboard focus or a terminal.
/// </summary>
public sealed class EvdevRfidReader : ISensorSource
{
    private readonly EvdevRfidOptions _options;
    private readonly RfidReadLoop _loop;

    /// <param name="options">Device and behaviour.</param>
    /// <param name="timeProvider">Clock for timestamps, debouncing and reopen delays.</param>
    public EvdevRfidReader(EvdevRfidOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentException.ThrowIfNullOrEmpty(options.DevicePath);
        // A zero reopen delay would spin on a device that is gone.
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ReopenDelay, TimeSpan.Zero, nameof(options.ReopenDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DebounceWindow, TimeSpan.Zero, nameof(options.DebounceWindow));
        _options = options;
        var id = options.SensorId ?? "rfid/" + Path.GetFileName(options.DevicePath);
        var info = new SensorInfo(id, "rfid-hid", Quantity.Tag, SenmlUnits.For(Quantity.Tag), options.Zone);
        Sensors = [info];
        _loop = new RfidReadLoop(info, options.DevicePath, Open, options.DebounceWindow, options.ReopenDelay, timeProvider);
    }

    /// <inheritdoc/>
    public string Name => "evdev:" + _options.DevicePath;

    /// <inheritdoc/>
    public IReadOnlyList<SensorInfo> Sensors { get; }

    /// <summary>Whether the device is open now.</summary>
    public RfidReaderState State => _loop.State;

    /// <inheritdoc/>
    public IAsyncEnumerable<SensorEvent> ReadAsync(CancellationToken cancellationToken) => _loop.ReadAsync(cancellationToken);

    private IRfidSession Open()
    {
        var fd = UnixFd.Open(_options.DevicePath, LibC.O_RDONLY | LibC.O_NONBLOCK);
        if (_options.Grab && LibC.ioctl(fd.Value, LibC.EVIOCGRAB, 1) < 0)
        {
            var error = LibC.LastError($"EVIOCGRAB on {_options.DevicePath}");
            fd.Dispose();
            var why = error.HResult switch
            {
                LibC.ENOTTY or 22 => "it is not an input event device (check the path or the udev rule)",
                16 => "another program holds it exclusively (EBUSY)",
                _ => "the grab failed",
            };
            throw new IOException($"{error.Message}: {why}", error.HResult);
        }
        try
        {
            return new FdSession(fd, new EvdevFramer(_options.Layout));
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    // The descriptor is read through poll() so that cancellation wakes a read that waits for keys.
    private sealed class FdSession(UnixFd fd, ITagFramer framer) : ByteStreamSession(framer)
    {
        private readonly FdPollReader _reader = new(fd);

        protected override int Read(byte[] buffer, CancellationToken cancellationToken) => _reader.Read(buffer, cancellationToken);

        public override void Dispose()
        {
            _reader.Dispose();
            fd.Dispose();
        }
    }

    private sealed class EvdevFramer(EvdevLayout layout) : ITagFramer
    {
        private readonly int _size = InputEventCodec.SizeOf(layout);
        private readonly KeyboardWedgeDecoder _decoder = new();
        private readonly byte[] _partial = new byte[24];
        private int _partialLength;

        // evdev hands out whole records, but a FIFO or a short read may split one; carry the rest over.
        public void Push(ReadOnlySpan<byte> bytes, List<RawTagRead> reads)
        {
            if (_partialLength > 0)
            {
                var take = Math.Min(_size - _partialLength, bytes.Length);
                bytes[..take].CopyTo(_partial.AsSpan(_partialLength));
                _partialLength += take;
                bytes = bytes[take..];
                if (_partialLength < _size) return;
                Feed(InputEventCodec.Read(_partial, layout), reads);
                _partialLength = 0;
            }
            while (bytes.Length >= _size)
            {
                Feed(InputEventCodec.Read(bytes, layout), reads);
                bytes = bytes[_size..];
            }
            bytes.CopyTo(_partial);
            _partialLength = bytes.Length;
        }

        private void Feed(InputEvent e, List<RawTagRead> reads)
        {
            if (_decoder.Push(e) is { } read) reads.Add(read);
        }
    }
}
