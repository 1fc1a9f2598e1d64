using System.Text.Json;
using EdgeGateway.Cli;
using EdgeGateway.Configuration;
using EdgeGateway.Keys;
using EdgeGateway.Tests.Sensors.Sysfs;
using EdgeGateway.Tests.Support;
using Firmware.Contracts.Notes;

namespace EdgeGateway.Tests.Cli;

/// <summary><c>init</c>, <c>status</c>, <c>sensors</c> and argument handling, through the command line entry point.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CommandLineTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static async Task<(int Exit, string Out, string Err)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await GatewayCommandLine.RunAsync(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Init_PrintsDeviceIdKeyIdAndPublicKey_OnePerLine()
    {
        var data = _temp.File("data");
        var (exit, output, _) = await Run("init", "--data", data, "--device-id", "gw-dock-7", "--node", "https://node.example:8443");
        Assert.Equal(0, exit);
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.Equal(["device-id", "key-name", "key-id", "public-key"], lines.Select(l => l.Split(": ")[0]));
        var printed = lines.ToDictionary(l => l.Split(": ")[0], l => l.Split(": ", 2)[1]);
        Assert.Equal("gw-dock-7", printed["device-id"]);
        Assert.Equal("edgetrace/device/gw-dock-7", printed["key-name"]);
        var spki = Convert.FromBase64String(printed["public-key"]);
        using var key = NoteVerifierKey.FromSpki(printed["key-name"], spki);
        Assert.Equal($"{NoteKeys.KeyIdOf(spki):x8}", printed["key-id"]);
        Assert.Matches("^[0-9a-f]{8}$", printed["key-id"]);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, DeviceKeyFile.FileName)));
        var config = GatewayConfigReader.Load(Path.Combine(data, GatewayConfig.FileName));
        Assert.Equal("gw-dock-7", config.DeviceId);
        Assert.Equal(new Uri("https://node.example:8443/"), config.Node.Url);
        using var signer = DeviceKeyFile.Load(Path.Combine(data, DeviceKeyFile.FileName), "gw-dock-7");
        Assert.Equal(spki, signer.PublicKey.ToArray());
    }

    [Fact]
    public async Task Init_WithoutDeviceId_NamesTheDeviceAfterItsKey()
    {
        var (exit, output, _) = await Run("init", "--data", _temp.File("data"));
        Assert.Equal(0, exit);
        var keyId = output.Split('\n').Single(l => l.StartsWith("key-id: ", StringComparison.Ordinal))[8..];
        Assert.Contains($"device-id: gw-{keyId}\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Init_FolderAlreadyInitialised_RefusesWithExit2AndKeepsTheKey()
    {
        var data = _temp.File("data");
        Assert.Equal(0, (await Run("init", "--data", data)).Exit);
        var key = File.ReadAllText(Path.Combine(data, DeviceKeyFile.FileName));
        var (exit, _, error) = await Run("init", "--data", data);
        Assert.Equal(2, exit);
        Assert.Contains("already exists", error, StringComparison.Ordinal);
        Assert.Equal(key, File.ReadAllText(Path.Combine(data, DeviceKeyFile.FileName)));
    }

    [Theory]
    [InlineData("--device-id", "gw 1", "--device-id")]
    [InlineData("--node", "node.example", "--node")]
    public async Task Init_BadOption_Exit2NamingTheOption(string option, string value, string named)
    {
        var (exit, _, error) = await Run("init", "--data", _temp.File("data"), option, value);
        Assert.Equal(2, exit);
        Assert.Contains(named, error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.File("data")));
    }

    [Fact]
    public async Task UnknownOption_IsExit2()
    {
        var (exit, _, error) = await Run("status", "--data", _temp.Path, "--colour");
        Assert.Equal(2, exit);
        Assert.Contains("--colour", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_NewFolder_ReportsAnEmptyLogInNameValueLines()
    {
        var data = _temp.File("data");
        await Run("init", "--data", data, "--device-id", "gw-s");
        var (exit, output, _) = await Run("status", "--data", data);
        Assert.Equal(0, exit);
        var lines = output.TrimEnd('\n').Split('\n').ToDictionary(l => l.Split(": ", 2)[0], l => l.Split(": ", 2)[1]);
        Assert.Equal("gw-s", lines["device-id"]);
        Assert.Equal("0", lines["log-size"]);
        Assert.Equal("-", lines["last-sequence"]);
        Assert.Equal("0", lines["backlog"]);
        Assert.Equal("0", lines["active-alarms"]);
        Assert.True(long.Parse(lines["disk-bytes"], System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public async Task OutputsTest_NoOutputsConfigured_Exit2SayingSo()
    {
        var data = _temp.File("data");
        Assert.Equal(0, (await Run("init", "--data", data)).Exit);

        var (exit, _, error) = await Run("outputs", "test", "--data", data);

        Assert.Equal(2, exit);
        Assert.Contains("gateway.json names no outputs (outputs[])", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{ "id": "siren", "pin": 22, "kind": "siren" }""", "outputs[0].kind", "must be \"relay\", \"buzzer\" or \"led\", got 'siren'")]
    [InlineData("""{ "id": "siren", "kind": "relay" }""", "outputs[0].pin", "is required")]
    public async Task OutputsTest_BadOutputInGatewayJson_Exit2NamingTheField(string entry, string field, string problem)
    {
        var data = _temp.File("data");
        Assert.Equal(0, (await Run("init", "--data", data)).Exit);
        var config = Path.Combine(data, GatewayConfig.FileName);
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"outputs\": [", "\"outputs\": [ " + entry, StringComparison.Ordinal));

        var (exit, _, error) = await Run("outputs", "test", "--data", data, "--output", "siren");

        Assert.Equal(2, exit);
        Assert.Contains(field, error, StringComparison.Ordinal);
        Assert.Contains(problem, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OutputsTest_SecondsOutOfRange_Exit2()
    {
        var (exit, _, error) = await Run("outputs", "test", "--data", _temp.Path, "--seconds", "600");

        Assert.Equal(2, exit);
        Assert.Contains("--seconds must be between 0.1 and 60, got 600", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_MissingFolder_Exit2SayingHowToCreateIt()
    {
        var (exit, _, error) = await Run("status", "--data", _temp.File("nothing-here"));
        Assert.Equal(2, exit);
        Assert.Contains("EdgeGateway init", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sensors_FakeSysfsTree_PrintsOneReadingOrFaultPerChannelAsJson()
    {
        using var sysfs = new FakeSysfsTree();
        sysfs.AddSht(0);
        sysfs.AddCpuThermal(1);
        sysfs.AddW1("28-0316a2791c3f", FakeSysfsTree.W1Slave(4.5, crcOk: false));
        var (exit, output, _) = await Run("sensors", "--sysfs-root", sysfs.Root, "--json");
        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output);
        var rows = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(3, rows.Count);
        var temperature = rows.Single(r => r.GetProperty("id").GetString() == "hwmon/sht3x/1-0044" && r.GetProperty("quantity").GetString() == "temperature");
        Assert.Equal(("sht3x", "Cel", 22.35), (temperature.GetProperty("kind").GetString(), temperature.GetProperty("unit").GetString(), temperature.GetProperty("value").GetDouble()));
        Assert.False(temperature.TryGetProperty("fault", out _));
        var humidity = rows.Single(r => r.GetProperty("quantity").GetString() == "humidity");
        Assert.Equal(45.21, humidity.GetProperty("value").GetDouble());
        var w1 = rows.Single(r => r.GetProperty("id").GetString() == "w1/28-0316a2791c3f");
        Assert.Equal("crc", w1.GetProperty("fault").GetString());
        Assert.False(w1.TryGetProperty("value", out _));
        Assert.Equal(["id", "kind", "quantity", "unit", "fault"], w1.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Sensors_Text_ListsReadingsThenSkippedEntriesWithReasons()
    {
        using var sysfs = new FakeSysfsTree();
        sysfs.AddSht(0);
        sysfs.AddCpuThermal(1);
        var (exit, output, _) = await Run("sensors", "--sysfs-root", sysfs.Root);
        Assert.Equal(0, exit);
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^hwmon/sht3x/1-0044\s+sht3x\s+temperature\s+22\.35 Cel$", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("skipped ", StringComparison.Ordinal) && l.Contains("cpu_thermal", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sensors_RootThatDoesNotExist_Exit2()
    {
        var (exit, _, error) = await Run("sensors", "--sysfs-root", _temp.File("no-sys"));
        Assert.Equal(2, exit);
        Assert.Contains("--sysfs-root", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sensors_WithData_ListsTheKernelAndTheUserSpaceSensors_ABusThatIsNotThereIsMissing()
    {
        using var sysfs = new FakeSysfsTree();
        sysfs.AddSht(0);
        var data = _temp.File("data");
        Assert.Equal(0, (await Run("init", "--data", data)).Exit);
        var path = Path.Combine(data, "gateway.json");
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!;
        config["sensors"]!["sysfsRoot"] = sysfs.Root;
        // No board here has an I2C bus 250.
        config["sensors"]!["devices"] = System.Text.Json.Nodes.JsonNode.Parse("""[ { "binding": "sht3x", "bus": 250, "address": "0x44" } ]""");
        File.WriteAllText(path, config.ToJsonString());

        var (exit, output, _) = await Run("sensors", "--data", data);

        Assert.Equal(0, exit);
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^hwmon/sht3x/1-0044\s+sht3x\s+temperature\s+22\.35 Cel$", lines[0]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^i2c/sht3x/250-0044\s+sht3x\s+temperature\s+fault missing: .*/dev/i2c-250"));
        Assert.Contains("user-space i2c/sht3x/250-0044: sht3x at I2C bus 250 address 0x44", lines);
    }

    [Theory]
    [InlineData("--speed fast: expected a number", "run", "--data", "{data}", "--simulate", "1", "--speed", "fast")]
    [InlineData("'EdgeGateway' has no command 'frobnicate' (its commands: init,", "frobnicate", "--data", "x", "--more")]
    [InlineData("'status' has no option --colour (its options: --data,", "status", "--data", "{data}", "--colour", "red")]
    [InlineData("'EdgeGateway' needs a command: init,")]
    public async Task ParseErrors_AreInTheUsersWords_OneLineEach_WithoutTypeNames(string expected, params string[] args)
    {
        var data = _temp.File("data");
        var (exit, output, error) = await Run(args.Select(a => a == "{data}" ? data : a).ToArray());
        Assert.Equal(2, exit);
        Assert.Equal("", output);
        var lines = error.TrimEnd('\n').Split('\n');
        Assert.StartsWith("error: " + expected, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("System.", error, StringComparison.Ordinal);
        // One line per problem, then the hint: a run of unknown words is one problem.
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("Run with --help for usage (EdgeGateway", lines[1], StringComparison.Ordinal);
    }
}
