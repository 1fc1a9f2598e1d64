using System.Globalization;
using EdgeGateway.Storage;
using Firmware.Contracts.Readings;

namespace EdgeGateway.Daemon;

/// <summary>
/// Where a simulated history (<c>run --simulate SEED --history H</c>) starts: the first run writes the
/// scenario's start (now − H) to <c>simulation-start</c> in the data folder, and every later run with
/// the same seed plays the same scenario from just after the log's last reading, so a rerun continues
/// instead of restarting the warehouse's clock. A run resumes no earlier than now − H: the time the
/// gateway was stopped stays a gap in its readings, as it would on a board.
/// </summary>
public static class SimulationResume
{
    /// <summary>The file that holds the seed and the scenario's start.</summary>
    public const string FileName = "simulation-start";

    /// <summary>The scenario's start, the time the clock starts at, and the last reading of an earlier run (or <see cref="long.MinValue"/>).</summary>
    public static (long ScenarioStartMs, long ClockStartMs, long ResumeAfterMs) Plan(string dataDirectory, int seed, TimeSpan history, long nowMs)
    {
        var earliest = nowMs - (long)history.TotalMilliseconds;
        var file = Path.Combine(dataDirectory, FileName);
        long scenarioStart;
        if ((File.Exists(file) ? File.ReadAllText(file) : "") is var text && TryParse(text, out var savedSeed, out var savedStart) && savedSeed == seed && savedStart <= nowMs)
        {
            scenarioStart = savedStart;
        }
        else
        {
            scenarioStart = earliest;
            var temp = file + ".tmp";
            File.WriteAllText(temp, string.Create(CultureInfo.InvariantCulture, $"seed {seed}\nstart {scenarioStart}\n"));
            File.Move(temp, file, overwrite: true);
        }
        var last = LastReadingMs(GatewayDatabase.PathIn(dataDirectory));
        var clockStart = Math.Min(nowMs, Math.Max(Math.Max(earliest, scenarioStart), last is { } l ? l + 1 : long.MinValue));
        return (scenarioStart, clockStart, last ?? long.MinValue);
    }

    private static bool TryParse(string text, out int seed, out long start)
    {
        seed = 0;
        start = 0;
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 2 && lines[0].StartsWith("seed ", StringComparison.Ordinal) && lines[1].StartsWith("start ", StringComparison.Ordinal)
            && int.TryParse(lines[0].AsSpan(5), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out seed)
            && long.TryParse(lines[1].AsSpan(6), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out start);
    }

    // The newest reading time in the log: the last leaf, or the last checkpoint's time when leaves were pruned.
    private static long? LastReadingMs(string database)
    {
        if (!File.Exists(database))
        {
            return null;
        }
        using var connection = GatewayDatabase.OpenReadOnly(database);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT bytes FROM leaves ORDER BY seq DESC LIMIT 1";
        if (command.ExecuteScalar() is byte[] bytes && ReadingLeaf.Parse(bytes) is { Succeeded: true } leaf)
        {
            return leaf.Value.Content.TimeMs;
        }
        command.CommandText = "SELECT max(time_ms) FROM checkpoints";
        return command.ExecuteScalar() is long ms ? ms : null;
    }
}
