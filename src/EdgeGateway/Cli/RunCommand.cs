using System.CommandLine;
using System.Globalization;
using EdgeGateway.Board;
using EdgeGateway.Configuration;
using EdgeGateway.Daemon;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Cli;

/// <summary>
/// <c>run --data DIR [--simulate SEED] [--speed N]</c>: the daemon. Logs logfmt lines on standard
/// output (errors on standard error); each commit is acknowledged by a line with
/// <c>event=committed first=… last=… size=… root=…</c>. Stops cleanly on SIGTERM or Ctrl-C.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var data = GatewayCommandLine.DataOption();
        var simulate = new Option<int?>("--simulate") { Description = "Read a simulated warehouse generated from SEED instead of real sensors" };
        var speed = new Option<double?>("--speed") { Description = "With --simulate: run the warehouse N times faster than real time (readings carry simulated time); with --history only until it reaches the real time" };
        var history = new Option<string?>("--history") { Description = "With --simulate: simulate a history that ends now: start this long ago (e.g. 3h, 90m, 2d), catch up at --speed, then run in real time; a rerun continues after the last reading" };
        var logLevel = new Option<string>("--log-level") { Description = "trace, debug, info, warn or error", DefaultValueFactory = _ => "info" };
        var command = new Command("run", "Run the gateway daemon until SIGTERM or Ctrl-C.") { data, simulate, speed, history, logLevel };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(data)!, parse.GetValue(simulate), parse.GetValue(speed), parse.GetValue(history), parse.GetValue(logLevel)!, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string dataDirectory, int? seed, double? speed, string? historyText, string logLevel, CancellationToken cancellationToken)
    {
        if ((speed is not null || historyText is not null) && seed is null)
        {
            throw new UsageException($"{(speed is not null ? "--speed" : "--history")} applies only to a simulated warehouse; add --simulate SEED");
        }
        TimeSpan? history = historyText is null ? null : Duration(historyText, "--history");
        if (history is not null && speed is < 1)
        {
            throw new UsageException("with --history the warehouse catches up with the real time, so --speed must be at least 1");
        }
        if (speed is { } s && (!(s > 0) || s > 1_000_000 || double.IsNaN(s)))
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--speed must be a number above 0 and at most 1000000, got {s}"));
        }
        var level = logLevel switch
        {
            "trace" => LogLevel.Trace,
            "debug" => LogLevel.Debug,
            "info" => LogLevel.Information,
            "warn" => LogLevel.Warning,
            "error" => LogLevel.Error,
            _ => throw new UsageException($"--log-level must be trace, debug, info, warn or error, got '{logLevel}'"),
        };
        var directory = GatewayCommandLine.ExistingDataDirectory(dataDirectory);
        var configPath = Path.Combine(directory, GatewayConfig.FileName);
        var config = ConfigFiles.Open(GatewayConfigReader.Load(configPath), configPath, directory);
        using var buses = new LinuxBoardBuses(config.Gpio);
        TimeProvider clock;
        SensorSetup setup;
        if (seed is { } s2 && history is { } h)
        {
            var plan = SimulationResume.Plan(directory, s2, h, TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds());
            var catchUp = SensorSources.CatchUpClock(plan.ClockStartMs, speed ?? 1);
            clock = catchUp;
            setup = SensorSources.SimulatedHistory(config, s2, catchUp, plan.ScenarioStartMs, plan.ResumeAfterMs);
        }
        else
        {
            clock = SensorSources.Clock(seed is not null, speed ?? 1);
            setup = seed is { } s3
                ? SensorSources.Simulated(config, s3, (ScaledTimeProvider)clock)
                : await SensorSources.DiscoverAsync(config, buses, clock, cancellationToken);
        }
        return await GatewayDaemon.RunAsync(new DaemonSettings
        {
            DataDirectory = directory,
            Config = config,
            Clock = clock,
            Sources = setup.Sources,
            SourceNotes = setup.Notes,
            Buses = seed is null ? buses : null,
            LogLevel = level,
        }, cancellationToken);
    }

    // A duration as people write it: a whole number and s, m, h or d.
    private static TimeSpan Duration(string text, string option)
    {
        var unit = text.Length > 1 ? text[^1] : ' ';
        if (!long.TryParse(text.AsSpan(0, Math.Max(0, text.Length - 1)), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0 || n > 3650
            || unit is not ('s' or 'm' or 'h' or 'd'))
        {
            throw new UsageException($"{option} {text}: expected a duration such as 90m, 3h or 2d (a whole number of s, m, h or d, at most 3650)");
        }
        return unit switch { 's' => TimeSpan.FromSeconds(n), 'm' => TimeSpan.FromMinutes(n), 'h' => TimeSpan.FromHours(n), _ => TimeSpan.FromDays(n) };
    }
}
