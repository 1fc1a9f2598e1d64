using System.Text.Json.Nodes;
using EdgeGateway.Configuration;
using EdgeGateway.Tests.Mqtt;
using EdgeGateway.Tests.Support;

namespace EdgeGateway.Tests.Configuration;

/// <summary>
/// Every file gateway.json names is opened when `run` starts: a missing, unreadable or wrong one
/// stops the start with exit 2 and a message naming the field and the path.
/// </summary>
public sealed class ConfigFilesTests : IAsyncLifetime
{
    private TestPki _pki = null!;
    private TempFolder _data = null!;

    public async Task InitializeAsync()
    {
        _pki = await TestPki.CreateAsync();
        _data = new TempFolder();
    }

    public Task DisposeAsync()
    {
        _data.Dispose();
        _pki.Dispose();
        return Task.CompletedTask;
    }

    private GatewayConfig Open(Action<JsonObject> change) =>
        ConfigFiles.Open(GatewayConfigReader.Parse(TestConfig.Json("gw-files", change), "gateway.json"), "gateway.json", _data.Path);

    private static void Mqtt(JsonObject config, JsonObject mqtt)
    {
        mqtt["host"] = "127.0.0.1";
        config["mqtt"] = mqtt;
    }

    [Fact]
    public async Task Run_WithAMissingNodeCaCertificate_ExitsTwoNamingTheFieldAndPath()
    {
        using var folder = await GatewayFolder.CreateAsync("gw-files");
        var missing = Path.Combine(folder.Path, "node-ca.pem");
        folder.WriteConfig(TestConfig.Json("gw-files", c => c["node"] = new JsonObject { ["url"] = "https://127.0.0.1:9/", ["caCertificateFile"] = missing }));

        var (exit, stdout, stderr) = await GatewayProcess.RunAsync("run", "--data", folder.Path);

        Assert.Equal(2, exit);
        Assert.Contains($"node.caCertificateFile: {missing} does not exist", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("event=started", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_EveryNamedFileThere_ResolvesRelativePathsAgainstTheDataFolder()
    {
        File.Copy(_pki.CaCert, _data.File("ca.pem"));
        File.WriteAllText(_data.File("password"), "secret\n");
        var config = Open(c =>
        {
            c["node"] = new JsonObject { ["url"] = "https://node.example/", ["caCertificateFile"] = "ca.pem" };
            Mqtt(c, new JsonObject
            {
                ["username"] = "gw", ["passwordFile"] = "password", ["caCertificateFile"] = _pki.CaCert,
                ["clientCertificateFile"] = _pki.ClientCert, ["clientKeyFile"] = _pki.ClientKey,
            });
        });

        Assert.Equal(_data.File("ca.pem"), config.Node.CaCertificateFile);
        Assert.Equal(_data.File("password"), config.Mqtt!.PasswordFile);
        Assert.Equal(_pki.ClientKey, config.Mqtt.ClientKeyFile);
    }

    public static TheoryData<string, string> Broken => new()
    {
        { "node-ca-missing", "node.caCertificateFile: {0}/nothing.pem does not exist" },
        { "node-ca-folder", "node.caCertificateFile: {0}/folder cannot be read" },
        { "node-ca-not-a-certificate", "node.caCertificateFile: {0}/password holds no PEM certificate" },
        { "password-missing", "mqtt.passwordFile: {0}/nothing does not exist" },
        { "password-empty", "mqtt.passwordFile: {0}/empty is empty" },
        { "mqtt-ca-missing", "mqtt.caCertificateFile: {0}/no-folder/ca.pem does not exist (nor does its folder)" },
        { "client-key-missing", "mqtt.clientKeyFile: {0}/client.key does not exist" },
        { "client-key-of-another-certificate", "mqtt.clientKeyFile: {1} is not the private key of {2}" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Open_AFileThatCannotBeUsed_IsRefusedNamingTheFieldAndPath(string kind, string expected)
    {
        File.WriteAllText(_data.File("password"), "secret\n");
        File.WriteAllText(_data.File("empty"), "");
        Directory.CreateDirectory(_data.File("folder"));
        var node = new JsonObject { ["url"] = "https://node.example/" };
        var mqtt = new JsonObject();
        switch (kind)
        {
            case "node-ca-missing": node["caCertificateFile"] = "nothing.pem"; break;
            case "node-ca-folder": node["caCertificateFile"] = "folder"; break;
            case "node-ca-not-a-certificate": node["caCertificateFile"] = "password"; break;
            case "password-missing": mqtt["username"] = "gw"; mqtt["passwordFile"] = "nothing"; break;
            case "password-empty": mqtt["username"] = "gw"; mqtt["passwordFile"] = "empty"; break;
            case "mqtt-ca-missing": mqtt["caCertificateFile"] = "no-folder/ca.pem"; break;
            case "client-key-missing":
                mqtt["caCertificateFile"] = _pki.CaCert; mqtt["clientCertificateFile"] = _pki.ClientCert; mqtt["clientKeyFile"] = "client.key"; break;
            case "client-key-of-another-certificate":
                mqtt["caCertificateFile"] = _pki.CaCert; mqtt["clientCertificateFile"] = _pki.ClientCert; mqtt["clientKeyFile"] = _pki.ServerKey; break;
        }

        var error = Assert.Throws<ConfigException>(() => Open(c =>
        {
            c["node"] = node;
            if (mqtt.Count > 0)
            {
                Mqtt(c, mqtt);
            }
        }));

        Assert.Contains(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, _data.Path, _pki.ServerKey, _pki.ClientCert),
            error.Message, StringComparison.Ordinal);
    }
}
