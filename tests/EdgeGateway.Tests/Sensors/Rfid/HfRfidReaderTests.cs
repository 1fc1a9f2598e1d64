using EdgeGateway.Sensors;
using EdgeGateway.Sensors.Rfid;
using EdgeGateway.Tests.Sensors.Bindings;
using EdgeGateway.Tests.Support;

namespace EdgeGateway.Tests.Sensors.Rfid;

/// <summary>
/// The HF readers end to end: the gateway's reader, the Iot.Device.Bindings MFRC522 or PN532 driver,
/// and a simulated chip with a simulated NTAG213 in its field.
/// </summary>
public sealed class HfRfidReaderTests
{
    private static readonly byte[] Uid = [0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6];

    // The EPC Tag Data Standard's example SGTIN, stored as an NDEF URI record with prefix code 0x1E ("urn:epc:id:").
    private static SimulatedNtag213 EpcTag() => new(Uid, SimulatedNtag213.UriMessage(0x1E, "sgtin:0614141.812345.6789"));

    private static HfRfidReader Mfrc522(SimulatedBoardBuses buses, TimeProvider? clock = null, bool ndef = true) =>
        new(new HfRfidOptions { Chip = HfReaderChip.Mfrc522, Bus = 0, ChipSelect = 0, PollInterval = TimeSpan.FromMilliseconds(20), ReadNdef = ndef, Zone = "dock" },
            buses, clock ?? TimeProvider.System);

    private static HfRfidReader Pn532(SimulatedBoardBuses buses) =>
        new(new HfRfidOptions { Chip = HfReaderChip.Pn532, Transport = Pn532Transport.I2c, Bus = 1, PollInterval = TimeSpan.FromMilliseconds(20) },
            buses, TimeProvider.System);

    private static async Task<SensorEvent> FirstAsync(HfRfidReader reader, CancellationTokenSource cts)
    {
        await using var events = reader.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var first = await RfidTestWaits.NextAsync(events);
        await cts.CancelAsync();
        return first;
    }

    [Fact]
    public void CrcA_Iso14443Examples()
    {
        // ISO/IEC 14443-3 Annex B: CRC_A of 00 00 is A0 1E; HLTA is sent as 50 00 57 CD.
        Assert.Equal([0xA0, 0x1E], SimulatedNtag213.CrcA([0x00, 0x00]));
        Assert.Equal([0x57, 0xCD], SimulatedNtag213.CrcA([0x50, 0x00]));
    }

    [Fact]
    public async Task Mfrc522_NtagWithAnEpcUriRecord_IsObservedAsThatEpc()
    {
        var buses = new SimulatedBoardBuses();
        buses.Plug(0, 0, new SimulatedMfrc522 { Tag = EpcTag() });
        var reader = Mfrc522(buses);
        using var cts = new CancellationTokenSource();

        var tag = Observation(await FirstAsync(reader, cts));

        Assert.Equal("urn:epc:id:sgtin:0614141.812345.6789", tag.Value);
        Assert.Equal("rfid/mfrc522-0.0", tag.SensorId);
        Assert.Equal("dock", Assert.Single(reader.Sensors).Zone);
        Assert.Equal(System.Device.Spi.SpiMode.Mode0, buses.LastSpiSettings!.Mode);
    }

    [Fact]
    public async Task Mfrc522_TagWithoutNdef_IsObservedByItsSevenByteUid()
    {
        var buses = new SimulatedBoardBuses();
        buses.Plug(0, 0, new SimulatedMfrc522 { Tag = new SimulatedNtag213(Uid) });
        using var cts = new CancellationTokenSource();

        var tag = Observation(await FirstAsync(Mfrc522(buses), cts));

        Assert.Equal("raw:04A1B2C3D4E5F6", tag.Value);
    }

    [Fact]
    public async Task Mfrc522_NdefReadingOff_ReportsTheUidEvenOfAnEpcTag()
    {
        var buses = new SimulatedBoardBuses();
        var tag = EpcTag();
        buses.Plug(0, 0, new SimulatedMfrc522 { Tag = tag });
        using var cts = new CancellationTokenSource();

        var seen = Observation(await FirstAsync(Mfrc522(buses, ndef: false), cts));

        Assert.Equal("raw:04A1B2C3D4E5F6", seen.Value);
        Assert.Equal(0, tag.Reads);
    }

