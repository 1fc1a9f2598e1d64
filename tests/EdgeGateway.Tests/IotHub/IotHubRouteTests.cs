using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeGateway.Configuration;
using EdgeGateway.IotHub;
using EdgeGateway.Mqtt;
using EdgeGateway.Tests.Mqtt;
using EdgeGateway.Tests.Support;
using Firmware.Contracts.Readings;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Certificates;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace EdgeGateway.Tests.IotHub;

/// <summary>
/// The IoT Hub route against a stand-in hub: an MQTTnet server on 127.0.0.1 over TLS (a test CA's certificate
/// for <c>localhost</c>) that accepts a device only as IoT Hub documents it — MQTT 3.1.1, client id = device
/// id, username <c>{host}/{device}/?api-version=…</c>, a SAS token whose resource, expiry and HMAC-SHA256
/// signature check out against the device key — and telemetry only on <c>devices/{id}/messages/events/</c>,
/// QoS 0 or 1, not retained. Not a real hub: the formats are checked, not Azure's service.
/// </summary>
public sealed class IotHubRouteTests : IAsyncLifetime
{
    private const string Host = "localhost";
    private const string Device = "gw-hub";
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentQueue<string> _refusals = new();
    private readonly ConcurrentQueue<(string Topic, string Payload, MqttQualityOfServiceLevel Qos, bool Retain)> _received = new();
    private TestPki _pki = null!;
    private MqttServer _hub = null!;
    private int _port;

    public async Task InitializeAsync()
    {
        _pki = await TestPki.CreateAsync();
        _port = TestBrokers.FreePort();
        var options = new MqttServerFactory().CreateServerOptionsBuilder()
            .WithoutDefaultEndpoint()
            .WithEncryptedEndpoint().WithEncryptedEndpointBoundIPAddress(IPAddress.Loopback).WithEncryptedEndpointPort(_port)
            .WithEncryptionCertificate(new X509CertificateProvider(X509Certificate2.CreateFromPemFile(_pki.ServerCert, _pki.ServerKey)))
            .Build();
        options.TlsEndpointOptions.BoundInterNetworkV6Address = IPAddress.None;
        _hub = new MqttServerFactory().CreateMqttServer(options);
        _hub.ValidatingConnectionAsync += e =>
        {
            if (CheckConnect(e) is { } problem)
            {
                _refusals.Enqueue(problem);
                e.ReasonCode = MqttConnectReasonCode.NotAuthorized;
            }
            return Task.CompletedTask;
        };
        _hub.InterceptingPublishAsync += e =>
        {
            var m = e.ApplicationMessage;
            _received.Enqueue((m.Topic, Encoding.UTF8.GetString(m.Payload), m.QualityOfServiceLevel, m.Retain));
            return Task.CompletedTask;
        };
        await _hub.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _hub.StopAsync(new MqttServerStopOptions());
        _hub.Dispose();
        _pki.Dispose();
    }

    [Fact]
    public async Task CommittedReadings_ArriveAsDeviceToCloudTelemetry_WithIotHubsFormats()
    {
        await using var route = IotHubRoute.Create(Settings(), _key, TimeProvider.System, NullLoggerFactory.Instance);
        route.Start(CancellationToken.None);
        await MqttTestSupport.UntilAsync(() => route.Client.State == MqttConnectionState.Connected, () => $"{route.Client.State} {route.Client.LastFailure} {string.Join("; ", _refusals)}");

        var salt = new byte[16];
        ReadingLeaf[] leaves = [ReadingLeaf.Create(Leaves.Measurement(Device, 7), salt), ReadingLeaf.Create(Leaves.Measurement(Device, 8), salt)];
        route.OnCommitted(leaves);

        await MqttTestSupport.UntilAsync(() => _received.Count == 2, () => $"{_received.Count} received, {route.Client.Statistics}");
        Assert.Empty(_refusals);
        var received = _received.ToList();
        Assert.All(received, r =>
        {
            Assert.Equal($"devices/{Device}/messages/events/$.ct=application%2Fjson&$.ce=utf-8", r.Topic);
            Assert.False(r.Retain);
            Assert.NotEqual(MqttQualityOfServiceLevel.ExactlyOnce, r.Qos);
        });
        // Each body is the leaf's SenML pack, the same bytes the readings topic carries.
        Assert.Equal(leaves.Select(l => Encoding.UTF8.GetString(Firmware.Contracts.Mqtt.SenmlPack.FromLeaf(l))), received.Select(r => r.Payload));
    }

