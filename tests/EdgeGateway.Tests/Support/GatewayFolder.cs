using EdgeGateway.Cli;
using EdgeGateway.Configuration;
using EdgeGateway.Keys;
using EdgeGateway.Log;
using EdgeGateway.Storage;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;

namespace EdgeGateway.Tests.Support;

/// <summary>A data folder made by the real <c>init</c>, with what init printed.</summary>
public sealed class GatewayFolder : IDisposable
{
    private readonly TempFolder? _temp;

    private GatewayFolder(TempFolder? temp, string path, IReadOnlyDictionary<string, string> printed)
    {
        _temp = temp;
        Path = path;
        Printed = printed;
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, string> Printed { get; }

    public string DeviceId => Printed["device-id"];

    public string PublicKeyBase64 => Printed["public-key"];

    public string KeyPath => System.IO.Path.Combine(Path, DeviceKeyFile.FileName);

    public string ConfigPath => System.IO.Path.Combine(Path, GatewayConfig.FileName);

    public string DatabasePath => GatewayDatabase.PathIn(Path);

    /// <summary>Runs SQL on the database behind the gateway's back, as damage or an injected fault would; returns the rows changed.</summary>
    public int Sql(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return command.ExecuteNonQuery();
    }

    /// <summary>
    /// Runs <c>init</c> on a new folder: under a temp folder removed afterwards, or under
    /// <paramref name="parent"/> (e.g. a small file system the test mounted), left to its owner.
    /// </summary>
    public static async Task<GatewayFolder> CreateAsync(string deviceId = "gw-test", string? node = null, string? parent = null)
    {
        var temp = parent is null ? new TempFolder() : null;
        var path = temp?.File("data") ?? System.IO.Path.Combine(parent!, "data");
        var output = new StringWriter();
        var error = new StringWriter();
        var args = new List<string> { "init", "--data", path, "--device-id", deviceId };
        if (node is not null)
        {
            args.AddRange(["--node", node]);
        }
        var exit = await GatewayCommandLine.RunAsync([.. args], output, error);
        if (exit != 0)
        {
            temp?.Dispose();
            throw new InvalidOperationException($"init failed ({exit}): {error}");
        }
        var printed = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(": ", 2))
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        return new GatewayFolder(temp, path, printed);
    }

    public void WriteConfig(string json) => File.WriteAllText(ConfigPath, json);

    public GatewayConfig Config() => GatewayConfigReader.Load(ConfigPath);

    public EcdsaNoteSigner LoadSigner() => DeviceKeyFile.Load(KeyPath, DeviceId);

    public NoteVerifierKey VerifierKey() => NoteVerifierKey.FromSpki(DeviceLogs.Origin(DeviceId), Convert.FromBase64String(PublicKeyBase64));

    public DeviceLog OpenLog(INoteSigner signer, ISaltSource? salts = null) =>
        DeviceLog.Open(DatabasePath, DeviceId, signer, salts ?? new CountingSaltSource());

    public void Dispose() => _temp?.Dispose();
}
