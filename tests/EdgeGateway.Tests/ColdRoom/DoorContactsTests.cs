using System.Device.Gpio;
using System.Threading.Channels;
using EdgeGateway.ColdRoom;
using EdgeGateway.Log;
using EdgeGateway.Tests.Sensors;
using EdgeGateway.Tests.Sensors.Bindings;
using EdgeGateway.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGateway.Tests.ColdRoom;

/// <summary>A door contact on a simulated GPIO line, sampled on a clock the test moves.</summary>
public sealed class DoorContactsTests : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly ManualTimeProvider _clock = new();
    private readonly SimulatedGpioDriver _gpio = new();
    private readonly Channel<LogInput> _log = Channel.CreateUnbounded<LogInput>();
    private readonly CancellationTokenSource _stop = new();
    private Task? _running;

    private static readonly DoorOptions Door = new() { Id = "chiller-1", Zone = "chiller-1", Pin = 27, Debounce = TimeSpan.FromMilliseconds(200) };

    private async Task<DoorObservation> StartAsync(PinValue level)
    {
        _gpio.SetInput(27, level);
        _running = new DoorContacts([Door], new SimulatedBoardBuses(_gpio), _clock, NullLogger<DoorContacts>.Instance).RunAsync(_log.Writer, _stop.Token);
        return await NextAsync();
    }

    private async Task<DoorObservation> NextAsync() =>
        (await _log.Reader.ReadAsync().AsTask().WaitAsync(Wait)).Door ?? throw new Xunit.Sdk.XunitException("not a door observation");

    // Moves the clock one sample at a time. The monitor arms its next sample only when it is done
    // with the last, so waiting for an armed timer means every sample was taken, the last one too.
    private async Task SamplesAsync(int count)
    {
        for (var i = 0; i < count; i++) await _clock.AdvanceToNextTimerAsync(Wait);
        await _clock.WaitForTimerAsync(Wait);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_running is not null) await _running;
        _stop.Dispose();
    }

    [Fact]
    public async Task Start_RecordsTheStateAtStart_InputPulledUp()
    {
        var first = await StartAsync(PinValue.Low);

        Assert.Equal(("door/chiller-1", "chiller-1", false, true), (first.DoorId, first.Zone, first.Open, first.Changed));
        Assert.Contains("when the gateway started", first.Detail, StringComparison.Ordinal);
        Assert.Equal(PinMode.InputPullUp, _gpio.ModeOf(27));
    }

    [Fact]
    public async Task Opening_HeldForTheDebounce_IsOneChangeDatedWhenFirstSeen_ThenRemindersWhileOpen()
    {
        await StartAsync(PinValue.Low);
        var t0 = _clock.GetUtcNow().ToUnixTimeMilliseconds();

        _gpio.SetInput(27, PinValue.High);
        await SamplesAsync(5); // 50 ms: seen; 250 ms: held 200 ms
        var opened = await NextAsync();
        await SamplesAsync(20); // one second later
        var reminder = await NextAsync();

        Assert.Equal((true, true, t0 + 50), (opened.Open, opened.Changed, opened.TimeMs));
        Assert.Contains("opened", opened.Detail, StringComparison.Ordinal);
        Assert.Equal((true, false), (reminder.Open, reminder.Changed));
    }

    [Fact]
    public async Task Bounce_ShorterThanTheDebounce_IsNoChange()
    {
        await StartAsync(PinValue.Low);

        _gpio.SetInput(27, PinValue.High);
        await SamplesAsync(2); // high for 100 ms
        _gpio.SetInput(27, PinValue.Low);
        await SamplesAsync(10);
        _gpio.SetInput(27, PinValue.High);
        await SamplesAsync(5);
        var opened = await NextAsync();

        Assert.True(opened.Changed);
        Assert.True(opened.Open);
        Assert.Equal(_clock.GetUtcNow().ToUnixTimeMilliseconds() - 200, opened.TimeMs);
    }

    [Fact]
    public async Task OpenWhenLow_Closing_IsDoorClosed()
    {
        var door = Door with { OpenWhenHigh = false, Pull = InputPull.None };
        _gpio.SetInput(27, PinValue.Low);
        _running = new DoorContacts([door], new SimulatedBoardBuses(_gpio), _clock, NullLogger<DoorContacts>.Instance).RunAsync(_log.Writer, _stop.Token);
        var first = await NextAsync();

        _gpio.SetInput(27, PinValue.High);
        await SamplesAsync(5);
        var closed = (await _log.Reader.ReadAllAsync().Select(i => i.Door!).FirstAsync(d => d.Changed).AsTask().WaitAsync(Wait));

        Assert.True(first.Open);
        Assert.False(closed.Open);
        Assert.Equal(PinMode.Input, _gpio.ModeOf(27));
    }
}

