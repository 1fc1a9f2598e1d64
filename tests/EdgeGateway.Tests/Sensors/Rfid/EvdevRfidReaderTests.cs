using EdgeGateway.Sensors;
using EdgeGateway.Sensors.Rfid;

namespace EdgeGateway.Tests.Sensors.Rfid;

/// <summary>
/// End to end through a real FIFO standing in for /dev/input/eventN: the test writes input_event
/// records into it as the kernel would, the reader polls and reads it like the device.
/// </summary>
public sealed class EvdevRfidReaderTests : IDisposable
{
    private const string SgtinHex = "3074257BF7194E4000001A85";
    private const string SgtinUri = "urn:epc:id:sgtin:0614141.812345.6789";
    private readonly string _dir = Directory.CreateTempSubdirectory("edgetrace-evdev-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string MakeFifo(string name = "event0")
    {
        var path = Path.Combine(_dir, name);
        TestPosix.Check(TestPosix.mkfifo(path, Convert.ToUInt32("600", 8)), "mkfifo");
        return path;
    }

    private static EvdevRfidReader Reader(string path, bool grab = false) => new(
        new EvdevRfidOptions(path)
        {
            Grab = grab,
            SensorId = "rfid/dock-1",
            Zone = "dock-1",
            DebounceWindow = TimeSpan.FromMinutes(1),
            ReopenDelay = TimeSpan.FromMilliseconds(50),
        },
        TimeProvider.System);

    private static void Type(FileStream fifo, string text, ushort terminator = LinuxKeyCodes.Enter)
    {
        fifo.Write(WedgeKeystrokes.Encode(WedgeKeystrokes.Type(text, terminator), EvdevLayout.Native));
        fifo.Flush();
    }

    [Fact]
    public async Task ReadAsync_TypedTagsThroughFifo_BecomeObservationsDebounced()
    {
        var path = MakeFifo();
        var reader = Reader(path);
        using var cts = new CancellationTokenSource();
        await using var events = reader.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var first = RfidTestWaits.NextAsync(events);
        await RfidTestWaits.UntilOpenAsync(() => reader.State);

        await using (var fifo = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            Type(fifo, SgtinHex);
            Type(fifo, SgtinHex);                               // the same pallet read again
            Type(fifo, "04a1b2c3d4e5f6", LinuxKeyCodes.KeypadEnter);
        }

        var epc = Assert.IsType<TagObservation>(await first);
        Assert.Equal(SgtinUri, epc.Value);
        Assert.Equal("rfid/dock-1", epc.SensorId);
        Assert.Equal(Quantity.Tag, epc.Quantity);
        Assert.Equal("raw:04A1B2C3D4E5F6", Assert.IsType<TagObservation>(await RfidTestWaits.NextAsync(events)).Value);
        var closed = Assert.IsType<SensorFault>(await RfidTestWaits.NextAsync(events));
        Assert.Equal("missing", closed.Code);
        Assert.Contains("end of file", closed.Detail, StringComparison.Ordinal);
        Assert.Equal([new SensorInfo("rfid/dock-1", "rfid-hid", Quantity.Tag, "", "dock-1")], reader.Sensors);
    }

    [Fact]
    public async Task ReadAsync_RecordsSplitAcrossWrites_AreReassembled()
    {
        var path = MakeFifo();
        var reader = Reader(path);
        using var cts = new CancellationTokenSource();
        await using var events = reader.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var first = RfidTestWaits.NextAsync(events);
        await RfidTestWaits.UntilOpenAsync(() => reader.State);

        var bytes = WedgeKeystrokes.Encode(WedgeKeystrokes.Type("0A1B2C3D"), EvdevLayout.Native);
        await using var fifo = new FileStream(path, FileMode.Open, FileAccess.Write);
        for (var i = 0; i < bytes.Length; i += 7)
        {
            fifo.Write(bytes, i, Math.Min(7, bytes.Length - i));
            fifo.Flush();
        }

        Assert.Equal("raw:0A1B2C3D", Assert.IsType<TagObservation>(await first).Value);
    }

    [Fact]
    public async Task ReadAsync_DeviceAbsentThenAppears_OneMissingFaultThenReads()
    {
        var path = Path.Combine(_dir, "event7");
        var reader = Reader(path);
        using var cts = new CancellationTokenSource();
        await using var events = reader.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        var missing = Assert.IsType<SensorFault>(await RfidTestWaits.NextAsync(events));
        Assert.Equal("missing", missing.Code);
        Assert.Contains(path, missing.Detail, StringComparison.Ordinal);

        var next = RfidTestWaits.NextAsync(events);
        MakeFifo("event7");
        await RfidTestWaits.UntilOpenAsync(() => reader.State);
        await using (var fifo = new FileStream(path, FileMode.Open, FileAccess.Write)) Type(fifo, "DEADBEEF");

        Assert.Equal("raw:DEADBEEF", Assert.IsType<TagObservation>(await next).Value);
    }

    [Fact]
    public async Task ReadAsync_WriterClosesAndReturns_ReaderReopensAndContinues()
    {
        var path = MakeFifo();
        var reader = Reader(path);
        using var cts = new CancellationTokenSource();
        await using var events = reader.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var first = RfidTestWaits.NextAsync(events);
        await RfidTestWaits.UntilOpenAsync(() => reader.State);
        await using (var fifo = new FileStream(path, FileMode.Open, FileAccess.Write)) Type(fifo, "11111111");
        Assert.IsType<TagObservation>(await first);
        Assert.Equal("missing", Assert.IsType<SensorFault>(await RfidTestWaits.NextAsync(events)).Code);

        var again = RfidTestWaits.NextAsync(events);
        await RfidTestWaits.UntilOpenAsync(() => reader.State);
        await using (var fifo = new FileStream(path, FileMode.Open, FileAccess.Write)) Type(fifo, "22222222");

        Assert.Equal("raw:22222222", Assert.IsType<TagObservation>(await again).Value);
    }

    [Fact]
    public async Task ReadAsync_GrabOnSomethingNotAnInputDevice_FaultSaysSo()
    {
        var path = MakeFifo();
        var reader = Reader(path, grab: true);
        using var cts = new CancellationTokenSource();
        await using var events = reader.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);

        var fault = Assert.IsType<SensorFault>(await RfidTestWaits.NextAsync(events));

        Assert.Equal("io-error", fault.Code);
        Assert.Contains("EVIOCGRAB", fault.Detail, StringComparison.Ordinal);
        Assert.Contains("not an input event device", fault.Detail, StringComparison.Ordinal);
        Assert.False(reader.State.IsOpen);
    }

