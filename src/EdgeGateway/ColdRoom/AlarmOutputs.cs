using System.Device.Gpio;
using EdgeGateway.Board;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.ColdRoom;

/// <summary>What an alarm output drives; all are switched the same way, on while an alarm is active.</summary>
public enum OutputKind
{
    /// <summary>A relay (a siren, a beacon, a building system's input).</summary>
    Relay,
    /// <summary>An active buzzer.</summary>
    Buzzer,
    /// <summary>An indicator LED.</summary>
    Led,
}

/// <summary>An alarm output on a GPIO line (gateway.json <c>outputs[]</c>).</summary>
public sealed record OutputOptions
{
    /// <summary>The output's id, e.g. <c>siren</c>.</summary>
    public required string Id { get; init; }

    /// <summary>What it drives.</summary>
    public OutputKind Kind { get; init; } = OutputKind.Relay;

    /// <summary>The GPIO line (BCM number).</summary>
    public int Pin { get; init; }

    /// <summary>True when the output is on at a low level (most relay boards switch on low).</summary>
    public bool ActiveLow { get; init; }

    /// <summary>The zones whose alarms switch it on; empty: every zone (and the gateway's own alarms).</summary>
    public IReadOnlyList<string> Zones { get; init; } = [];

    /// <summary>The rules whose alarms switch it on; empty: every rule.</summary>
    public IReadOnlyList<string> Rules { get; init; } = [];

    /// <summary>Whether an active alarm of <paramref name="rule"/> in <paramref name="zone"/> switches it on.</summary>
    public bool Matches(string zone, string rule) =>
        (Zones.Count == 0 || Zones.Contains(zone, StringComparer.Ordinal)) && (Rules.Count == 0 || Rules.Contains(rule, StringComparer.Ordinal));

    /// <summary>The line level for on or off, after the polarity.</summary>
    public PinValue Level(bool on) => on != ActiveLow ? PinValue.High : PinValue.Low;

    /// <summary>For people: <c>siren (relay, GPIO22, active low)</c>.</summary>
    public override string ToString() => $"{Id} ({Kind.ToString().ToLowerInvariant()}, GPIO{Pin}, active {(ActiveLow ? "low" : "high")})";
}

/// <summary>
/// Switches the alarm outputs from the alarms that are active: an output is on while at least one
/// active alarm matches its zones and rules. It is told after each commit, so an output never
/// announces an alarm the signed log does not hold. Lines are opened off (at the level their
/// polarity gives) and switched off again on <see cref="Dispose"/>, a clean stop. A line that cannot
/// be opened is logged once and tried again at the next update.
/// </summary>
public sealed partial class AlarmOutputs(IReadOnlyList<OutputOptions> outputs, IBoardBuses buses, ILogger<AlarmOutputs> logger) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, bool> _on = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private GpioController? _controller;

    /// <summary>Whether the output is on now (null: not open).</summary>
    public bool? IsOn(string id)
    {
        lock (_gate) return _on.TryGetValue(id, out var on) ? on : null;
    }

    /// <summary>Switches every output for the alarms active now, given as (zone, rule).</summary>
    public void Update(IEnumerable<(string Zone, string Rule)> active)
    {
        ArgumentNullException.ThrowIfNull(active);
        var alarms = active.ToList();
        lock (_gate)
        {
            foreach (var output in outputs)
            {
                Switch(output, alarms.Any(a => output.Matches(a.Zone, a.Rule)));
            }
        }
    }

    private void Switch(OutputOptions output, bool on)
    {
        try
        {
            var controller = _controller ??= buses.Gpio();
            if (!_on.TryGetValue(output.Id, out var was))
            {
                controller.OpenPin(output.Pin, PinMode.Output, output.Level(on));
                _on[output.Id] = on;
                _reported.Remove(output.Id);
                LogSwitched(output.ToString(), on ? "on" : "off");
                return;
            }
            if (was == on) return;
            controller.Write(output.Pin, output.Level(on));
            _on[output.Id] = on;
            LogSwitched(output.ToString(), on ? "on" : "off");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            if (_reported.Add(output.Id)) LogOutputFault(output.ToString(), e.Message);
        }
    }

    /// <summary>Switches every open output off and closes its line.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var output in outputs.Where(o => _on.ContainsKey(o.Id)))
            {
                try
                {
                    _controller!.Write(output.Pin, output.Level(false));
                    _controller.ClosePin(output.Pin);
                }
                catch (Exception e) when (e is IOException or InvalidOperationException)
                {
                    LogOutputFault(output.ToString(), e.Message);
                }
            }
            _on.Clear();
        }
    }

    /// <summary>
    /// The installer's test: switches each output on for <paramref name="onTime"/>, then off, one
    /// after the other, saying what it does on <paramref name="report"/>.
    /// </summary>
    public static async Task TestAsync(IReadOnlyList<OutputOptions> outputs, GpioController controller, TimeSpan onTime, TextWriter report,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(controller);
        ArgumentNullException.ThrowIfNull(report);
        foreach (var output in outputs)
        {
            controller.OpenPin(output.Pin, PinMode.Output, output.Level(false));
            try
            {
                await report.WriteLineAsync($"{output}: on (line {(output.Level(true) == PinValue.High ? "high" : "low")}) for {onTime.TotalSeconds:0.#} s");
                controller.Write(output.Pin, output.Level(true));
                try
                {
                    await Task.Delay(onTime, clock, cancellationToken);
                }
                finally
                {
                    controller.Write(output.Pin, output.Level(false));
                    await report.WriteLineAsync($"{output}: off (line {(output.Level(false) == PinValue.High ? "high" : "low")})");
                }
            }
            finally
            {
                controller.ClosePin(output.Pin);
            }
        }
    }

    [LoggerMessage(EventId = 511, EventName = "output", Level = LogLevel.Information, Message = "alarm output {Output} switched {State}")]
    private partial void LogSwitched(string output, string state);

    [LoggerMessage(EventId = 512, EventName = "output-fault", Level = LogLevel.Error, Message = "alarm output {Output} cannot be switched: {Reason}")]
    private partial void LogOutputFault(string output, string reason);
}
