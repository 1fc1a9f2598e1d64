using System.CommandLine;
using System.Globalization;
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
        var speed = new Option<double?>("--speed") { Description = "With --simulate: run the warehouse N times faster than real time (readings carry simulated time)" };
        var logLevel = new Option<string>("--log-level") { Description = "trace, debug, info, warn or error", DefaultValueFactory = _ => "info" };
        var command = new Command("run", "Run the gateway daemon until SIGTERM or Ctrl-C.") { data, simulate, speed, logLevel };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(data)!, parse.GetValue(simulate), parse.GetValue(speed), parse.GetValue(logLevel)!, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string dataDirectory, int? seed, double? speed, string logLevel, CancellationToken cancellationToken)
    {
        if (speed is not null && seed is null)
        {
            throw new UsageException("--speed applies only to a simulated warehouse; add --simulate SEED");
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
        var clock = SensorSources.Clock(seed is not null, speed ?? 1);
        var setup = seed is { } s2
            ? SensorSources.Simulated(config, s2, (ScaledTimeProvider)clock)
            : await SensorSources.DiscoverAsync(config, clock, cancellationToken);
        return await GatewayDaemon.RunAsync(new DaemonSettings
        {
            DataDirectory = directory,
            Config = config,
            Clock = clock,
            Sources = setup.Sources,
            SourceNotes = setup.Notes,
            LogLevel = level,
        }, cancellationToken);
    }
}
