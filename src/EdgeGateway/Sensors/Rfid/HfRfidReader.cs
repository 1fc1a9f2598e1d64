using System.ComponentModel;
using System.Device.I2c;
using System.Device.Spi;
using System.Reflection;
using EdgeGateway.Board;
using Iot.Device.Card;
using Iot.Device.Card.Ultralight;
using Iot.Device.Mfrc522;
using Iot.Device.Ndef;
using Iot.Device.Pn532;
using Iot.Device.Pn532.ListPassive;
using Iot.Device.Rfid;

namespace EdgeGateway.Sensors.Rfid;

/// <summary>The 13.56 MHz (HF) reader chips the gateway drives with Iot.Device.Bindings.</summary>
public enum HfReaderChip
{
    /// <summary>NXP MFRC522 on SPI.</summary>
    Mfrc522,
    /// <summary>NXP PN532 on I2C, SPI or a serial port (HSU).</summary>
    Pn532,
}

/// <summary>How a PN532 is attached.</summary>
public enum Pn532Transport
{
    /// <summary>I2C (address 0x24).</summary>
    I2c,
    /// <summary>SPI, with the chip select on a GPIO line the driver drives itself.</summary>
    Spi,
    /// <summary>A serial port (HSU, 115200 baud).</summary>
    Serial,
}

/// <summary>Settings of an HF RFID reader (gateway.json <c>sensors.rfid[]</c> of type <c>mfrc522</c> or <c>pn532</c>).</summary>
public sealed record HfRfidOptions
{
    /// <summary>The chip.</summary>
    public required HfReaderChip Chip { get; init; }

    /// <summary>PN532: how it is attached.</summary>
    public Pn532Transport Transport { get; init; } = Pn532Transport.I2c;

    /// <summary>I2C or SPI bus.</summary>
    public int Bus { get; init; }

    /// <summary>PN532 on I2C: the address (0x24).</summary>
    public int Address { get; init; } = Pn532.I2cDefaultAddress;

    /// <summary>MFRC522: the SPI chip select (0 = CE0, 1 = CE1).</summary>
    public int ChipSelect { get; init; }

    /// <summary>MFRC522: the GPIO line of its reset input (RST), or -1 for none. PN532 on SPI: the GPIO line of its chip select.</summary>
    public int Pin { get; init; } = -1;

    /// <summary>PN532 on a serial port: the device.</summary>
    public string? Device { get; init; }

    /// <summary>Sensor id; defaults to one built from the attachment (<c>rfid/mfrc522-0.0</c>, <c>rfid/pn532-1-0024</c>).</summary>
    public string? SensorId { get; init; }

    /// <summary>Where the reader is.</summary>
    public string? Zone { get; init; }

    /// <summary>Time between two looks for a tag in the field.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Read an NTAG/Ultralight tag's NDEF message, and report the SGTIN EPC URI it stores instead of the UID.</summary>
    public bool ReadNdef { get; init; } = true;

    /// <summary>Repeated reads of one tag within this window are reported once.</summary>
    public TimeSpan DebounceWindow { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Wait before reopening a reader that failed; doubles up to 30 s while it keeps failing.</summary>
    public TimeSpan ReopenDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Where it is attached, for people and for the default id.</summary>
    public string Attachment => Chip switch
    {
        HfReaderChip.Mfrc522 => $"SPI bus {Bus} chip select {ChipSelect}",
        _ => Transport switch
        {
            Pn532Transport.I2c => $"I2C bus {Bus} address 0x{Address:x2}",
            Pn532Transport.Spi => $"SPI bus {Bus}, chip select GPIO{Pin}",
            _ => Device ?? "(no device)",
        },
    };

    /// <summary>The sensor id in leaves.</summary>
    public string Id => SensorId ?? Chip switch
    {
        HfReaderChip.Mfrc522 => $"rfid/mfrc522-{Bus}.{ChipSelect}",
        _ => Transport switch
        {
            Pn532Transport.I2c => $"rfid/pn532-{Bus}-{Address:x4}",
            Pn532Transport.Spi => $"rfid/pn532-spi{Bus}-{Pin}",
            _ => "rfid/" + Path.GetFileName(Device ?? "pn532"),
        },
    };
}

/// <summary>
/// An HF (13.56 MHz) RFID reader, MFRC522 or PN532, driven with Iot.Device.Bindings: it looks for an
/// ISO 14443 type A tag every <see cref="HfRfidOptions.PollInterval"/>, and reports the tag's UID
/// (<c>raw:</c> and the hex id) or, for an NTAG/Ultralight tag whose NDEF message holds an SGTIN EPC
/// URI (URI record, prefix <c>urn:epc:id:</c>), that URI: the same observation leaves, debouncing and
/// missing/reopen faults as the other readers.
/// </summary>
public sealed class HfRfidReader : ISensorSource
{
    private readonly HfRfidOptions _options;
    private readonly IBoardBuses _buses;
    private readonly TimeProvider _timeProvider;
    private readonly RfidReadLoop _loop;

