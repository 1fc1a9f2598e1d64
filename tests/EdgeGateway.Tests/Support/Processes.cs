using System.Diagnostics;

namespace EdgeGateway.Tests.Support;

/// <summary>What a program printed, and how it exited.</summary>
public sealed record ProcessResult(int Exit, string Stdout, string Stderr);

/// <summary>Runs programs (scripts, published builds) from the repository root, bounded in time.</summary>
internal static class Processes
{
    public static async Task<ProcessResult> RunAsync(string program, string[] args, Dictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromMinutes(3);
        var psi = new ProcessStartInfo(program) { WorkingDirectory = RepositoryRoot(), RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? []) psi.Environment[k] = v;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish within {limit}");
        }
        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    public static string InRepository(string relative) => Path.Combine(RepositoryRoot(), relative);

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeTrace.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"no EdgeTrace.sln above {AppContext.BaseDirectory}");
    }
}