    [Fact]
    public async Task WrongDeviceKey_IsRefused_AndTheRouteSaysSo()
    {
        await using var route = IotHubRoute.Create(Settings(), RandomNumberGenerator.GetBytes(32), TimeProvider.System, NullLoggerFactory.Instance);
        route.Start(CancellationToken.None);

        await MqttTestSupport.UntilAsync(() => route.Client.State == MqttConnectionState.Refused, () => $"{route.Client.State} {route.Client.LastFailure}");
        Assert.Equal(MqttFailureKind.NotAuthorized, route.Client.LastFailure?.Kind);
        Assert.Contains(_refusals, r => r.Contains("signature", StringComparison.Ordinal));
    }

    [Fact]
    public void SasToken_KnownAnswer()
    {
        // Expected value computed independently with: python3 -c "import base64,hmac,hashlib,urllib.parse as u;
        // r=u.quote('my-hub.azure-devices.net/devices/dev-1',safe='');k=bytes(range(32));
        // s=base64.b64encode(hmac.new(k,(r+'\n1767225600').encode(),hashlib.sha256).digest()).decode();print(r,u.quote(s,safe=''))"
        var key = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var token = IotHubMqtt.SasToken("my-hub.azure-devices.net", "dev-1", key, DateTimeOffset.FromUnixTimeSeconds(1_767_225_600));

        Assert.Equal("SharedAccessSignature sr=my-hub.azure-devices.net%2Fdevices%2Fdev-1&sig=y1Js61ek111Ft9gVePU29PB%2FH1DAHjx%2BLH4LofXvA6U%3D&se=1767225600", token);
        Assert.Equal("my-hub.azure-devices.net/dev-1/?api-version=2021-04-12", IotHubMqtt.Username("my-hub.azure-devices.net", "dev-1", IotHubSettings.DefaultApiVersion));
    }

    private IotHubSettings Settings() => new()
    {
        HostName = Host,
        DeviceId = Device,
        DeviceKeyFile = "(in memory)",
        Port = _port,
        CaCertificateFile = _pki.CaCert,
    };

    /// <returns>Why IoT Hub would refuse this CONNECT, or null.</returns>
    private string? CheckConnect(ValidatingConnectionEventArgs e)
    {
        if (!e.IsSecureConnection) return "not over TLS";
        if (e.ProtocolVersion != MQTTnet.Formatter.MqttProtocolVersion.V311) return $"protocol {e.ProtocolVersion}, not MQTT 3.1.1";
        if (e.ClientId != Device) return $"client id '{e.ClientId}' is not the device id";
        if (e.UserName != $"{Host}/{Device}/?api-version={IotHubSettings.DefaultApiVersion}") return $"username '{e.UserName}'";
        var fields = (e.Password ?? "").StartsWith("SharedAccessSignature ", StringComparison.Ordinal)
            ? e.Password!["SharedAccessSignature ".Length..].Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "")
            : [];
        if (!fields.TryGetValue("sr", out var sr) || !fields.TryGetValue("sig", out var sig) || !fields.TryGetValue("se", out var se)) return "password is not a SAS token";
        if (Uri.UnescapeDataString(sr) != $"{Host}/devices/{Device}") return $"token resource '{sr}'";
        var expiry = DateTimeOffset.FromUnixTimeSeconds(long.Parse(se, CultureInfo.InvariantCulture));
        if (expiry <= DateTimeOffset.UtcNow || expiry > DateTimeOffset.UtcNow.AddDays(366)) return $"token expiry {expiry:O}";
        var expected = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(sr + "\n" + se));
        if (!CryptographicOperations.FixedTimeEquals(expected, Convert.FromBase64String(Uri.UnescapeDataString(sig)))) return "token signature does not verify with the device key";
        return null;
    }
}
