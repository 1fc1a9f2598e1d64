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
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EdgeTrace.sln")))
            {
                var dll = Path.Combine(dir.FullName, "src", "EdgeGateway", "bin", Configuration, "net10.0", "EdgeGateway.dll");
                return File.Exists(dll) ? dll : throw new FileNotFoundException($"build src/EdgeGateway ({Configuration}) first: {dll} is missing");
            }
        }
        throw new InvalidOperationException($"no EdgeTrace.sln above {AppContext.BaseDirectory}");
    }

    public static Process StartGateway(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(GatewayDll());
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
