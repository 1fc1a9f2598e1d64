using System.Diagnostics;
using System.Globalization;

namespace EdgeTrace.Benchmarks.Gateway;

/// <summary>
/// The gateway as a Raspberry Pi runs it, beside this machine's build in the same run: the
/// self-contained linux-arm64 publish (what the Debian package carries) under qemu-user emulation,
/// and the linux-x64 publish natively, each through the same simulated hour of 51 probes as
/// gateway-rss. Emulation is slower, so the figures to read are the relative cost per reading and the
/// memory; start-up is the wall time of <c>--version</c> and of <c>status</c> on the hour's database.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GatewayArm64Benchmark : IBenchmarkSuite
{
    private const string Emulator = "qemu-aarch64-static";

    public string Name => "gateway-arm64";

    public string Description => "The arm64 gateway under emulation beside the x86-64 one: CPU per reading, RSS after a simulated hour, start-up";

    public async Task<string> RunAsync(BenchmarkContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var emulator = FindOnPath(Emulator)
            ?? throw new InvalidOperationException($"{Emulator} is missing: apt-get install qemu-user-static, and the arm64 libraries (dpkg --add-architecture arm64; apt-get install libc6:arm64 libstdc++6:arm64 libssl3:arm64), as ./test.sh does");
        var speed = context.Quick ? 720 : 120;
        var duration = TimeSpan.FromHours(1) / speed;

        Console.WriteLine("  publishing the gateway self-contained for linux-x64 and linux-arm64");
        var x64 = await GatewayFolders.PublishSelfContainedAsync(Path.Combine(context.WorkDirectory, "publish-x64"), "linux-x64", cancellationToken);
        var arm64 = await GatewayFolders.PublishSelfContainedAsync(Path.Combine(context.WorkDirectory, "publish-arm64"), "linux-arm64", cancellationToken);
        // The emulated program through a script that execs the emulator: the measured process is qemu running the ARM gateway.
        var emulated = Path.Combine(context.WorkDirectory, "arm64-gateway");
        await File.WriteAllTextAsync(emulated, $"#!/bin/sh\nexec {emulator} -L / {arm64} \"$@\"\n", cancellationToken);
        File.SetUnixFileMode(emulated, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var rows = new List<string>();
        foreach (var (name, program) in new[] { ("x86-64, native", x64), ("arm64, emulated (qemu-user)", emulated) })
        {
            var folder = name.StartsWith("x86", StringComparison.Ordinal) ? "hour-x64" : "hour-arm64";
            var sample = await GatewayRssBenchmark.MeasureAsync(context.WorkDirectory, folder, simulate: true, speed, duration, cancellationToken, native: program);
            var version = await MedianWallAsync(program, ["--version"], cancellationToken);
            var status = await MedianWallAsync(program, ["status", "--data", Path.Combine(context.WorkDirectory, folder)], cancellationToken);
            Console.WriteLine($"  {name}: {sample.Leaves:N0} leaves, CPU {sample.CpuSeconds:F2} s, VmHWM {sample.HwmMb:F1} MB, --version {version:F2} s, status {status:F2} s");
            rows.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {sample.Leaves:N0} | {sample.CpuSeconds:F2} | {(sample.Leaves > 0 ? sample.CpuSeconds * 1_000_000 / sample.Leaves : 0):F0} | {sample.HwmMb:F1} | {version:F2} | {status:F2} |"));
        }

        return string.Create(CultureInfo.InvariantCulture, $"""
            ## gateway-arm64 — the arm64 gateway under emulation, beside the x86-64 one

            Both builds are the self-contained publish the Debian package carries (`dotnet publish src/EdgeGateway -r
            linux-x64|linux-arm64 --self-contained`), run through the same simulated hour of 51 probes as gateway-rss
            (`run --simulate 1 --speed {speed}`, {duration.TotalSeconds:F0} s real, no node). The arm64 build runs under
            `{Emulator} -L /` with Debian's arm64 libraries: every ARM instruction is translated, so its CPU per reading
            is an upper bound of the real board's, and the ratio between the rows is what emulation costs here, not what
            a Pi costs. VmHWM of the emulated row includes qemu's own memory (its translation cache), so it overstates
            the ARM process. Start-up: median wall time of three runs of `--version` and of `status` on the hour's
            database (the runtime starting, plus opening SQLite).

            | build | leaves written | CPU (s) | CPU per 1,000 leaves (ms) | VmHWM (MB) | `--version` (s) | `status` (s) |
            |---|---:|---:|---:|---:|---:|---:|
            {string.Join("\n", rows)}

            """);
    }

    private static async Task<double> MedianWallAsync(string program, string[] args, CancellationToken cancellationToken)
    {
        var times = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in args)
            {
                psi.ArgumentList.Add(arg);
            }
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(psi)!;
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            times.Add(clock.Elapsed.TotalSeconds);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {process.ExitCode}: {await output}{await error}");
            }
        }
        times.Sort();
        return times[1];
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}