    [Fact]
    public async Task ReadAsync_GarbageKeys_FaultNotObservation()
    {
        var path = MakeFifo();
        var reader = Reader(path);
        using var cts = new CancellationTokenSource();
        await using var events = reader.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var first = RfidTestWaits.NextAsync(events);
        await RfidTestWaits.UntilOpenAsync(() => reader.State);

        await using (var fifo = new FileStream(path, FileMode.Open, FileAccess.Write)) Type(fifo, "hello world");

        var fault = Assert.IsType<SensorFault>(await first);
        Assert.Equal("malformed", fault.Code);
        Assert.Contains("'hello world'", fault.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_ZeroReopenDelay_IsRejected() =>
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new EvdevRfidReader(new EvdevRfidOptions("/dev/input/event0") { ReopenDelay = TimeSpan.Zero }, TimeProvider.System));

    [Fact]
    public async Task ReadAsync_Cancelled_WhileBlockedOnIdleDevice_Returns()
    {
        var path = MakeFifo();
        var reader = Reader(path);
        using var cts = new CancellationTokenSource();
        var events = reader.ReadAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var pending = events.MoveNextAsync().AsTask();
        await RfidTestWaits.UntilOpenAsync(() => reader.State);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(RfidTestWaits.Timeout));
        await events.DisposeAsync().AsTask().WaitAsync(RfidTestWaits.Timeout);
        Assert.Equal("stopped", reader.State.Detail);
    }
}
