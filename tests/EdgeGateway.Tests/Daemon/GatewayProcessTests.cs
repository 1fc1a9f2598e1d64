using System.Text.Json;
using EdgeGateway.Tests.Support;
using Firmware.Contracts.Readings;

namespace EdgeGateway.Tests.Daemon;

/// <summary>The built gateway as a real process: starting, refusing to start, acknowledging, stopping.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GatewayProcessTests : IAsyncLifetime
{
    private GatewayFolder _folder = null!;

    public async Task InitializeAsync()
    {
        _folder = await GatewayFolder.CreateAsync("gw-proc");
        _folder.WriteConfig(TestConfig.Json("gw-proc", c => c["simulation"] = new System.Text.Json.Nodes.JsonObject { ["sensorsPerZone"] = 4 }));
    }

    public Task DisposeAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Run_Simulated_AcknowledgesCommits_ServesStatus_AndStopsCleanlyOnSigterm()
    {
        await using var gateway = GatewayProcess.Start("run", "--data", _folder.Path, "--simulate", "3", "--speed", "600");
        await gateway.WaitForAcknowledgementsAsync(5);
        await gateway.WaitForLineAsync(l => l.Contains(" event=sealed ", StringComparison.Ordinal), "a sealed checkpoint");

        var acknowledgedBefore = gateway.Acknowledgements.Max(a => a.Size);
        var (statusExit, statusJson, _) = await GatewayProcess.RunAsync("status", "--data", _folder.Path, "--json");
        Assert.Equal(0, statusExit);
        using (var status = JsonDocument.Parse(statusJson))
        {
            Assert.Equal("gw-proc", status.RootElement.GetProperty("deviceId").GetString());
            Assert.True(status.RootElement.GetProperty("logSize").GetInt64() >= acknowledgedBefore);
            Assert.True(status.RootElement.GetProperty("checkpointSize").GetInt64() > 0);
            Assert.Equal(status.RootElement.GetProperty("logSize").GetInt64(), status.RootElement.GetProperty("backlog").GetInt64());
        }

        gateway.Terminate();
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        var audit = LogAudit.Read(_folder.DatabasePath);
        audit.AssertLeavesSound("gw-proc");
        using var key = _folder.VerifierKey();
        audit.AssertCheckpointsSound(key, "gw-proc");
        var last = gateway.Acknowledgements[^1];
        Assert.Equal(audit.RecordedSize, last.Size);
        Assert.Equal(audit.RootAt(last.Size).ToHex(), last.Root);
        Assert.Equal("gateway-stop", audit.Contents.Last().StringValue);
        Assert.Equal(audit.RecordedSize, audit.Checkpoints[^1].Size);
        Assert.Contains(audit.Contents, l => l.Kind == LeafKind.Measurement && l.Zone == "freezer-1");
    }

    [Fact]
    public async Task Run_KeyReadableByOthers_RefusesToStartWithTheChmodFix()
    {
        File.SetUnixFileMode(_folder.KeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var (exit, _, error) = await GatewayProcess.RunAsync("run", "--data", _folder.Path);
        Assert.Equal(2, exit);
        Assert.Contains($"chmod 600 '{_folder.KeyPath}'", error, StringComparison.Ordinal);
        Assert.Equal(0, LogAudit.Read(_folder.DatabasePath).RecordedSize);
    }

    [Fact]
    public async Task Run_InvalidConfiguration_Exit2NamingTheField()
    {
        _folder.WriteConfig(TestConfig.Json("gw-proc", c => c["sealing"]!["maxLeaves"] = 0));
        var (exit, _, error) = await GatewayProcess.RunAsync("run", "--data", _folder.Path);
        Assert.Equal(2, exit);
        Assert.Contains("sealing.maxLeaves", error, StringComparison.Ordinal);
        Assert.Contains("between 1 and 10000, got 0", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SpeedWithoutSimulation_Exit2()
    {
        var (exit, _, error) = await GatewayProcess.RunAsync("run", "--data", _folder.Path, "--speed", "60");
        Assert.Equal(2, exit);
        Assert.Contains("--simulate", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_DataFolderMissing_Exit2SayingHowToCreateIt()
    {
        var (exit, _, error) = await GatewayProcess.RunAsync("run", "--data", Path.Combine(_folder.Path, "missing"));
        Assert.Equal(2, exit);
        Assert.Contains("EdgeGateway init", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_LogModifiedSinceItWasSigned_Exit3WithoutTouchingIt()
    {
        await using (var gateway = GatewayProcess.Start("run", "--data", _folder.Path, "--simulate", "3", "--speed", "600"))
        {
            await gateway.WaitForLineAsync(l => l.Contains(" event=sealed ", StringComparison.Ordinal), "a sealed checkpoint");
            gateway.Terminate();
            Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        }
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={_folder.DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE leaves SET bytes = CAST(replace(CAST(bytes AS TEXT), 'started', 'startex') AS BLOB) WHERE seq = 0;";
            Assert.Equal(1, command.ExecuteNonQuery());
        }
        var before = LogAudit.Read(_folder.DatabasePath).RecordedSize;
        var (exit, _, error) = await GatewayProcess.RunAsync("run", "--data", _folder.Path, "--simulate", "3", "--speed", "600");
        Assert.Equal(3, exit);
        Assert.Contains("leaf 0", error, StringComparison.Ordinal);
        Assert.Equal(before, LogAudit.Read(_folder.DatabasePath).RecordedSize);
    }
}
