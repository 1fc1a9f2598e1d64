using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace EdgeTrace.Benchmarks.Inventory;

/// <summary>
/// The demo lot's evidence as a lender gets it: <c>./edgetrace demo</c> runs for ten real minutes
/// (four with --quick), then the lot bundle of <c>WR-DEMO-1</c> is exported with the node's command
/// line and checked with the offline verifier's <c>report</c>, as printed. The reference is another
/// checkout of the repository, already built (<c>EDGETRACE_BENCH_REFERENCE=DIR</c>, e.g. a worktree
/// of an earlier commit): both demos run side by side on their own ports, so they share the machine's
/// noise. Sizes are exact; times are the median of three runs of the verifier process.
/// </summary>
public sealed class DemoLotBenchmark : IBenchmarkSuite
{
    private const string Receipt = "WR-DEMO-1";

    /// <inheritdoc/>
    public string Name => "demo-lot";

    /// <inheritdoc/>
    public string Description => "The demo lot's bundle after 10 real minutes of ./edgetrace demo: size, export and verify time (vs EDGETRACE_BENCH_REFERENCE)";

    /// <inheritdoc/>
    public async Task<string> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        var minutes = context.Quick ? 4 : 10;
        var runs = new List<(string Label, string Repository)> { ("this version", Repository.Root) };
        if (Environment.GetEnvironmentVariable("EDGETRACE_BENCH_REFERENCE") is { Length: > 0 } reference)
        {
            runs.Add(($"reference ({Repository.Commit(reference)})", Path.GetFullPath(reference)));
        }
        Console.WriteLine($"  running {runs.Count} demo(s) for {minutes} real minutes each, side by side ...");
        var results = await Task.WhenAll(runs.Select((run, i) => MeasureAsync(run.Label, run.Repository, Path.Combine(context.WorkDirectory, $"demo-{i}"), minutes, cancellationToken)));

