using System.Device.Gpio;
using System.Threading.Channels;
using EdgeGateway.Board;
using EdgeGateway.Log;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.ColdRoom;

/// <summary>The bias on a door contact's input line.</summary>
public enum InputPull
{
    /// <summary>Pulled up (a switch to ground).</summary>
    Up,
    /// <summary>Pulled down (a switch to 3.3 V).</summary>
    Down,
    /// <summary>None: the contact module drives the line.</summary>
    None,
}

/// <summary>A door contact on a GPIO input (gateway.json <c>doors[]</c>).</summary>
public sealed record DoorOptions
{
    /// <summary>The door's id, e.g. <c>chiller-1</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The zone whose door alarm rules it drives.</summary>
    public string? Zone { get; init; }

    /// <summary>The GPIO line (BCM number).</summary>
    public int Pin { get; init; }

    /// <summary>True when a high level means open (a normally closed reed switch to ground with a pull-up).</summary>
    public bool OpenWhenHigh { get; init; } = true;

    /// <summary>The line's bias.</summary>
    public InputPull Pull { get; init; } = InputPull.Up;

    /// <summary>How long a new level must hold before it counts (contact bounce, a door rattling in the wind).</summary>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The id alarm leaves name the door by (their <c>sensor</c>): <c>door/</c> and the id.</summary>
    public string SensorId => "door/" + Id;
}

/// <summary>
/// Watches the door contacts: each input is sampled every <see cref="SampleInterval"/> of the
/// gateway clock, and a new level that holds for the door's debounce time is a change, dated when
/// it was first seen. Changes (and the state at start) go to the log as <c>door-open</c> and
/// <c>door-closed</c> event leaves; while a door is open its state is also passed on every
/// <see cref="OpenReminder"/>, so that the zone's door alarm starts on time. A line that cannot be
/// read (no GPIO driver, the line busy) is a <c>door-fault</c> event (once per kind of failure) and
/// is tried again every <see cref="RetryInterval"/>.
/// </summary>
public sealed partial class DoorContacts(IReadOnlyList<DoorOptions> doors, IBoardBuses buses, TimeProvider clock, ILogger<DoorContacts> logger)
{
    /// <summary>How often each input is sampled.</summary>
    public static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>How often an open door's state is passed on to the alarm rules.</summary>
    public static readonly TimeSpan OpenReminder = TimeSpan.FromSeconds(1);

    /// <summary>How long a door whose line cannot be read waits before it is tried again.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(30);

    /// <summary>The event code of a door contact that cannot be read.</summary>
    public const string FaultCode = "door-fault";

    /// <summary>Watches every door until <paramref name="stoppingToken"/> fires.</summary>
    public Task RunAsync(ChannelWriter<LogInput> output, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        return Task.WhenAll(doors.Select(d => WatchAsync(d, output, stoppingToken)));
    }

    private async Task WatchAsync(DoorOptions door, ChannelWriter<LogInput> output, CancellationToken stoppingToken)
    {
        await Task.Yield();
        string? reported = null;
        try
        {
            while (true)
            {
                string failure;
                try
                {
                    // A line read again may fail again later, and that is news again.
                    await WatchOpenLineAsync(door, output, reported is not null, () => reported = null, stoppingToken);
                    return;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
                {
                    failure = e.Message;
                }
                LogDoorFault(door.Id, door.Pin, failure);
                // One leaf per kind of failure: a board without a GPIO driver must not fill its log with the same news.
                if (failure != reported)
                {
                    reported = failure;
                    await output.WriteAsync(LogInput.From(new GatewayEvent(FaultCode,
                        $"door {door.Id} (GPIO{door.Pin}) cannot be read: {failure}; its state is unknown until it can, tried again every {RetryInterval.TotalSeconds:0} s", NowMs())), stoppingToken);
                }
                await Task.Delay(RetryInterval, clock, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (ChannelClosedException)
        {
        }
    }

    private async Task WatchOpenLineAsync(DoorOptions door, ChannelWriter<LogInput> output, bool readBefore, Action read, CancellationToken stoppingToken)
    {
        var controller = buses.Gpio();
        var mode = door.Pull switch { InputPull.Up => PinMode.InputPullUp, InputPull.Down => PinMode.InputPullDown, _ => PinMode.Input };
        controller.OpenPin(door.Pin, mode);
        try
        {
            bool IsOpen() => (controller.Read(door.Pin) == PinValue.High) == door.OpenWhenHigh;

            var stable = IsOpen();
            read();
            var when = readBefore ? "when its line could be read again" : "when the gateway started";
            await output.WriteAsync(LogInput.From(Observe(door, stable, NowMs(), true, $"{Describe(door)} is {State(stable)} ({when})")), stoppingToken);
            long? candidateSinceMs = null;
            var lastReminder = clock.GetTimestamp();
            while (true)
            {
                // One sample after another (not a periodic timer): a slow write to the log delays the
                // next sample rather than letting samples pile up or be skipped unseen.
                await Task.Delay(SampleInterval, clock, stoppingToken);
                var now = NowMs();
                if (IsOpen() == stable)
                {
                    candidateSinceMs = null;
                }
                else if (candidateSinceMs is null)
                {
                    candidateSinceMs = now;
                }
                if (candidateSinceMs is { } since && now - since >= (long)door.Debounce.TotalMilliseconds)
                {
                    stable = !stable;
                    candidateSinceMs = null;
                    lastReminder = clock.GetTimestamp();
                    LogDoor(door.Id, State(stable));
                    await output.WriteAsync(LogInput.From(Observe(door, stable, since, true, $"{Describe(door)} {(stable ? "opened" : "closed")}")), stoppingToken);
                }
                else if (stable && clock.GetElapsedTime(lastReminder) >= OpenReminder)
                {
                    lastReminder = clock.GetTimestamp();
                    await output.WriteAsync(LogInput.From(Observe(door, true, now, false, $"{Describe(door)} is open")), stoppingToken);
                }
            }
        }
        finally
        {
            if (controller.IsPinOpen(door.Pin)) controller.ClosePin(door.Pin);
        }
    }

    private static DoorObservation Observe(DoorOptions door, bool open, long timeMs, bool changed, string detail) =>
        new(door.SensorId, door.Zone, open, timeMs, changed, detail);

    private static string Describe(DoorOptions door) => $"door {door.Id} (GPIO{door.Pin})";

    private static string State(bool open) => open ? "open" : "closed";

    private long NowMs() => clock.GetUtcNow().ToUnixTimeMilliseconds();

    [LoggerMessage(EventId = 501, EventName = "door", Level = LogLevel.Information, Message = "door {Door} {State}")]
    private partial void LogDoor(string door, string state);

    [LoggerMessage(EventId = 502, EventName = "door-fault", Level = LogLevel.Error, Message = "door {Door} (GPIO{Pin}) cannot be read: {Reason}")]
    private partial void LogDoorFault(string door, int pin, string reason);
}
