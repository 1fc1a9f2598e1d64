using System.Diagnostics;
using System.Text;

namespace AnchorNode.Tests.Infrastructure;

/// <summary>Runs the real command-line programs (built beside the tests) as processes.</summary>
public static class Programs
{
    public static string AnchorNode => Path.Combine(AppContext.BaseDirectory, "AnchorNode.dll");

    public static string Verifier => Path.Combine(AppContext.BaseDirectory, "Verifier.dll");

    public sealed record Run(int ExitCode, string Output, string Error)
    {
        public string Field(string name) =>
            Output.Split('\n').Select(l => l.TrimEnd('\r')).FirstOrDefault(l => l.StartsWith(name + ": ", StringComparison.Ordinal))?[(name.Length + 2)..]
            ?? throw new Xunit.Sdk.XunitException($"no '{name}:' line in:\n{Output}\n{Error}");
    }

    public static async Task<Run> RunAsync(string dll, params string[] args)
    {
        using var process = Start(dll, args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return new Run(process.ExitCode, await output, await error);
    }

    /// <summary>Runs a system tool (pdftotext, pdftoppm, pdffonts, …) and waits for it.</summary>
    public static async Task<Run> Tool(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new Run(process.ExitCode, await output, await error);
    }

    public static Process Start(string dll, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start dotnet {dll}");
    }
}
