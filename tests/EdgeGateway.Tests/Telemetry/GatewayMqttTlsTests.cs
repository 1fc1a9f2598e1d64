using System.Diagnostics;
using System.Text.Json.Nodes;
using EdgeGateway.Storage;
using EdgeGateway.Telemetry;
using EdgeGateway.Tests.Mqtt;
using EdgeGateway.Tests.Support;

namespace EdgeGateway.Tests.Telemetry;

/// <summary>
/// The real gateway process on a mosquitto TLS listener that requires client certificates, with a CA
/// made by openssl for the test: trusted, it publishes; with the wrong CA it is refused, keeps
/// storing readings, and <c>status</c> says why.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GatewayMqttTlsTests : IAsyncLifetime
{
    private const string DeviceId = "gw-tls";
    private TestPki _pki = null!;
    private MosquittoBroker _broker = null!;
    private GatewayFolder _folder = null!;

    public async Task InitializeAsync()
    {
        _pki = await TestPki.CreateAsync();
        _broker = await MosquittoBroker.StartAsync(new BrokerOptions
        {
            Tls = new BrokerTls(_pki.CaCert, _pki.ServerCert, _pki.ServerKey, RequireCertificate: true),
            LogTypes = ["error", "warning", "notice"],
        });
        _folder = await GatewayFolder.CreateAsync(DeviceId);
    }

    public async Task DisposeAsync()
    {
        _folder.Dispose();
        await _broker.DisposeAsync();
        _pki.Dispose();
    }

    private void Configure(string caFile) => _folder.WriteConfig(TestConfig.Json(DeviceId, c =>
    {
        var mqtt = GatewayMqttTests.MqttConfig(_broker);
        mqtt["port"] = _broker.TlsPort;
        mqtt["caCertificateFile"] = caFile;
        mqtt["clientCertificateFile"] = _pki.ClientCert;
        mqtt["clientKeyFile"] = _pki.ClientKey;
        c["mqtt"] = mqtt;
        c["sealing"]!["intervalSeconds"] = 30;
    }));

    [Fact]
    public async Task TrustedCa_WithClientCertificate_PublishesOverTls()
    {
        Configure(_pki.CaCert);

        // The subscriber is on the broker's plain listener: what the gateway sent over TLS arrives there.
        await using var subscriber = await MqttCollector.StartAsync(_broker.Host, _broker.Port, $"edgetrace/{DeviceId}/#");
        await using var gateway = GatewayProcess.Start("run", "--data", _folder.Path, "--simulate", "9", "--speed", "600");
        await subscriber.WaitUntilAsync(all => all.Count(m => m.Topic.Contains("/readings/", StringComparison.Ordinal)) >= 10, "readings over TLS");

        var status = await WaitForMqttStateAsync(MqttStates.Connected, gateway);
        Assert.Contains("(TLS)", status.MqttDetail, StringComparison.Ordinal);
        gateway.Terminate();
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await subscriber.WaitForAsync(m => m.Topic.EndsWith("/status", StringComparison.Ordinal) && m.Text().Contains("shutdown", StringComparison.Ordinal), "the shutdown status");
    }

    [Fact]
    public async Task WrongCa_IsRefused_TheGatewayKeepsStoringReadings_AndStatusSaysWhy()
    {
        Configure(_pki.OtherCaCert);
        await using var subscriber = await MqttCollector.StartAsync(_broker.Host, _broker.Port, $"edgetrace/{DeviceId}/#");
        await using var gateway = GatewayProcess.Start("run", "--data", _folder.Path, "--simulate", "9", "--speed", "600");

        var status = await WaitForMqttStateAsync(MqttStates.Refused, gateway);
        Assert.Contains("TLS verification failed", status.MqttDetail, StringComparison.Ordinal);
        Assert.Contains(_pki.OtherCaCert, status.MqttDetail, StringComparison.Ordinal);

        // Custody does not depend on MQTT: commits go on.
        var acknowledged = gateway.Acknowledgements.Count;
        await gateway.WaitForAcknowledgementsAsync(acknowledged + 5);
        var (exit, text, _) = await GatewayProcess.RunAsync("status", "--data", _folder.Path);
        Assert.Equal(0, exit);
        Assert.Contains("mqtt: refused (", text, StringComparison.Ordinal);

        gateway.Terminate();
        Assert.Equal(0, await gateway.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Empty(subscriber.Messages);
        Assert.Equal(MqttStates.Stopped, GatewayStatusReader.Read(_folder.DatabasePath).MqttState);
        Assert.True(LogAudit.Read(_folder.DatabasePath).RecordedSize > acknowledged);
    }

    private async Task<GatewayStatus> WaitForMqttStateAsync(string state, GatewayProcess gateway)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = GatewayStatusReader.Read(_folder.DatabasePath);
            if (status.MqttState == state)
            {
                return status;
            }
            Assert.False(gateway.HasExited, gateway.AllOutput);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"MQTT state is {status.MqttState} ({status.MqttDetail}), not {state}\n{gateway.AllOutput}");
            await Task.Delay(50);
        }
    }
}
