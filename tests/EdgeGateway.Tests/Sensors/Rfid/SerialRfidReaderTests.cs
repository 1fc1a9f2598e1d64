using EdgeGateway.Sensors;
using EdgeGateway.Sensors.Rfid;

namespace EdgeGateway.Tests.Sensors.Rfid;

/// <summary>End to end through a real pseudo-terminal: the reader opens the slave as its serial port.</summary>
public sealed class SerialRfidReaderTests : IDisposable
{
    private readonly PseudoTerminal _pty = new();

    public void Dispose() => _pty.Dispose();

    private SerialRfidReader Reader(int baud = 115200) => new(
        new SerialRfidOptions(_pty.SlavePath)
        {
            BaudRate = baud,
            SensorId = "rfid/chiller-1",
            Zone = "chiller-1",
            DebounceWindow = TimeSpan.FromMinutes(1),
            ReopenDelay = TimeSpan.FromMilliseconds(50),
        },
        TimeProvider.System);

    [Fact]
    public async Task ReadAsync_LinesWrittenToMaster_BecomeObservations()
    {
        var reader = Reader();
        using var cts = new CancellationTokenSource();
        await using var events = reader.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var first = RfidTestWaits.NextAsync(events);
        await RfidTestWaits.UntilOpenAsync(() => reader.State);

        _pty.Write("3074257BF7194E4000001A85\r\n3074257BF7194E4000001A85\r\n04a1b2c3\r");
        _pty.Write("\n0004512345\n");

        var epc = Assert.IsType<TagObservation>(await first);
        Assert.Equal("urn:epc:id:sgtin:0614141.812345.6789", epc.Value);
        Assert.Equal("rfid/chiller-1", epc.SensorId);
        Assert.Equal("raw:04A1B2C3", Assert.IsType<TagObservation>(await RfidTestWaits.NextAsync(events)).Value);
        Assert.Equal("raw:0004512345", Assert.IsType<TagObservation>(await RfidTestWaits.NextAsync(events)).Value);
    }

    [Fact]
    public async Task Open_PutsTtyInRawModeAtConfiguredBaud()
    {
        var reader = Reader(115200);
        using var cts = new CancellationTokenSource();
        await using var events = reader.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var pending = events.MoveNextAsync();
        await RfidTestWaits.UntilOpenAsync(() => reader.State);

        // Terminal settings belong to the tty, so a second descriptor sees what the reader set.
        var fd = TestPosix.open(_pty.SlavePath, TestPosix.O_RDWR | TestPosix.O_NOCTTY);
        TestPosix.Check(fd, "open slave");
        try
        {
            TestPosix.Check(TestPosix.tcgetattr(fd, out var tio), "tcgetattr");
            Assert.Equal(0u, tio.c_lflag & TestPosix.ICANON);
            Assert.Equal(0u, tio.c_lflag & TestPosix.ECHO);
            Assert.Equal(TestPosix.B115200, TestPosix.cfgetispeed(ref tio));
        }
        finally
        {
            TestPosix.close(fd);
        }
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.AsTask().WaitAsync(RfidTestWaits.Timeout));
    }

    [Fact]
    public async Task ReadAsync_ControlBytesInLine_FaultNamesTheByte()
    {
        var reader = Reader();
        using var cts = new CancellationTokenSource();
        await using var events = reader.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var first = RfidTestWaits.NextAsync(events);
        await RfidTestWaits.UntilOpenAsync(() => reader.State);

        _pty.Write("04A1\u0007B2\r\n");

        var fault = Assert.IsType<SensorFault>(await first);
        Assert.Equal("malformed", fault.Code);
        Assert.Contains("0x07", fault.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_MasterHangsUp_MissingFault()
    {
        var reader = Reader();
        using var cts = new CancellationTokenSource();
        await using var events = reader.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var first = RfidTestWaits.NextAsync(events);
        await RfidTestWaits.UntilOpenAsync(() => reader.State);

        _pty.Dispose();

        var fault = Assert.IsType<SensorFault>(await first);
        Assert.Equal("missing", fault.Code);
    }

    [Fact]
    public void Constructor_UnsupportedBaud_SaysWhichAreSupported()
    {
        var ex = Assert.Throws<ArgumentException>(() => Reader(12345));
        Assert.Contains("12345", ex.Message, StringComparison.Ordinal);
        Assert.Contains("115200", ex.Message, StringComparison.Ordinal);
    }
}
