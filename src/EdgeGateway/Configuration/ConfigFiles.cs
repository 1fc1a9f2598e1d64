using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeGateway.Configuration;

/// <summary>
/// The files <c>gateway.json</c> names (the node's CA, the MQTT password, CA, client certificate and
/// key), opened and read when <c>run</c> starts, so that a missing, unreadable or wrong file stops
/// the start (exit 2, naming the field and the path) instead of failing quietly later: a missing
/// <c>node.caCertificateFile</c> once let the gateway start and never upload. Relative paths are
/// relative to the data folder. RFID device paths are not opened: readers are plugged in and out,
/// and a missing one is a sensor fault, not a configuration error.
/// </summary>
public static class ConfigFiles
{
    /// <summary>
    /// Resolves the file paths of <paramref name="config"/> against <paramref name="dataDirectory"/>
    /// and checks that each file can be read and holds what the field says.
    /// </summary>
    /// <param name="config">The configuration read from <paramref name="source"/>.</param>
    /// <param name="source">The configuration file, named in errors.</param>
    /// <param name="dataDirectory">The folder relative paths are taken from.</param>
    /// <exception cref="ConfigException">Naming the first field whose file cannot be used, and its path.</exception>
    public static GatewayConfig Open(GatewayConfig config, string source, string dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(config);
        string Resolve(string path) => Path.GetFullPath(path, dataDirectory);

        if (config.Node.CaCertificateFile is { } nodeCa)
        {
            var path = Resolve(nodeCa);
            Certificate(source, "node.caCertificateFile", path);
            config = config with { Node = config.Node with { CaCertificateFile = path } };
        }
        if (config.IotHub is { } hub)
        {
            var keyPath = Resolve(hub.DeviceKeyFile);
            DeviceKey(source, keyPath);
            string? caPath = null;
            if (hub.CaCertificateFile is { } hubCa)
            {
                caPath = Resolve(hubCa);
                Certificate(source, "iotHub.caCertificateFile", caPath);
            }
            config = config with { IotHub = hub with { DeviceKeyFile = keyPath, CaCertificateFile = caPath } };
        }
        if (config.Mqtt is { } mqtt)
        {
            if (mqtt.PasswordFile is { } passwordFile)
            {
                var path = Resolve(passwordFile);
                var text = Read(source, "mqtt.passwordFile", path);
                if (text.Split('\n')[0].TrimEnd('\r').Length == 0)
                {
                    throw new ConfigException(source, "mqtt.passwordFile", $"{path} is empty; the password is the file's first line");
                }
                mqtt = mqtt with { PasswordFile = path };
            }
            if (mqtt.CaCertificateFile is { } mqttCa)
            {
                var path = Resolve(mqttCa);
                Certificate(source, "mqtt.caCertificateFile", path);
                mqtt = mqtt with { CaCertificateFile = path };
            }
            if (mqtt.ClientCertificateFile is { } certificate && mqtt.ClientKeyFile is { } key)
            {
                var certificatePath = Resolve(certificate);
                var keyPath = Resolve(key);
                Certificate(source, "mqtt.clientCertificateFile", certificatePath);
                KeyPair(source, "mqtt.clientKeyFile", certificatePath, keyPath);
                mqtt = mqtt with { ClientCertificateFile = certificatePath, ClientKeyFile = keyPath };
            }
            if (mqtt.Embedded is { } embedded)
            {
                mqtt = mqtt with { Embedded = OpenEmbedded(embedded, source, Resolve) };
            }
            config = config with { Mqtt = mqtt };
        }
        return config;
    }

    private static EmbeddedBrokerSettings OpenEmbedded(EmbeddedBrokerSettings embedded, string source, Func<string, string> resolve)
    {
        if (embedded.CertificateFile is { } certificate && embedded.KeyFile is { } key)
        {
            var certificatePath = resolve(certificate);
            var keyPath = resolve(key);
            Certificate(source, "mqtt.embedded.certificateFile", certificatePath);
            KeyPair(source, "mqtt.embedded.keyFile", certificatePath, keyPath);
            embedded = embedded with { CertificateFile = certificatePath, KeyFile = keyPath };
        }
        if (embedded.ClientCaFile is { } clientCa)
        {
            var path = resolve(clientCa);
            Certificate(source, "mqtt.embedded.clientCaFile", path);
            embedded = embedded with { ClientCaFile = path };
        }
        if (embedded.UsersFile is { } users)
        {
            var path = resolve(users);
            var text = Read(source, "mqtt.embedded.usersFile", path);
            try
            {
                if (Mqtt.Broker.BrokerUsers.Parse(text).Names.Count == 0)
                {
                    throw new ConfigException(source, "mqtt.embedded.usersFile", $"{path} lists no user; one 'name:password' line per sensor node (mosquitto_passwd writes hashed ones)");
                }
            }
            catch (FormatException e)
            {
                throw new ConfigException(source, "mqtt.embedded.usersFile", $"{path}: {e.Message}");
            }
            embedded = embedded with { UsersFile = path };
        }
        return embedded;
    }

    /// <summary>The IoT Hub device key: the first line of the file, base64 (the hub's "primary key").</summary>
    public static byte[] DeviceKey(string source, string path)
    {
        var line = Read(source, "iotHub.deviceKeyFile", path).Split('\n')[0].Trim();
        try
        {
            var key = Convert.FromBase64String(line);
            if (key.Length >= 16) return key;
        }
        catch (FormatException)
        {
            // Reported below.
        }
        throw new ConfigException(source, "iotHub.deviceKeyFile", $"{path}: the first line is not a base64 device key (the hub's primary or secondary key, 16 bytes or more)");
    }

    private static string Read(string source, string field, string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            throw new ConfigException(source, field, $"{path} does not exist; put the file there or correct the path");
        }
        catch (DirectoryNotFoundException)
        {
            throw new ConfigException(source, field, $"{path} does not exist (nor does its folder); put the file there or correct the path");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ConfigException(source, field, $"{path} cannot be read by the gateway ({e.Message}); fix its owner or mode");
        }
        catch (IOException e)
        {
            throw new ConfigException(source, field, $"{path} cannot be read: {e.Message}");
        }
    }

    private static void Certificate(string source, string field, string path)
    {
        var text = Read(source, field, path);
        if (!text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
        {
            throw new ConfigException(source, field, $"{path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        try
        {
            using var certificate = X509Certificate2.CreateFromPem(text);
        }
        catch (CryptographicException e)
        {
            throw new ConfigException(source, field, $"{path} holds no readable certificate: {e.Message}");
        }
    }

    private static void KeyPair(string source, string field, string certificatePath, string keyPath)
    {
        var key = Read(source, field, keyPath);
        if (!key.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
        {
            throw new ConfigException(source, field, $"{keyPath} holds no PEM private key");
        }
        if (key.Contains("ENCRYPTED", StringComparison.Ordinal))
        {
            throw new ConfigException(source, field, $"{keyPath} is encrypted; the gateway needs the key unencrypted (keep the file 0600)");
        }
        try
        {
            using var pair = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            // .NET says ArgumentException when the key does not match the certificate.
            throw new ConfigException(source, field, $"{keyPath} is not the private key of {certificatePath}: {e.Message}");
        }
    }
}
