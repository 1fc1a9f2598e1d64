using System.CommandLine;
using System.Globalization;
using EdgeGateway.Board;
using EdgeGateway.ColdRoom;
using EdgeGateway.Configuration;
using EdgeGateway.Daemon;

namespace EdgeGateway.Cli;

/// <summary>
/// <c>outputs test --data DIR [--output ID] [--seconds N]</c>: switches each alarm output that
/// gateway.json names (or the one named) on for N seconds and off again, one after the other, and
/// says what it does, so that an installer can check the wiring and the polarity. Stop the service
/// first: it holds the lines. Exit 1 when a line cannot be switched (the message says why).
/// </summary>
internal static class OutputsCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var data = GatewayCommandLine.DataOption();
        var only = new Option<string?>("--output") { Description = "Test only the output with this id" };
        var seconds = new Option<double>("--seconds") { Description = "How long each output stays on (0.1-60)", DefaultValueFactory = _ => 2 };
        var test = new Command("test", "Switch each alarm output on for a moment and off again (wiring and polarity check; stop the service first).") { data, only, seconds };
        test.SetAction((parse, cancellationToken) => TestAsync(parse.GetValue(data)!, parse.GetValue(only), parse.GetValue(seconds), output, error, cancellationToken));
        return new Command("outputs", "Alarm outputs (relay, buzzer, LED) on GPIO lines.") { test };
    }

    private static async Task<int> TestAsync(string dataDirectory, string? only, double seconds, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!(seconds is >= 0.1 and <= 60))
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--seconds must be between 0.1 and 60, got {seconds}"));
        }
        var directory = GatewayCommandLine.ExistingDataDirectory(dataDirectory);
        var config = GatewayConfigReader.Load(Path.Combine(directory, GatewayConfig.FileName));
        var outputs = config.Outputs.Where(o => only is null || o.Id == only).ToList();
        if (outputs.Count == 0)
        {
            throw new UsageException(only is null
                ? "gateway.json names no outputs (outputs[]); nothing to test"
                : $"--output: gateway.json has no output '{only}' (it has: {string.Join(", ", config.Outputs.Select(o => o.Id).DefaultIfEmpty("none"))})");
        }
        using var buses = new LinuxBoardBuses(config.Gpio);
        try
        {
            await AlarmOutputs.TestAsync(outputs, buses.Gpio(), TimeSpan.FromSeconds(seconds), output, TimeProvider.System, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            await error.WriteLineAsync($"error: {e.Message} (if the gateway service is running, it holds the lines: stop it first)");
            return ExitCodes.Failure;
        }
        return ExitCodes.Ok;
    }
}
