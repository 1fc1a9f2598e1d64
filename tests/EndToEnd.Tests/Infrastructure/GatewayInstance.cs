using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGateway.Storage;
using Microsoft.Data.Sqlite;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>A gateway data folder made by the real <c>EdgeGateway init</c>, its configuration edited as an operator would.</summary>
public sealed class GatewayInstance
{
    private GatewayInstance(string folder, string deviceId, string publicKey)
    {
        Folder = folder;
        DeviceId = deviceId;
        PublicKey = publicKey;
    }

    public string Folder { get; }

    public string DeviceId { get; }

    /// <summary>The device key's public half, as <c>init</c> printed it for enrolment.</summary>
    public string PublicKey { get; }

    public string ConfigPath => Path.Combine(Folder, "gateway.json");

    public string DatabasePath => GatewayDatabase.PathIn(Folder);

    /// <summary>Runs <c>init</c> pointed at <paramref name="node"/>.</summary>
    public static async Task<GatewayInstance> InitAsync(string folder, string deviceId, Uri node)
    {
        var init = (await Programs.RunAsync(Programs.EdgeGateway, "init", "--data", folder, "--device-id", deviceId, "--node", node.AbsoluteUri)).Succeeded();
        Assert.Equal(deviceId, init.Field("device-id"));
        return new GatewayInstance(folder, deviceId, init.Field("public-key"));
    }

    /// <summary>Edits gateway.json: the file <c>init</c> wrote (comments and all), changed by <paramref name="change"/>.</summary>
    public void Configure(Action<JsonObject> change)
    {
        var config = JsonNode.Parse(File.ReadAllText(ConfigPath), null,
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!.AsObject();
        // No board sensors here; faster retries than a board needs, so the tests wait less.
        config["sensors"]!["sysfsRoot"] = Path.Combine(Folder, "no-sysfs");
        config["uplink"] = new JsonObject { ["retryInitialSeconds"] = 0.05, ["retryMaxSeconds"] = 0.5, ["slowRetrySeconds"] = 0.5 };
        change(config);
        File.WriteAllText(ConfigPath, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>
    /// <c>run --simulate SEED --history HISTORY --speed SPEED</c>: a simulated history that ends now,
    /// replayed at SPEED, so that no reading is dated after the node receives it (the node refuses those).
    /// </summary>
    public ChildProcess RunSimulated(int seed, double speed, string history = "2d") =>
        ChildProcess.Start(Programs.EdgeGateway, "run", "--data", Folder, "--simulate", seed.ToString(CultureInfo.InvariantCulture),
            "--history", history, "--speed", speed.ToString(CultureInfo.InvariantCulture));

    /// <summary>The stored leaf bytes by sequence (read-only connection; the gateway may be running).</summary>
    public Dictionary<long, byte[]> StoredLeaves()
    {
        using var connection = GatewayDatabase.OpenReadOnly(DatabasePath);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, bytes FROM leaves ORDER BY seq;";
        using var reader = command.ExecuteReader();
        var leaves = new Dictionary<long, byte[]>();
        while (reader.Read())
        {
            leaves[reader.GetInt64(0)] = reader.GetFieldValue<byte[]>(1);
        }
        SqliteConnection.ClearAllPools();
        return leaves;
    }

    /// <summary>The size of the last <c>event=committed</c> acknowledgement the gateway printed.</summary>
    public static long AcknowledgedSize(ChildProcess gateway) =>
        gateway.Stdout.Where(l => l.Contains(" event=committed ", StringComparison.Ordinal))
            .Select(l => LogField(l, "size"))
            .DefaultIfEmpty(0)
            .Max();

    /// <summary>What the node acknowledged to the gateway: each <c>event=uploaded</c> line's committed size and anchor index.</summary>
    public static IReadOnlyList<(long Size, long LedgerIndex)> Uploads(ChildProcess gateway) =>
        gateway.Stdout.Where(l => l.Contains(" event=uploaded ", StringComparison.Ordinal))
            .Select(l => (LogField(l, "committed_size"), LogField(l, "ledger_index")))
            .ToList();

    // A numeric key=value field of a logfmt line.
    private static long LogField(string line, string key) =>
        long.Parse(line.Split(' ').First(f => f.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..], CultureInfo.InvariantCulture);
}
