using EdgeGateway.Configuration;
using EdgeGateway.Mqtt;

namespace EdgeGateway.Tests.Configuration;

/// <summary>The <c>mqtt</c> section of gateway.json.</summary>
public sealed class MqttConfigTests
{
    private static GatewayConfig Parse(string mqtt) => GatewayConfigReader.Parse($$"""{ "deviceId": "gw-01", "mqtt": {{mqtt}} }""", "gateway.json");

    private static ConfigException Refused(string mqtt) => Assert.Throws<ConfigException>(() => Parse(mqtt));

    [Fact]
    public void Template_HasMqttWithEmptyHost_SoMqttIsOff()
    {
        Assert.Null(GatewayConfigReader.Parse(ConfigTemplate.Render("gw-01", null), "template").Mqtt);
        Assert.Null(GatewayConfigReader.Parse("""{ "deviceId": "gw-01" }""", "gateway.json").Mqtt);
    }

    [Fact]
    public void Parse_HostOnly_GivesTheDocumentedDefaults()
    {
        var mqtt = Parse("""{ "host": "broker.local" }""").Mqtt!;
        Assert.Equal("broker.local", mqtt.Host);
        Assert.Equal(1883, mqtt.Port);
        Assert.Equal(MqttProtocolVersion.V311, mqtt.Protocol);
        Assert.Equal("edgetrace-gw-01", mqtt.ClientId);
        Assert.False(mqtt.CleanSession);
        Assert.Equal(TimeSpan.FromSeconds(30), mqtt.KeepAlive);
        Assert.Equal("edgetrace", mqtt.TopicPrefix);
        Assert.Equal(1024L * 1024, mqtt.QueueBytes);
        Assert.Equal((2000, 200), (mqtt.QueueMessages, mqtt.ReceiveQueueMessages));
        Assert.Empty(mqtt.Nodes);
        Assert.Equal("zigbee2mqtt", mqtt.Zigbee2MqttBaseTopic);
    }

    [Fact]
    public void Parse_Tls_DefaultsToPort8883_UnlessSet()
    {
        Assert.Equal(8883, Parse("""{ "host": "b", "caCertificateFile": "/etc/ca.pem" }""").Mqtt!.Port);
        Assert.Equal(9883, Parse("""{ "host": "b", "port": 9883, "caCertificateFile": "/etc/ca.pem" }""").Mqtt!.Port);
    }

    [Fact]
    public void Parse_Everything_IsRead()
    {
        var mqtt = Parse("""
            { "host": "10.0.0.5", "port": 1884, "protocol": "5", "clientId": "gw-a", "cleanSession": true, "keepAliveSeconds": 10,
              "username": "gw", "passwordFile": "/etc/pw", "topicPrefix": "site/a", "reconnectMinSeconds": 0.1, "reconnectMaxSeconds": 2,
              "queueMessages": 50, "queueMegabytes": 1, "receiveQueueMessages": 20,
              "nodes": [ { "id": "esp32-a1", "zone": "chiller-1" }, { "id": "esp32-b2" } ],
              "zigbee2mqtt": { "baseTopic": "z2m", "devices": [ { "name": "cold room 2", "sensorId": "zigbee/cold-room-2", "zone": "chiller-1" } ] } }
            """).Mqtt!;
        Assert.Equal((MqttProtocolVersion.V5, "gw-a", true, "site/a"), (mqtt.Protocol, mqtt.ClientId, mqtt.CleanSession, mqtt.TopicPrefix));
        Assert.Equal([new MqttNodeSettings("esp32-a1", "chiller-1"), new MqttNodeSettings("esp32-b2", null)], mqtt.Nodes);
        Assert.Equal(new Zigbee2MqttDeviceSettings("cold room 2", "zigbee/cold-room-2", "chiller-1"), Assert.Single(mqtt.Zigbee2MqttDevices));
        Assert.Equal("z2m", mqtt.Zigbee2MqttBaseTopic);
        Assert.Equal((TimeSpan.FromSeconds(0.1), TimeSpan.FromSeconds(2)), (mqtt.ReconnectMin, mqtt.ReconnectMax));
    }

    [Theory]
    [InlineData("""{ "host": "mqtt://broker" }""", "mqtt.host")]
    [InlineData("""{ "host": "b", "protocol": "4" }""", "mqtt.protocol")]
    [InlineData("""{ "host": "b", "cleanSession": "no" }""", "mqtt.cleanSession")]
    [InlineData("""{ "host": "b", "passwordFile": "/etc/pw" }""", "mqtt.passwordFile")]
    [InlineData("""{ "host": "b", "caCertificateFile": "/ca", "clientCertificateFile": "/c" }""", "mqtt.clientCertificateFile")]
    [InlineData("""{ "host": "b", "clientCertificateFile": "/c", "clientKeyFile": "/k" }""", "mqtt.clientCertificateFile")]
    [InlineData("""{ "host": "b", "topicPrefix": "a/#" }""", "mqtt.topicPrefix")]
    [InlineData("""{ "host": "b", "keepAliveSeconds": 1 }""", "mqtt.keepAliveSeconds")]
    [InlineData("""{ "host": "b", "reconnectMinSeconds": 5, "reconnectMaxSeconds": 1 }""", "mqtt.reconnectMaxSeconds")]
    [InlineData("""{ "host": "b", "nodes": [ { "id": "a/b" } ] }""", "mqtt.nodes[0].id")]
    [InlineData("""{ "host": "b", "nodes": [ { "id": "a" }, { "id": "a" } ] }""", "mqtt.nodes[1].id")]
    [InlineData("""{ "host": "b", "nodes": [ { "id": "a", "zone": "no zone" } ] }""", "mqtt.nodes[0].zone")]
    [InlineData("""{ "host": "b", "nodes": [ { "id": "a", "zome": "z" } ] }""", "mqtt.nodes[0].zome")]
    [InlineData("""{ "host": "b", "zigbee2mqtt": { "devices": [ { "name": "x/+", "sensorId": "z/x" } ] } }""", "mqtt.zigbee2mqtt.devices[0].name")]
    [InlineData("""{ "host": "b", "zigbee2mqtt": { "devices": [ { "name": "x" } ] } }""", "mqtt.zigbee2mqtt.devices[0].sensorId")]
    [InlineData("""{ "host": "b", "zigbee2mqtt": { "devices": [ { "name": "x", "sensorId": "z/x" }, { "name": "y", "sensorId": "z/x" } ] } }""", "mqtt.zigbee2mqtt.devices[1].sensorId")]
    [InlineData("""{ "host": "b", "brokerUrl": "x" }""", "mqtt.brokerUrl")]
    public void Parse_Invalid_NamesTheField(string mqtt, string field) => Assert.Equal(field, Refused(mqtt).Field);

    [Fact]
    public void Parse_EmptyHost_StillChecksTheRest()
    {
        Assert.Equal("mqtt.protocol", Refused("""{ "host": "", "protocol": "4" }""").Field);
    }

    [Fact]
    public void Parse_DeviceIdNodes_IsRefusedWithMqtt_SinceItsTopicsWouldBeANodes()
    {
        var e = Assert.Throws<ConfigException>(() => GatewayConfigReader.Parse("""{ "deviceId": "nodes", "mqtt": { "host": "b" } }""", "gateway.json"));
        Assert.Contains("sensor nodes publish", e.Message, StringComparison.Ordinal);
        Assert.Null(GatewayConfigReader.Parse("""{ "deviceId": "nodes" }""", "gateway.json").Mqtt);
    }
}