        var sb = new StringBuilder();
        sb.AppendLine("## The demo lot's evidence bundle (issue: evidence that proves nothing was left out)");
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"`./edgetrace demo` (defaults: one gateway, `--speed 60`) run for {minutes} real minutes; then `AnchorNode lot export-bundle --receipt {Receipt}` on the warehouse node's folder and `Verifier report BUNDLE --key …` with the three members' keys, as the demo prints it. Verify time is the verifier process's wall time (start-up included), median of 3.");
        sb.AppendLine(runs.Count > 1
            ? "Reference: the same demo and commands on the checkout named in its row (`EDGETRACE_BENCH_REFERENCE=DIR ./bench.sh demo-lot`, DIR a built worktree of that commit), run at the same time. The two demos do not hold the same readings after ten minutes (the reference's simulated clock ran ahead of real time at `--speed`; this version replays three hours, then runs in real time), so compare bytes per reading too."
            : "No reference checkout was given this run (set `EDGETRACE_BENCH_REFERENCE` to an earlier, built checkout).");
        sb.AppendLine();
        sb.AppendLine("| version | readings in the bundle | devices | bundle | bytes per reading | export | verify | verdict |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var r in results)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Label} | {r.Readings:N0} | {r.Devices} | {r.Bytes / 1e6:F2} MB | {(r.Readings > 0 ? r.Bytes / r.Readings : 0):N0} | {r.ExportSeconds:F1} s | {r.VerifySeconds:F2} s | {r.Verdict} |");
        }
        return sb.ToString();
    }

    private static async Task<Result> MeasureAsync(string label, string repository, string folder, int minutes, CancellationToken cancellationToken)
    {
        var port = FreePort();
        var started = Stopwatch.StartNew();
        using var demo = Start(Path.Combine(repository, "edgetrace"), repository, "demo", "--no-build", "--data", folder, "--port", port.ToString(CultureInfo.InvariantCulture));
        var lines = new List<string>();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        demo.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
            {
                return;
            }
            lock (lines)
            {
                lines.Add(line);
            }
            if (line.StartsWith("running", StringComparison.Ordinal))
            {
                running.TrySetResult();
            }
        };
        demo.ErrorDataReceived += (_, _) => { };
        demo.BeginOutputReadLine();
        demo.BeginErrorReadLine();
        try
        {
            await running.Task.WaitAsync(TimeSpan.FromMinutes(minutes), cancellationToken);
            while (started.Elapsed < TimeSpan.FromMinutes(minutes))
            {
                Console.WriteLine($"  {label}: demo running, {started.Elapsed:mm\\:ss} of {minutes}:00");
                var left = TimeSpan.FromMinutes(minutes) - started.Elapsed;
                await Task.Delay(left < TimeSpan.FromSeconds(60) ? left : TimeSpan.FromSeconds(60), cancellationToken);
            }
            string verifyLine;
            lock (lines)
            {
                verifyLine = lines.Single(l => l.StartsWith("verify: ", StringComparison.Ordinal));
            }
            var keys = KeyArguments(verifyLine);

            var bundle = Path.Combine(folder, "lot-bundle.json");
            var clock = Stopwatch.StartNew();
            await RunAsync(Dll(repository, "AnchorNode"), repository, cancellationToken,
                "lot", "export-bundle", "--data", Path.Combine(folder, "nodes", "warehouse"), "--receipt", Receipt, "--out", bundle);
            var export = clock.Elapsed.TotalSeconds;

            var times = new List<double>();
            var output = "";
            for (var i = 0; i < 3; i++)
            {
                clock.Restart();
                output = await RunAsync(Dll(repository, "Verifier"), repository, cancellationToken, ["report", bundle, .. keys]);
                times.Add(clock.Elapsed.TotalSeconds);
            }
            times.Sort();
            var (readings, devices) = Count(bundle);
            var verdict = output.Split('\n').FirstOrDefault(l => l.StartsWith("covenant: ", StringComparison.Ordinal))?.Trim() ?? "(no covenant line)";
            Console.WriteLine($"  {label}: {new FileInfo(bundle).Length / 1e6:F2} MB, {readings:N0} readings, verify {times[1]:F2} s; {verdict}");
            return new Result(label, readings, devices, new FileInfo(bundle).Length, export, times[1], verdict.Replace("|", "\\|", StringComparison.Ordinal));
        }
        finally
        {
            await StopAsync(demo);
        }
    }

    // The --key NAME=SPKI arguments of the printed verify command (its --threshold, if any, is left out: the verifier's default applies).
    private static List<string> KeyArguments(string verifyLine)
    {
        var words = verifyLine.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var keys = new List<string>();
        for (var i = 0; i < words.Length - 1; i++)
        {
            if (words[i] == "--key")
            {
                keys.Add("--key");
                keys.Add(words[i + 1]);
            }
        }
        return keys.Count > 0 ? keys : throw new InvalidOperationException($"no --key in the demo's verify line: {verifyLine}");
    }

    // Readings and devices in a bundle of either format: v2 devices carry "leaves", v1 devices "readings".
    private static (int Readings, int Devices) Count(string bundle)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(bundle));
        var readings = 0;
        var devices = 0;
        if (document.RootElement.TryGetProperty("devices", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var device in list.EnumerateArray())
            {
                devices++;
                foreach (var name in new[] { "leaves", "readings" })
                {
                    if (device.TryGetProperty(name, out var items) && items.ValueKind == JsonValueKind.Array)
                    {
                        readings += items.GetArrayLength();
                    }
                }
            }
        }
        return (readings, devices);
    }

    private static string Dll(string repository, string program) =>
        Path.Combine(repository, "src", program, "bin", "Release", "net10.0", program + ".dll");

    private static Process Start(string fileName, string directory, params string[] arguments)
    {
        var info = new ProcessStartInfo(fileName) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        return Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
    }

    private static async Task<string> RunAsync(string dll, string directory, CancellationToken cancellationToken, params string[] arguments)
    {
        using var process = Start("dotnet", directory, [dll, .. arguments]);
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode is not (0 or 3))
        {
            throw new InvalidOperationException($"{Path.GetFileName(dll)} {string.Join(' ', arguments.Take(2))} exited {process.ExitCode}: {await error}{await output}");
        }
        return await output;
    }

    // Ctrl-C, as a person stops the demo; whatever is left after a minute is killed.
    private static async Task StopAsync(Process demo)
    {
        if (demo.HasExited)
        {
            return;
        }
        using (var interrupt = Process.Start("kill", ["-INT", demo.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await demo.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            demo.Kill(entireProcessTree: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record Result(string Label, int Readings, int Devices, long Bytes, double ExportSeconds, double VerifySeconds, string Verdict);

    private static class Repository
    {
        public static string Root
        {
            get
            {
                for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
                {
                    if (File.Exists(Path.Combine(dir.FullName, "EdgeTrace.sln")))
                    {
                        return dir.FullName;
                    }
                }
                throw new InvalidOperationException("run the benchmarks from the repository (./bench.sh)");
            }
        }

        public static string Commit(string repository)
        {
            using var git = Process.Start(new ProcessStartInfo("git", ["-C", repository, "rev-parse", "--short", "HEAD"]) { RedirectStandardOutput = true })!;
            var commit = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            return commit.Length > 0 ? commit : Path.GetFileName(Path.GetFullPath(repository));
        }
    }
}
