using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeGateway.Configuration;
using EdgeGateway.Mqtt.Broker;
using Firmware.Contracts.Mqtt;

namespace EdgeGateway.Telemetry;

/// <summary>
/// The embedded broker's options from <c>mqtt.embedded</c>: listeners, the users file, TLS, and who may
/// publish where. A sensor node (a user whose name is a node id) publishes only to its own SenML topic; only
/// the gateway publishes under its own device topics; anyone let in may subscribe (dashboards, pagers).
/// </summary>
public static class EmbeddedBroker
{
    /// <summary>The options for <paramref name="embedded"/>, with the gateway's own user.</summary>
    /// <exception cref="IOException">A file cannot be read.</exception>
    /// <exception cref="FormatException">The users file has a bad line (the message names it).</exception>
    /// <exception cref="System.Security.Cryptography.CryptographicException">A certificate or key cannot be used.</exception>
    public static EmbeddedBrokerOptions Options(EmbeddedBrokerSettings embedded, MqttTelemetrySetup setup, string gatewayPassword)
    {
        ArgumentNullException.ThrowIfNull(embedded);
        ArgumentNullException.ThrowIfNull(setup);
        var settings = setup.Settings;
        var users = embedded.UsersFile is { } file ? ReadUsers(file) : BrokerUsers.None;
        X509Certificate2Collection? clientCas = null;
        if (embedded.ClientCaFile is { } clientCaFile)
        {
            clientCas = [];
            clientCas.ImportFromPemFile(clientCaFile);
        }
        var topics = new MqttTopics(settings.TopicPrefix);
        var gatewayUser = settings.ClientId;
        var nodesPrefix = topics.Prefix + "/nodes/";
        var ownPrefix = topics.Prefix + "/" + setup.DeviceId + "/";
        return new EmbeddedBrokerOptions
        {
            BindAddress = embedded.Bind,
            Port = embedded.Port,
            TlsPort = embedded.TlsPort,
            Certificate = embedded.CertificateFile is { } certificate ? X509Certificate2.CreateFromPemFile(certificate, embedded.KeyFile) : null,
            ClientCertificateAuthorities = clientCas,
            Users = users.With(gatewayUser, gatewayPassword),
            AllowAnonymous = embedded.AllowAnonymous,
            PlainLoopbackOnly = embedded.TlsPort is not null && !IPAddress.IsLoopback(embedded.Bind),
            MayPublish = (user, topic) =>
            {
                if (user == gatewayUser) return true;
                if (topic.StartsWith(nodesPrefix, StringComparison.Ordinal))
                {
                    // Anonymous nodes (allowAnonymous on a closed network) cannot be told apart: they may publish as any node.
                    return user is null ? embedded.AllowAnonymous : topics.NodeIdOf(topic) == user;
                }
                return !topic.StartsWith(ownPrefix, StringComparison.Ordinal);
            },
        };
    }

    private static BrokerUsers ReadUsers(string file)
    {
        try
        {
            return BrokerUsers.Parse(File.ReadAllText(file));
        }
        catch (FormatException e)
        {
            throw new FormatException($"mqtt.embedded.usersFile {file}: {e.Message}", e);
        }
    }
}