/// <summary>A door whose GPIO line cannot be reached.</summary>
public sealed class DoorContactFaultTests
{
    private sealed class NoGpio : EdgeGateway.Board.IBoardBuses
    {
        public int Attempts { get; private set; }
        public System.Device.I2c.I2cDevice OpenI2c(int bus, int address) => throw new NotSupportedException();
        public System.Device.Spi.SpiDevice OpenSpi(System.Device.Spi.SpiConnectionSettings settings) => throw new NotSupportedException();
        public GpioController Gpio()
        {
            Attempts++;
            throw new IOException("GPIO driver libgpiod (gpiochip0) cannot run: libgpiod.so.2 not found");
        }
    }

    [Fact]
    public async Task LineThatCannotBeRead_IsOneDoorFaultLeaf_AndIsTriedAgainWithoutRepeatingIt()
    {
        var clock = new ManualTimeProvider();
        var buses = new NoGpio();
        var log = Channel.CreateUnbounded<LogInput>();
        using var stop = new CancellationTokenSource();
        var door = new DoorOptions { Id = "chiller-1", Zone = "chiller-1", Pin = 27 };
        var running = new DoorContacts([door], buses, clock, NullLogger<DoorContacts>.Instance).RunAsync(log.Writer, stop.Token);

        var fault = (await log.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10))).Event!;
        await clock.AdvanceToNextTimerAsync(TimeSpan.FromSeconds(10)); // 30 s: tried again
        await clock.WaitForTimerAsync(TimeSpan.FromSeconds(10));      // waiting for the next try
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("door-fault", fault.Code);
        Assert.Contains("libgpiod", fault.Detail, StringComparison.Ordinal);
        Assert.Equal(2, buses.Attempts);
        Assert.False(log.Reader.TryRead(out _));
    }
}

/// <summary>A door whose line fails while it is watched, and comes back.</summary>
public sealed class DoorContactLineFailureTests
{
    // A GPIO driver whose reads fail while the test says so (the chip's character device gone, a driver error).
    private sealed class FlakyGpioDriver : SimulatedGpioDriver
    {
        public volatile bool Failing;

        protected override PinValue Read(int pinNumber) =>
            Failing ? throw new IOException("Error 19 reading line 27 (No such device)") : base.Read(pinNumber);
    }

    [Fact]
    public async Task LineFailingAndBack_IsADoorFault_ThenTheStateAgain_AndASecondFailureIsNewsAgain()
    {
        var clock = new ManualTimeProvider();
        var gpio = new FlakyGpioDriver();
        gpio.SetInput(27, PinValue.Low);
        var log = Channel.CreateUnbounded<LogInput>();
        using var stop = new CancellationTokenSource();
        var door = new DoorOptions { Id = "chiller-1", Zone = "chiller-1", Pin = 27 };
        var running = new DoorContacts([door], new SimulatedBoardBuses(gpio), clock, NullLogger<DoorContacts>.Instance).RunAsync(log.Writer, stop.Token);
        async Task<LogInput> Next() => await log.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        var start = (await Next()).Door!;
        gpio.Failing = true;
        await clock.AdvanceToNextTimerAsync(TimeSpan.FromSeconds(10)); // a sample: the read fails
        var fault = (await Next()).Event!;
        gpio.Failing = false;
        await clock.AdvanceToNextTimerAsync(TimeSpan.FromSeconds(10)); // 30 s later: read again
        var again = (await Next()).Door!;
        gpio.Failing = true;
        await clock.AdvanceToNextTimerAsync(TimeSpan.FromSeconds(10));
        var secondFault = (await Next()).Event!;
        await stop.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Contains("when the gateway started", start.Detail, StringComparison.Ordinal);
        Assert.Equal(("door-fault", "door-fault"), (fault.Code, secondFault.Code));
        Assert.Contains("No such device", fault.Detail, StringComparison.Ordinal);
        Assert.Equal((false, true), (again.Open, again.Changed));
        Assert.Contains("when its line could be read again", again.Detail, StringComparison.Ordinal);
        Assert.Equal(start.TimeMs + 50 + (long)DoorContacts.RetryInterval.TotalMilliseconds, again.TimeMs);
        Assert.Null(gpio.ModeOf(27)); // closed after each failure
    }
}