    /// <param name="options">The chip, its attachment and behaviour.</param>
    /// <param name="buses">The board's buses.</param>
    /// <param name="timeProvider">Clock for timestamps, polling, debouncing and reopen delays.</param>
    public HfRfidReader(HfRfidOptions options, IBoardBuses buses, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(buses);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ReopenDelay, TimeSpan.Zero, nameof(options.ReopenDelay));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.PollInterval, TimeSpan.Zero, nameof(options.PollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DebounceWindow, TimeSpan.Zero, nameof(options.DebounceWindow));
        _options = options;
        _buses = buses;
        _timeProvider = timeProvider;
        var info = new SensorInfo(options.Id, "rfid-" + options.Chip.ToString().ToLowerInvariant(), Quantity.Tag, SenmlUnits.For(Quantity.Tag), options.Zone);
        Sensors = [info];
        _loop = new RfidReadLoop(info, options.Attachment, Open, options.DebounceWindow, options.ReopenDelay, timeProvider);
    }

    /// <summary>
    /// How long a reader may find no tag before it is asked whether it still answers: the drivers report
    /// a chip that is gone as an empty field.
    /// </summary>
    public static readonly TimeSpan AnswerCheckInterval = TimeSpan.FromSeconds(5);

    /// <inheritdoc/>
    public string Name => $"{_options.Chip.ToString().ToLowerInvariant()}:{_options.Attachment}";

    /// <inheritdoc/>
    public IReadOnlyList<SensorInfo> Sensors { get; }

    /// <summary>Whether the reader is open now.</summary>
    public RfidReaderState State => _loop.State;

    /// <inheritdoc/>
    public IAsyncEnumerable<SensorEvent> ReadAsync(CancellationToken cancellationToken) => _loop.ReadAsync(cancellationToken);

    private IRfidSession Open()
    {
        try
        {
            return _options.Chip == HfReaderChip.Mfrc522 ? OpenMfrc522() : OpenPn532();
        }
        catch (Exception e) when (e is not (IOException or UnauthorizedAccessException or OperationCanceledException))
        {
            // The drivers say "no chip" with a plain Exception; a reader that is not there yet is retried like an unplugged one.
            throw new IOException($"{_options.Chip} at {_options.Attachment}: {e.Message}", e);
        }
    }

    private IRfidSession OpenMfrc522()
    {
        var spi = _buses.OpenSpi(new SpiConnectionSettings(_options.Bus, _options.ChipSelect)
        {
            ClockFrequency = 1_000_000,
            Mode = MfRc522.DefaultSpiMode,
        });
        MfRc522? chip = null;
        try
        {
            chip = new MfRc522(spi, _options.Pin, _options.Pin >= 0 ? _buses.Gpio() : null, shouldDispose: false);
            // The driver switched the antenna on; reading it back off means nothing answers on MISO.
            // (Its version register is no test: clones answer 0x88 or 0xB2, which the driver calls 0.0.)
            if (!chip.Enabled)
                throw new IOException($"no MFRC522 answers at {_options.Attachment} (the antenna bits read back 0): check the wiring and dtparam=spi=on");
            return new Session(this, new Mfrc522Chip(chip));
        }
        catch
        {
            if (chip is not null) chip.Dispose();
            else spi.Dispose();
            throw;
        }
    }

    private IRfidSession OpenPn532()
    {
        if (_options.Transport == Pn532Transport.Serial)
        {
            // The driver opens the port itself (HSU: 115200 baud, 8N1).
            return new Session(this, new Pn532Chip(new Pn532(OpenSerialPath())));
        }
        IDisposable bus = _options.Transport == Pn532Transport.I2c
            ? _buses.OpenI2c(_options.Bus, _options.Address)
            // The PN532 wants LSB first; where the SPI controller cannot, System.Device.Gpio reverses the bits itself.
            : _buses.OpenSpi(new SpiConnectionSettings(_options.Bus, -1) { ClockFrequency = Pn532.SpiClockFrequency, Mode = Pn532.SpiMode, DataFlow = DataFlow.LsbFirst });
        try
        {
            var chip = bus is I2cDevice i2c ? new Pn532(i2c) : new Pn532((SpiDevice)bus, _options.Pin, _buses.Gpio(), shouldDispose: false);
            return new Session(this, new Pn532Chip(chip));
        }
        catch
        {
            bus.Dispose();
            throw;
        }
    }

    private string OpenSerialPath()
    {
        var path = _options.Device ?? throw new IOException("no serial device is configured for the PN532");
        return File.Exists(path) ? path : throw new FileNotFoundException($"cannot open {path}: No such file or directory", path);
    }

