using System.CommandLine;
using System.Security.Cryptography;
using EdgeGateway.Configuration;
using EdgeGateway.Daemon;
using EdgeGateway.Keys;
using EdgeGateway.Storage;
using Firmware.Contracts.Notes;

namespace EdgeGateway.Cli;

/// <summary>
/// <c>init --data DIR [--device-id ID] [--node URL]</c>: creates the device key (0600), a documented
/// gateway.json and the empty database, and prints what the node needs to enrol the device:
/// <code>
/// device-id: gw-1a2b3c4d
/// key-name: edgetrace/device/gw-1a2b3c4d
/// key-id: 1a2b3c4d
/// public-key: MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…
/// </code>
/// </summary>
internal static class InitCommand
{
    public static Command Create(TextWriter output)
    {
        var data = GatewayCommandLine.DataOption();
        var deviceId = new Option<string?>("--device-id") { Description = "The device id (default: gw- and the key ID)" };
        var node = new Option<string?>("--node") { Description = "The anchor node's base URL (http or https); can be set later in gateway.json" };
        var command = new Command("init", "Create a data folder: device key, gateway.json and database. Prints the device id, key ID and public key to enrol.")
        {
            data, deviceId, node,
        };
        command.SetAction(parse => Run(parse.GetValue(data)!, parse.GetValue(deviceId), parse.GetValue(node), output));
        return command;
    }

    private static int Run(string dataDirectory, string? deviceId, string? nodeText, TextWriter output)
    {
        if (deviceId is not null && GatewayConfigReader.DeviceIdProblem(deviceId) is { } idProblem)
        {
            throw new UsageException($"--device-id {idProblem}");
        }
        Uri? nodeUrl = null;
        if (nodeText is not null && GatewayConfigReader.NodeUrlProblem(nodeText, out nodeUrl) is { } urlProblem)
        {
            throw new UsageException($"--node {urlProblem}");
        }

        var directory = Path.GetFullPath(dataDirectory);
        var keyPath = Path.Combine(directory, DeviceKeyFile.FileName);
        var configPath = Path.Combine(directory, GatewayConfig.FileName);
        var databasePath = GatewayDatabase.PathIn(directory);
        foreach (var existing in new[] { keyPath, configPath, databasePath }.Where(File.Exists))
        {
            throw new UsageException(
                $"--data: {existing} already exists; this folder is initialised. A new key would be a new device: use an empty folder (and a new --device-id) instead");
        }
        if (!Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var keyId = NoteKeys.KeyIdOf(key.ExportSubjectPublicKeyInfo());
        var id = deviceId ?? $"gw-{keyId:x8}";
        var created = new List<string>();
        try
        {
            using var signer = DeviceKeyFile.Create(keyPath, id, key);
            created.Add(keyPath);
            WriteDurably(configPath, ConfigTemplate.Render(id, nodeUrl));
            created.Add(configPath);
            GatewayDatabase.Create(databasePath, id, TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds());
            created.Add(databasePath);

            output.WriteLine($"device-id: {id}");
            output.WriteLine($"key-name: {signer.KeyName}");
            output.WriteLine($"key-id: {signer.KeyId:x8}");
            output.WriteLine($"public-key: {Convert.ToBase64String(signer.PublicKey.Span)}");
            return ExitCodes.Ok;
        }
        catch
        {
            // Half a data folder is worse than none: the next init would refuse it.
            foreach (var path in created)
            {
                File.Delete(path);
            }
            throw;
        }
    }

    private static void WriteDurably(string path, string text)
    {
        using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        DirectorySync.Sync(Path.GetDirectoryName(path)!);
    }
}
