using AnchorNode.Runtime;
using System.CommandLine;
using AnchorNode.Configuration;
using AnchorNode.Hosting;
using Firmware.Contracts;
using Microsoft.Extensions.Logging;

namespace AnchorNode.Cli;

/// <summary>Bad arguments: the message says which and how; the process exits 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The node's command line. Exit codes: 0 done, 1 refused (the ledger rules or the node said no;
/// the reason is printed), 2 bad arguments or an unusable data folder (what to do is printed).
/// Results are printed as <c>name: value</c> lines.
/// </summary>
public static class NodeCli
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>Refused; the reason is printed.</summary>
    public const int Refused = 1;

    /// <summary>Bad arguments.</summary>
    public const int Usage = 2;

    /// <summary>Runs the command line.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("EdgeTrace anchor node: a consortium member's ledger, device anchoring, proofs and evidence bundles.");
        SetupCommands.AddTo(root);
        ServeCommand.AddTo(root);
        DeviceCommands.AddTo(root);
        CalibrationCommands.AddTo(root);
        LedgerCommands.AddTo(root);
        InventoryCommands.AddTo(root);
        PledgeCommands.AddTo(root);
        DashboardCommands.AddTo(root);
        NotificationCommands.AddTo(root);
        AlarmCommands.AddTo(root);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            EdgeTrace.CommandLine.ParseErrors.Write(parse, Console.Error, EdgeTrace.CommandLine.Programs.Node);
            return Usage;
        }
        try
        {
            // Our exceptions carry the exit code; the library's handler would print a stack trace and exit 1.
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            await Console.Error.WriteLineAsync("Run with --help for usage.");
            return Usage;
        }
        catch (InvalidDataException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return Usage;
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return Usage;
        }
        catch (UnauthorizedAccessException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return Usage;
        }
    }

    internal static Option<string> DataOption() => new("--data") { Description = "The node's data folder", Required = true };

    internal static NodeRuntime Open(string data)
    {
        var folder = new DataFolder(data);
        if (!folder.IsInitialised)
        {
            throw new UsageException($"--data {data}: not an initialised data folder; run '{EdgeTrace.CommandLine.Programs.Node} init --data {data} --consortium ID --member NAME' first");
        }
        return NodeRuntime.Open(folder, CommandLoggers);
    }

    internal static ILoggerFactory CommandLoggers { get; } = LoggerFactory.Create(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));

    internal static void Print(string name, object? value) => Console.WriteLine($"{name}: {value}");

    internal static int Fail(Failure failure)
    {
        Console.Error.WriteLine($"refused: {failure}");
        return Refused;
    }
}

/// <summary>The <c>--base-url</c> and <c>--hours</c> of a command that prints a link for someone's browser.</summary>
internal sealed class LinkOptions
{
    private LinkOptions(string whose)
    {
        BaseUrl = new Option<string>("--base-url") { Description = $"The node's address as the {whose} browser reaches it", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        Hours = new Option<int>("--hours") { Description = "How long the link works (1-744)", DefaultValueFactory = _ => 24 * 7 };
    }

    public Option<string> BaseUrl { get; }

    public Option<int> Hours { get; }

    /// <param name="whose">Who opens the link, as in "the operator's".</param>
    public static LinkOptions For(string whose) => new(whose);

    /// <summary>The node's address without a trailing slash, and how long the link works.</summary>
    /// <exception cref="UsageException">When either value is out of range.</exception>
    public (string BaseUrl, TimeSpan Lifetime) Read(ParseResult parse)
    {
        if (!Uri.TryCreate(parse.GetValue(BaseUrl)!.TrimEnd('/'), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--base-url {parse.GetValue(BaseUrl)}: expected http(s)://HOST:PORT");
        }
        if (parse.GetValue(Hours) is not (>= 1 and <= 744) and var hours)
        {
            throw new UsageException($"--hours {hours}: must be between 1 and 744");
        }
        return (uri.ToString().TrimEnd('/'), TimeSpan.FromHours(parse.GetValue(Hours)));
    }
}