/// <summary>Alarm outputs switched from the active alarms, on a simulated GPIO driver.</summary>
public sealed class AlarmOutputsTests
{
    private readonly SimulatedGpioDriver _gpio = new();

    private AlarmOutputs Outputs(params OutputOptions[] outputs) =>
        new(outputs, new SimulatedBoardBuses(_gpio), NullLogger<AlarmOutputs>.Instance);

    [Fact]
    public void Relay_ActiveLow_IsOpenedOff_SwitchedOnByAMatchingAlarm_AndOffWhenItEnds()
    {
        var relay = new OutputOptions { Id = "siren", Pin = 22, ActiveLow = true, Zones = ["chiller-1"] };
        using var outputs = Outputs(relay);

        outputs.Update([]);
        var openedLevel = _gpio.Output(22);
        outputs.Update([("freezer-1", "freezer-high")]);
        var otherZone = _gpio.Output(22);
        outputs.Update([("chiller-1", "chiller-door")]);
        var on = _gpio.Output(22);
        outputs.Update([]);

        Assert.Equal(PinValue.High, openedLevel);
        Assert.Equal(PinValue.High, otherZone);
        Assert.Equal(PinValue.Low, on);
        Assert.Equal(PinValue.High, _gpio.Output(22));
        Assert.False(outputs.IsOn("siren"));
    }

    [Fact]
    public void Led_ActiveHigh_FilteredByRule_AndSwitchedOffOnDispose()
    {
        var led = new OutputOptions { Id = "door-led", Kind = OutputKind.Led, Pin = 5, Rules = ["chiller-door"] };
        var outputs = Outputs(led);

        outputs.Update([("chiller-1", "chiller-high")]);
        var otherRule = _gpio.Output(5);
        outputs.Update([("chiller-1", "chiller-high"), ("chiller-1", "chiller-door")]);
        var on = _gpio.Output(5);
        outputs.Dispose();

        Assert.Equal(PinValue.Low, otherRule);
        Assert.Equal(PinValue.High, on);
        Assert.Equal((5, PinValue.Low), _gpio.Writes[^1]);
        Assert.Null(_gpio.ModeOf(5));
    }

    [Fact]
    public async Task TestMode_SwitchesEachOutputOnThenOff_SayingSo()
    {
        var clock = new ManualTimeProvider();
        var report = new StringWriter();
        var controller = new GpioController(_gpio);
        OutputOptions[] outputs = [new() { Id = "siren", Pin = 22, ActiveLow = true }, new() { Id = "buzzer", Kind = OutputKind.Buzzer, Pin = 23 }];

        var testing = AlarmOutputs.TestAsync(outputs, controller, TimeSpan.FromSeconds(2), report, clock, CancellationToken.None);
        await clock.AdvanceToNextTimerAsync(TimeSpan.FromSeconds(10));
        await clock.AdvanceToNextTimerAsync(TimeSpan.FromSeconds(10));
        await testing.WaitAsync(TimeSpan.FromSeconds(10));

        // Each line is opened off (its polarity's level), switched on, then off.
        Assert.Equal([(22, PinValue.High), (22, PinValue.Low), (22, PinValue.High), (23, PinValue.Low), (23, PinValue.High), (23, PinValue.Low)], _gpio.Writes);
        var lines = report.ToString().TrimEnd('\n').Split('\n');
        Assert.Equal("siren (relay, GPIO22, active low): on (line low) for 2 s", lines[0]);
        Assert.Equal("buzzer (buzzer, GPIO23, active high): off (line low)", lines[3]);
    }
}
