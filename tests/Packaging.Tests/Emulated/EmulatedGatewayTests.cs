using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EdgeGateway.Cli;
using EdgeGateway.Tests.Sensors.Sysfs;
using EdgeGateway.Tests.Support;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;
using Packaging.Tests.Support;
using Xunit.Abstractions;

namespace Packaging.Tests.Emulated;

/// <summary>
/// The gateway from the arm64 package, run as an ARM program (under qemu-user on this machine): its
/// sensors against a fake sysfs tree, and its durable log written with the arm64 e_sqlite3 through
/// SIGKILLs and restarts, then checked by its own <c>verify</c> and <c>status</c> and, on this side, by
/// an auditor's reading of the database and every checkpoint signature.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class EmulatedGatewayTests(Arm64Package package, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Sensors_FakeSysfsTree_ReadsWhatTheX64BuildReads()
    {
        using var sysfs = new FakeSysfsTree();
        sysfs.AddSht(0);
        sysfs.AddCpuThermal(1);
        sysfs.AddBmx280(0);
        sysfs.AddW1("28-0316a2791c3f", FakeSysfsTree.W1Slave(4.5));
        sysfs.AddW1("28-0316a2791c40", FakeSysfsTree.W1Slave(5, crcOk: false));

        var arm = await RunAsync("sensors", "--sysfs-root", sysfs.Root, "--json");

        Assert.True(arm.Exit == 0, $"sensors exited {arm.Exit}: {arm.Stderr}");
        using var json = JsonDocument.Parse(arm.Stdout);
        var rows = json.RootElement.EnumerateArray().ToDictionary(
            r => $"{r.GetProperty("id").GetString()} {r.GetProperty("quantity").GetString()}",
            r => r.TryGetProperty("value", out var v) ? v.GetDouble().ToString(CultureInfo.InvariantCulture) : "fault " + r.GetProperty("fault").GetString(),
            StringComparer.Ordinal);
        Assert.Equal("22.35", rows["hwmon/sht3x/1-0044 temperature"]);
        Assert.Equal("45.21", rows["hwmon/sht3x/1-0044 humidity"]);
        Assert.Equal("21.93", rows["iio/bme280/1-0076 temperature"]);
        Assert.Equal("48.123", rows["iio/bme280/1-0076 humidity"]);
        Assert.Equal("4.5", rows["w1/28-0316a2791c3f temperature"]);
        Assert.Equal("fault crc", rows["w1/28-0316a2791c40 temperature"]);

        // The same command of the x86-64 build, in this process: byte for byte the same answer.
        var x64 = new StringWriter();
        Assert.Equal(0, await GatewayCommandLine.RunAsync(["sensors", "--sysfs-root", sysfs.Root, "--json"], x64, new StringWriter()));
        Assert.Equal(x64.ToString(), arm.Stdout);
    }

    [Fact]
    public Task Run_KilledThreeTimesAndRestarted_LogVerifiesAndEveryCheckpointSignatureHolds() =>
        KillAndRestartAsync(kills: 3, maxAcksBeforeKill: 6, seed: 64);

    [Fact]
    [Trait("Category", "Soak")]
    public Task Run_KilledThirtyTimesWithLongerRuns_LogVerifiesAndEveryCheckpointSignatureHolds() =>
        KillAndRestartAsync(kills: 30, maxAcksBeforeKill: 60, seed: 6464);

    private async Task KillAndRestartAsync(int kills, int maxAcksBeforeKill, int seed)
    {
        const string DeviceId = "gw-arm64";
        var data = Path.Combine(package.Scratch($"run-{kills}"), "data");
        var init = await RunAsync("init", "--data", data, "--device-id", DeviceId);
        Assert.True(init.Exit == 0, $"init exited {init.Exit}: {init.Stderr}");
        var publicKey = init.Stdout.Split('\n').Single(l => l.StartsWith("public-key: ", StringComparison.Ordinal))["public-key: ".Length..];

        var random = new Random(seed);
        var acknowledged = new List<Acknowledgement>();
        for (var run = 0; run <= kills; run++)
        {
            var last = run == kills;
            var clock = Stopwatch.StartNew();
            var (program, args) = Arm64Emulator.Command(package.Gateway,
                "run", "--data", data, "--simulate", (run + 1).ToString(CultureInfo.InvariantCulture), "--speed", "600");
            await using var gateway = GatewayProcess.StartProgram(program, args);
            await gateway.WaitForAcknowledgementsAsync(1, Patience);
            var firstCommit = clock.Elapsed;
            await gateway.WaitForAcknowledgementsAsync(last ? 2 : random.Next(1, maxAcksBeforeKill + 1), Patience);
            if (last)
            {
                // The service manager's stop: the ARM program handles SIGTERM and exits 0.
                gateway.Terminate();
                Assert.Equal(0, await gateway.WaitForExitAsync(Patience));
            }
            else
            {
                gateway.Kill();
                await gateway.WaitForExitAsync(Patience);
            }
            acknowledged.AddRange(gateway.Acknowledgements);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"run {run}: first commit {firstCommit.TotalSeconds:0.0} s after start, {gateway.Acknowledgements.Count} commits, then {(last ? "SIGTERM" : "SIGKILL")}"));
        }

        // The gateway's own checks, as the ARM program makes them.
        var verify = await RunAsync("verify", "--data", data);
        Assert.True(verify.Exit == 0, $"verify exited {verify.Exit}:\n{verify.Stdout}\n{verify.Stderr}");
        Assert.Contains("checkpoint-signatures: ok", verify.Stdout, StringComparison.Ordinal);
        Assert.EndsWith("result: ok\n", verify.Stdout, StringComparison.Ordinal);
        var status = await RunAsync("status", "--data", data, "--json");
        Assert.True(status.Exit == 0, $"status exited {status.Exit}: {status.Stderr}");
        using var statusJson = JsonDocument.Parse(status.Stdout);

        // An auditor's reading on x86-64 of what the ARM program wrote: SQLite file, leaves, tree, signatures.
        var audit = LogAudit.Read(EdgeGateway.Storage.GatewayDatabase.PathIn(data));
        audit.AssertLeavesSound(DeviceId);
        Assert.Equal(DeviceId, statusJson.RootElement.GetProperty("deviceId").GetString());
        Assert.Equal(audit.RecordedSize, statusJson.RootElement.GetProperty("logSize").GetInt64());
        foreach (var ack in acknowledged)
        {
            Assert.True(ack.Size <= audit.RecordedSize, $"acknowledged size {ack.Size} but the log has {audit.RecordedSize}");
            Assert.True(audit.RootAt(ack.Size).ToHex() == ack.Root, $"the leaves acknowledged up to {ack.Size} changed or went missing");
        }
        Assert.True(audit.Checkpoints.Count > kills, $"only {audit.Checkpoints.Count} checkpoints over {kills + 1} runs");
        audit.AssertCheckpointsSound(NoteVerifierKey.FromSpki(DeviceLogs.Origin(DeviceId), Convert.FromBase64String(publicKey)), DeviceId);
        Assert.Equal(kills + 1, audit.Contents.Count(l => l.StringValue == "gateway-start"));
        output.WriteLine($"log size {audit.RecordedSize}, {audit.Checkpoints.Count} checkpoints, package built in {package.BuildTime.TotalSeconds:0} s");
    }

    private async Task<ProcessResult> RunAsync(params string[] args)
    {
        var (program, emulated) = Arm64Emulator.Command(package.Gateway, args);
        var clock = Stopwatch.StartNew();
        var result = await Processes.RunAsync(program, emulated);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{args[0]}: {clock.Elapsed.TotalSeconds:0.0} s"));
        return result;
    }
}
