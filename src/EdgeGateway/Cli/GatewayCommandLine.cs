using System.CommandLine;
using EdgeGateway.Configuration;
using EdgeGateway.Daemon;
using EdgeGateway.Keys;
using EdgeGateway.Log;

namespace EdgeGateway.Cli;

/// <summary>Bad arguments: the message names the option and what is accepted; exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The gateway's command line: <c>init</c>, <c>run</c>, <c>status</c>, <c>sensors</c>, <c>verify</c>,
/// <c>outputs test</c>. Exit codes
/// are those of <see cref="ExitCodes"/>; errors go to standard error as one line saying what to do.
/// </summary>
public static class GatewayCommandLine
{
    /// <summary>Parses <paramref name="args"/> and runs the command.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("EdgeTrace gateway: reads sensors, keeps every reading in a signed Merkle log on disk, and anchors it on a consortium node.");
        root.Subcommands.Add(InitCommand.Create(output));
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(StatusCommand.Create(output));
        root.Subcommands.Add(SensorsCommand.Create(output));
        root.Subcommands.Add(VerifyCommand.Create(output, error));
        root.Subcommands.Add(OutputsCommand.Create(output, error));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            EdgeTrace.CommandLine.ParseErrors.Write(parse, error, EdgeTrace.CommandLine.Programs.Gateway);
            return ExitCodes.Usage;
        }
        try
        {
            // The daemon handles SIGTERM/Ctrl-C itself (final commit and seal): the parser must not.
            return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            await error.WriteLineAsync("Run with --help for usage.");
            return ExitCodes.Usage;
        }
        catch (ConfigException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (DeviceKeyException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (LogIntegrityException e)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.Integrity;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return ExitCodes.Usage;
        }
    }

    /// <summary>The data folder option, with its checks.</summary>
    internal static Option<string> DataOption() => new("--data")
    {
        Description = "The gateway's data folder (device key, gateway.json, database)",
        Required = true,
    };

    /// <summary>A data folder that must exist.</summary>
    internal static string ExistingDataDirectory(string path)
    {
        if (!Directory.Exists(path))
        {
            throw new UsageException($"--data: the folder {path} does not exist; create it with `{EdgeTrace.CommandLine.Programs.Gateway} init --data {path}`");
        }
        return Path.GetFullPath(path);
    }
}