    /// <summary>What the session needs of either chip.</summary>
    private interface IHfChip : IDisposable
    {
        /// <summary>The tag in the field, or null.</summary>
        Data106kbpsTypeA? Poll();

        /// <summary>The card transceiver to read a tag's memory through.</summary>
        CardTransceiver Transceiver { get; }

        /// <summary>Whether the chip still answers its host (a poll that finds no tag cannot tell).</summary>
        bool Answers();
    }

    private sealed class Mfrc522Chip(MfRc522 chip) : IHfChip
    {
        public CardTransceiver Transceiver => chip;

        // A tag still selected from the last poll ignores the first REQA and answers the next (ISO 14443-3
        // state machine), so the driver is given a few of its 10 ms retries. No HLTA: a tag that stays in
        // the field is read again, and debounced like the other readers' tags.
        public Data106kbpsTypeA? Poll() => chip.ListenToCardIso14443TypeA(out var card, TimeSpan.FromMilliseconds(50)) ? card : null;

        // The antenna bits it was opened with; a chip gone from the bus reads back 0.
        public bool Answers() => chip.Enabled;

        public void Dispose() => chip.Dispose();
    }

    private sealed class Pn532Chip(Pn532 chip) : IHfChip
    {
        public CardTransceiver Transceiver => chip;

        public Data106kbpsTypeA? Poll()
        {
            var found = chip.ListPassiveTarget(MaxTarget.One, TargetBaudRate.B106kbpsTypeA);
            return found is { Length: > 1 } ? chip.TryDecode106kbpsTypeA(found.AsSpan(1)) : null;
        }

        // The driver takes a PN532 that does not answer for one without a tag, so ask it for an echo (UM0701-02 §7.2.1).
        public bool Answers() => chip.RunSelfTest(DiagnoseMode.CommunicationLineTest);

        public void Dispose() => chip.Dispose();
    }

    // Looks for a tag every poll interval on the reader's own thread; the first look is at once.
    private sealed class Session(HfRfidReader reader, IHfChip chip) : IRfidSession
    {
        private bool _first = true;
        private long _answered = reader._timeProvider.GetTimestamp();

        public bool ReadNext(List<RawTagRead> reads, CancellationToken cancellationToken)
        {
            if (!_first)
                Task.Delay(reader._options.PollInterval, reader._timeProvider, cancellationToken).GetAwaiter().GetResult();
            _first = false;
            try
            {
                var card = chip.Poll();
                if (card is { NfcId.Length: > 0 })
                {
                    reads.Add(Read(card));
                    _answered = reader._timeProvider.GetTimestamp();
                }
                else if (reader._timeProvider.GetElapsedTime(_answered) >= AnswerCheckInterval)
                {
                    if (!chip.Answers())
                        throw new IOException($"{reader._options.Chip} at {reader._options.Attachment} no longer answers (unplugged, or its supply or wiring failed)");
                    _answered = reader._timeProvider.GetTimestamp();
                }
                return true;
            }
            catch (Exception e) when (e is not (IOException or OperationCanceledException))
            {
                // The drivers fail with whatever their transport throws (a serial port's TimeoutException or
                // InvalidOperationException once unplugged, a plain Exception): a reader gone wrong, closed and reopened.
                throw new IOException($"{reader._options.Chip} at {reader._options.Attachment} stopped answering: {e.Message}", e);
            }
        }

        private RawTagRead Read(Data106kbpsTypeA card)
        {
            if (reader._options.ReadNdef && UltralightCard.IsUltralightCard(card.Atqa, card.Sak)
                && EpcUri(new UltralightCard(chip.Transceiver, card.TargetNumber)) is { } uri)
            {
                return new RawTagRead(uri, IsEpcUri: true);
            }
            return new RawTagRead(Convert.ToHexString(card.NfcId));
        }

        // The first URI record of the tag's NDEF message that holds an EPC URI.
        private static string? EpcUri(UltralightCard tag)
        {
            if (!tag.TryReadNdefMessage(out var message)) return null;
            foreach (var record in message.Records.Where(UriRecord.IsUriRecord))
            {
                var uri = new UriRecord(record);
                var text = PrefixOf(uri.UriType) + uri.Uri;
                if (text.StartsWith("urn:epc:", StringComparison.Ordinal)) return text;
            }
            return null;
        }

        // NFC Forum URI RTD prefix codes (0x1E is "urn:epc:id:"), as the Ndef library describes them.
        private static string PrefixOf(UriType type) =>
            typeof(UriType).GetField(type.ToString())?.GetCustomAttribute<DescriptionAttribute>()?.Description ?? "";

        public void Dispose()
        {
            try
            {
                chip.Dispose();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or TimeoutException)
            {
                // The driver puts the chip to sleep on its way out; a chip that is gone cannot be, and that is no news.
            }
        }
    }
}
