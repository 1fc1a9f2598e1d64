using System.Diagnostics;

namespace EndToEnd.Tests;

/// <summary>
/// <c>edgetrace install --prefix DIR</c>: the three programs published into DIR/lib/edgetrace and a
/// launcher in DIR/bin that runs them from any folder, as the docs write the commands.
/// </summary>
public sealed class InstallTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("edgetrace-install-");

    public void Dispose() => _scratch.Delete(recursive: true);

    [Fact]
    public async Task Install_WritesALauncher_ThatRunsEachProgramFromAnyFolder_NamingItselfInMessages()
    {
        var prefix = Path.Combine(_scratch.FullName, "prefix");
        var install = await RunAsync(Path.Combine(Root, "edgetrace"), _scratch.FullName, "install", "--prefix", prefix);
        Assert.True(install.Exit == 0, install.ToString());
        var launcher = Path.Combine(prefix, "bin", "edgetrace");
        Assert.Contains($"installed: {launcher}", install.Output, StringComparison.Ordinal);
        foreach (var program in new[] { "node/AnchorNode.dll", "gateway/EdgeGateway.dll", "verify/Verifier.dll" })
        {
            Assert.True(File.Exists(Path.Combine(prefix, "lib", "edgetrace", program)), program);
        }

        // From a folder with nothing of the repository in it: the verifier computes the published vector's root.
        var elsewhere = Directory.CreateDirectory(Path.Combine(_scratch.FullName, "elsewhere")).FullName;
        var leaves = Path.Combine(Root, "docs", "vectors", "merkle-ct-leaves.hex");
        var root = await RunAsync(launcher, elsewhere, "verify", "merkle", "root", "--leaves", leaves);
        Assert.True(root.Exit == 0, root.ToString());
        Assert.Matches("^[0-9a-f]{64}$", root.Output.Trim());

        // The programs name the command as it was typed.
        var gateway = await RunAsync(launcher, elsewhere, "gateway", "status", "--data", Path.Combine(elsewhere, "none"));
        Assert.Equal(2, gateway.Exit);
        Assert.Contains("edgetrace gateway init --data", gateway.Error, StringComparison.Ordinal);

        var unknown = await RunAsync(launcher, elsewhere, "frobnicate");
        Assert.Equal(2, unknown.Exit);
        Assert.StartsWith("usage: edgetrace node|gateway|verify", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_WithABadOption_ChangesNothing()
    {
        var prefix = Path.Combine(_scratch.FullName, "prefix");
        var run = await RunAsync(Path.Combine(Root, "edgetrace"), _scratch.FullName, "install", "--prefix", prefix, "--colour");
        Assert.Equal(2, run.Exit);
        Assert.Contains("unknown option '--colour'", run.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(prefix));
    }

    private static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "EdgeTrace.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new DirectoryNotFoundException("EdgeTrace.sln not found above the test output");
    }

    private sealed record Result(int Exit, string Output, string Error)
    {
        public override string ToString() => $"exit {Exit}\n{Output}\n{Error}";
    }

    private static async Task<Result> RunAsync(string program, string folder, params string[] args)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // As a user's shell would have it: not the launcher's marker from a parent process.
        start.Environment.Remove("EDGETRACE_COMMAND");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await output, await error);
    }
}