    [Fact]
    public async Task Mfrc522_TagStayingInTheField_IsReportedOncePerWindow_TheNextTagAtOnce()
    {
        var clock = new ManualTimeProvider();
        var buses = new SimulatedBoardBuses();
        var first = EpcTag();
        var chip = new SimulatedMfrc522 { Tag = first };
        buses.Plug(0, 0, chip);
        using var cts = new CancellationTokenSource();
        await using var events = Mfrc522(buses, clock).ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        var a = Assert.IsType<TagObservation>(await RfidTestWaits.NextAsync(events));
        await clock.AdvanceToNextTimerAsync(RfidTestWaits.Timeout);
        await UntilAsync(() => first.Reads >= 2); // read again, within the 5 s window: not reported
        chip.Tag = new SimulatedNtag213([0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66]);
        await clock.AdvanceToNextTimerAsync(RfidTestWaits.Timeout);
        var b = Assert.IsType<TagObservation>(await RfidTestWaits.NextAsync(events));

        Assert.Equal("urn:epc:id:sgtin:0614141.812345.6789", a.Value);
        Assert.Equal("raw:04112233445566", b.Value);
    }

    [Fact]
    public async Task Mfrc522_NothingAnswersOnTheBus_IsIoErrorSayingSo()
    {
        var buses = new SimulatedBoardBuses();
        buses.Plug(0, 0, new SimulatedMfrc522 { Absent = true });
        using var cts = new CancellationTokenSource();

        var fault = Assert.IsType<SensorFault>(await FirstAsync(Mfrc522(buses), cts));

        Assert.Equal("io-error", fault.Code);
        Assert.Contains("no MFRC522 answers", fault.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mfrc522_SpiBusNotThere_IsMissing()
    {
        using var cts = new CancellationTokenSource();

        var fault = Assert.IsType<SensorFault>(await FirstAsync(Mfrc522(new SimulatedBoardBuses()), cts));

        Assert.Equal("missing", fault.Code);
        Assert.Contains("spidev0.0", fault.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pn532OnI2c_NtagWithAnEpcUriRecord_IsObservedAsThatEpc()
    {
        var buses = new SimulatedBoardBuses();
        var chip = new SimulatedPn532 { Tag = EpcTag() };
        buses.Plug(1, 0x24, chip);
        using var cts = new CancellationTokenSource();

        var tag = Observation(await FirstAsync(Pn532(buses), cts));

        Assert.Equal("urn:epc:id:sgtin:0614141.812345.6789", tag.Value);
        Assert.Equal("rfid/pn532-1-0024", tag.SensorId);
        Assert.Contains((byte)0x4A, chip.Commands); // InListPassiveTarget
        Assert.Contains((byte)0x42, chip.Commands); // InCommunicateThru: the tag's pages
    }

    [Fact]
    public async Task Pn532_UriRecordThatIsNoEpc_GivesTheUid_AndAnEpcUriInAnotherSpelling_IsMalformed()
    {
        var buses = new SimulatedBoardBuses();
        buses.Plug(1, 0x24, new SimulatedPn532 { Tag = new SimulatedNtag213(Uid, SimulatedNtag213.UriMessage(0x04, "example.com/lot/7")) });
        var other = new SimulatedBoardBuses();
        other.Plug(1, 0x24, new SimulatedPn532 { Tag = new SimulatedNtag213(Uid, SimulatedNtag213.UriMessage(0x1E, "sgtin:0614141.812345.6789%2f")) });
        using var cts1 = new CancellationTokenSource();
        using var cts2 = new CancellationTokenSource();

        var web = Observation(await FirstAsync(Pn532(buses), cts1));
        var bad = Assert.IsType<SensorFault>(await FirstAsync(Pn532(other), cts2));

        Assert.Equal("raw:04A1B2C3D4E5F6", web.Value);
        Assert.Equal("malformed", bad.Code);
        Assert.Contains("%2f", bad.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pn532OnSpi_SelectDrivenOnItsGpioLine_ReadsTheEpc()
    {
        var gpio = new SimulatedGpioDriver();
        var buses = new SimulatedBoardBuses(gpio);
        var chip = new SimulatedPn532Spi(gpio, selectPin: 5);
        chip.Firmware.Tag = EpcTag();
        buses.Plug(0, 0, chip);
        var reader = new HfRfidReader(new HfRfidOptions { Chip = HfReaderChip.Pn532, Transport = Pn532Transport.Spi, Bus = 0, Pin = 5, PollInterval = TimeSpan.FromMilliseconds(20) },
            buses, TimeProvider.System);
        using var cts = new CancellationTokenSource();

        var tag = Observation(await FirstAsync(reader, cts));

        Assert.Equal("urn:epc:id:sgtin:0614141.812345.6789", tag.Value);
        Assert.Equal("rfid/pn532-spi0-5", tag.SensorId);
        var settings = buses.LastSpiSettings!;
        Assert.Equal((-1, System.Device.Spi.SpiMode.Mode0, System.Device.Spi.DataFlow.LsbFirst), (settings.ChipSelectLine, settings.Mode, settings.DataFlow));
        Assert.Equal(System.Device.Gpio.PinMode.Output, gpio.ModeOf(5));
        // SAMConfiguration, GetFirmwareVersion and the tag's commands all reached the chip while it was selected.
        Assert.Contains((byte)0x02, chip.Firmware.Commands);
        Assert.Contains((byte)0x4A, chip.Firmware.Commands);
        Assert.Contains((byte)0x42, chip.Firmware.Commands);
    }

    [Fact]
    public async Task Pn532OnSpi_NoChipOnTheBus_IsIoErrorNamingIt()
    {
        var gpio = new SimulatedGpioDriver();
        var buses = new SimulatedBoardBuses(gpio);
        buses.Plug(0, 0, new SimulatedPn532Spi(gpio, selectPin: 6)); // wired to another select line: never selected
        var reader = new HfRfidReader(new HfRfidOptions { Chip = HfReaderChip.Pn532, Transport = Pn532Transport.Spi, Bus = 0, Pin = 5 }, buses, TimeProvider.System);
        using var cts = new CancellationTokenSource();

        var fault = Assert.IsType<SensorFault>(await FirstAsync(reader, cts));

        Assert.Equal("io-error", fault.Code);
        Assert.Contains("Pn532 at SPI bus 0, chip select GPIO5", fault.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mfrc522_ChipThatStopsAnswering_IsMissing_AndIsReadAgainOnceBack()
    {
        var clock = new ManualTimeProvider();
        var buses = new SimulatedBoardBuses();
        var chip = new SimulatedMfrc522();
        buses.Plug(0, 0, chip);
        using var cts = new CancellationTokenSource();
        // Looks as far apart as the answer check, so that the next look is the one that asks the chip.
        var reader = new HfRfidReader(new HfRfidOptions { Chip = HfReaderChip.Mfrc522, PollInterval = HfRfidReader.AnswerCheckInterval }, buses, clock);
        await using var events = reader.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        var next = RfidTestWaits.NextAsync(events); // starts the reader
        await clock.WaitForTimerAsync(RfidTestWaits.Timeout); // opened, first look done: an empty field
        chip.Absent = true;
        await clock.AdvanceToNextTimerAsync(RfidTestWaits.Timeout);
        var gone = Assert.IsType<SensorFault>(await next);
        chip.Absent = false;
        chip.Tag = new SimulatedNtag213(Uid);
        await clock.AdvanceToNextTimerAsync(RfidTestWaits.Timeout); // the reopen delay
        var back = Assert.IsType<TagObservation>(await RfidTestWaits.NextAsync(events));

        Assert.Equal("missing", gone.Code);
        Assert.Contains("no longer answers", gone.Detail, StringComparison.Ordinal);
        Assert.Equal("raw:04A1B2C3D4E5F6", back.Value);
    }

    private static TagObservation Observation(SensorEvent e) =>
        e as TagObservation ?? throw new Xunit.Sdk.XunitException($"expected a tag, got {e}");

    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + RfidTestWaits.Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not met");
            await Task.Delay(5);
        }
    }
}
