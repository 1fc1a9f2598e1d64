using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using EdgeGateway.Mqtt;
using EdgeGateway.Storage;
using EdgeGateway.Telemetry;
using EdgeGateway.Tests.Mqtt;
using EdgeGateway.Tests.Support;
using Firmware.Contracts.Readings;

namespace EdgeGateway.Tests.Telemetry;

/// <summary>
/// The real gateway process with <c>mqtt.broker: "embedded"</c> on a free 127.0.0.1 port: sensor nodes
/// (the command-line client <c>mosquitto_pub</c>, with per-node credentials from a users file holding one
/// <c>mosquitto_passwd</c> hash and one plain password) publish SenML to the gateway's own broker, and their
/// readings become leaves of the signed log. A wrong password is refused; a node publishing as another node
/// is cut off; a dashboard subscribes to the live readings through the same broker.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class EmbeddedBrokerGatewayTests : IAsyncLifetime
{
    private const string DeviceId = "gw-embedded";
    private GatewayFolder _folder = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _folder = await GatewayFolder.CreateAsync(DeviceId);
        _port = TestBrokers.FreePort();
        var users = Path.Combine(_folder.Path, "mqtt-users");
        await RunAsync("mosquitto_passwd", "-c", "-b", users, "esp32-a1", "hashed secret");
        await File.AppendAllTextAsync(users, "esp32-b2:plain secret\ndashboard:look only\n");
        _folder.WriteConfig(TestConfig.Json(DeviceId, c =>
        {
            c["sealing"]!["intervalSeconds"] = 1;
            c["mqtt"] = new JsonObject
            {
                ["broker"] = "embedded",
                ["embedded"] = new JsonObject { ["bind"] = "127.0.0.1", ["port"] = _port, ["usersFile"] = "mqtt-users" },
                ["keepAliveSeconds"] = 5,
                ["reconnectMinSeconds"] = 0.05,
                ["reconnectMaxSeconds"] = 0.5,
                ["nodes"] = new JsonArray(new JsonObject { ["id"] = "esp32-a1", ["zone"] = "chiller-1" }, new JsonObject { ["id"] = "esp32-b2" }),
            };
        }));
    }

    public Task DisposeAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task SensorNodes_PublishToTheGatewaysOwnBroker_ReadingsBecomeSignedLeaves()
    {
        await using var gateway = GatewayProcess.Start("run", "--data", _folder.Path);
        await gateway.WaitUntilAsync(() => gateway.Stdout.Any(l => l.Contains("event=mqtt-subscribed", StringComparison.Ordinal)), "the gateway's subscription on its own broker");
        await using var dashboard = await MqttCollector.StartWithLoginAsync("127.0.0.1", _port, new MqttCredentials("dashboard", "look only"), $"edgetrace/{DeviceId}/readings/#");

        await PublishAsync("esp32-a1", "hashed secret", "edgetrace/nodes/esp32-a1/senml", """[{"n":"temperature","u":"Cel","v":4.4},{"n":"humidity","u":"%RH","v":83.0}]""");
        await PublishAsync("esp32-b2", "plain secret", "edgetrace/nodes/esp32-b2/senml", """[{"n":"pressure","u":"Pa","v":101300}]""");
        // Refused at CONNECT: mosquitto_pub exits non-zero and nothing is published.
        Assert.NotEqual(0, await PublishAsync("esp32-a1", "wrong", "edgetrace/nodes/esp32-a1/senml", """[{"n":"temperature","u":"Cel","v":1.0}]""", expectSuccess: false));
        // A node's credentials cannot send another node's readings: dropped, and its connection is closed.
        await PublishAsync("esp32-b2", "plain secret", "edgetrace/nodes/esp32-a1/senml", """[{"n":"temperature","u":"Cel","v":2.0}]""", expectSuccess: null);
        // Nor the gateway's own telemetry.
        await PublishAsync("dashboard", "look only", $"edgetrace/{DeviceId}/readings/mqtt/esp32-a1/temperature", "forged", expectSuccess: null);

        GatewayStatus status = null!;
        var clock = Stopwatch.StartNew();
        while ((status = GatewayStatusReader.Read(_folder.DatabasePath)).MqttCounters is not { NodeReadingsIngested: 3 })
        {
            Assert.False(gateway.HasExited, gateway.AllOutput);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the node readings did not arrive: {status.MqttCounters?.ToJson()}\n{gateway.AllOutput}");
            await Task.Delay(50);
        }
        Assert.Equal(MqttStates.Connected, status.MqttState);
        Assert.Contains("embedded broker", status.MqttDetail, StringComparison.Ordinal);
        await dashboard.WaitUntilAsync(all => all.Count >= 3, "the node readings published live on the embedded broker");
        gateway.Terminate();
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        var audit = LogAudit.Read(_folder.DatabasePath);
        audit.AssertLeavesSound(DeviceId);
        var measurements = audit.Contents.Where(l => l.Kind == LeafKind.Measurement).Select(l => (l.SensorId, l.Zone, l.Value)).ToList();
        Assert.Equal(
            [
                ("mqtt/esp32-a1/temperature", "chiller-1", 4.4),
                ("mqtt/esp32-a1/humidity", "chiller-1", 83.0),
                ("mqtt/esp32-b2/pressure", null, 101300.0),
            ], measurements);
        Assert.Contains(gateway.Stdout.Concat(gateway.Stderr), l => l.Contains("event=mqtt-broker-refused", StringComparison.Ordinal) && l.Contains("esp32-a1", StringComparison.Ordinal));
        Assert.Contains(gateway.Stdout.Concat(gateway.Stderr), l => l.Contains("event=mqtt-broker-foreign-topic", StringComparison.Ordinal) && l.Contains("esp32-b2", StringComparison.Ordinal));
        Assert.DoesNotContain(dashboard.Messages, m => m.Text() == "forged");
    }

    [Fact]
    public async Task PortTaken_OneWarningSayingWhatToDo_TheGatewayRunsWithoutMqtt()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, _port);
        squatter.Start();
        await using var gateway = GatewayProcess.Start("run", "--data", _folder.Path, "--simulate", "5", "--speed", "600");

        await gateway.WaitForLineAsync(l => l.Contains(" event=sealed ", StringComparison.Ordinal), "a sealed checkpoint");
        var status = GatewayStatusReader.Read(_folder.DatabasePath);
        Assert.Equal(MqttStates.Unavailable, status.MqttState);
        Assert.Contains($"port {_port}", status.MqttDetail, StringComparison.Ordinal);
        Assert.Contains("choose a free port", status.MqttDetail, StringComparison.Ordinal);

        gateway.Terminate();
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        var warning = Assert.Single(gateway.Stdout.Concat(gateway.Stderr), l => l.Contains("event=mqtt-unavailable", StringComparison.Ordinal));
        Assert.Contains("level=warn", warning, StringComparison.Ordinal);
    }

    /// <returns>mosquitto_pub's exit code.</returns>
    private async Task<int> PublishAsync(string user, string password, string topic, string payload, bool? expectSuccess = true)
    {
        var code = await RunAsync("mosquitto_pub", "-h", "127.0.0.1", "-p", _port.ToString(CultureInfo.InvariantCulture), "-q", "1",
            "-i", user + "-" + Guid.NewGuid().ToString("N")[..6], "-u", user, "-P", password, "-t", topic, "-m", payload);
        if (expectSuccess == true) Assert.Equal(0, code);
        return code;
    }

    private static async Task<int> RunAsync(string program, params string[] arguments)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments) psi.ArgumentList.Add(argument);
        using var process = Process.Start(psi)!;
        await process.StandardOutput.ReadToEndAsync();
        await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (program == "mosquitto_passwd") Assert.Equal(0, process.ExitCode);
        return process.ExitCode;
    }
}
