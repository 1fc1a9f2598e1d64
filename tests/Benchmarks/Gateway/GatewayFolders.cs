using System.Diagnostics;
using EdgeGateway.Cli;

namespace EdgeTrace.Benchmarks.Gateway;

/// <summary>Data folders made by the gateway's own <c>init</c>, and the built gateway to run in them.</summary>
internal static class GatewayFolders
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    public static async Task<string> InitAsync(string parent, string name, string deviceId)
    {
        var path = Path.Combine(parent, name);
        var error = new StringWriter();
        var exit = await GatewayCommandLine.RunAsync(["init", "--data", path, "--device-id", deviceId], TextWriter.Null, error);
        return exit == 0 ? path : throw new InvalidOperationException($"init failed: {error}");
    }

    public static string GatewayDll()
    {
        var dll = Path.Combine(RepositoryRoot(), "src", "EdgeGateway", "bin", Configuration, "net10.0", "EdgeGateway.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"build src/EdgeGateway ({Configuration}) first: {dll} is missing");
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeTrace.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no EdgeTrace.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>Publishes the gateway as one native program (Native AOT, this machine's runtime id) into <paramref name="folder"/>; returns its path.</summary>
    public static Task<string> PublishNativeAsync(string folder, CancellationToken cancellationToken) =>
        PublishAsync(folder, System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier, ["-p:PublishAot=true"], cancellationToken);

    /// <summary>Publishes the gateway self-contained for <paramref name="rid"/> (as the Debian package carries it) into <paramref name="folder"/>; returns its path.</summary>
    public static Task<string> PublishSelfContainedAsync(string folder, string rid, CancellationToken cancellationToken) =>
        PublishAsync(folder, rid, ["--self-contained"], cancellationToken);

    private static async Task<string> PublishAsync(string folder, string rid, string[] options, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["publish", Path.Combine(RepositoryRoot(), "src", "EdgeGateway", "EdgeGateway.csproj"), "-c", "Release", "-r", rid,
            .. options, "-o", folder, "-nologo", "-v", "quiet"])
        {
            psi.ArgumentList.Add(arg);
        }
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var program = Path.Combine(folder, "EdgeGateway");
        return process.ExitCode == 0 && File.Exists(program)
            ? program
            : throw new InvalidOperationException($"publishing the gateway for {rid} failed ({process.ExitCode}): {await output}{await error}");
    }

    public static Process StartGateway(params string[] args) => Start(null, args);

    /// <summary>Starts the built gateway (<c>dotnet EdgeGateway.dll</c>), or the native program at <paramref name="native"/>.</summary>
    public static Process Start(string? native, params string[] args)
    {
        var psi = new ProcessStartInfo(native ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (native is null)
        {
            psi.ArgumentList.Add(GatewayDll());
        }
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        var process = Process.Start(psi)!;
        // Drained so the pipe never fills and blocks the gateway.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
