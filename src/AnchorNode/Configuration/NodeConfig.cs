using System.Text.Json;
using System.Text.Json.Serialization;
using AnchorNode.Storage;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;

namespace AnchorNode.Configuration;

/// <summary>The node's settings (<c>node.json</c> in the data folder), written by <c>init</c>.</summary>
public sealed record NodeConfig
{
    /// <summary>The consortium id; the ledger origin is <c>edgetrace/ledger/&lt;consortium&gt;</c>.</summary>
    [JsonPropertyName("consortium")]
    public required string Consortium { get; init; }

    /// <summary>This node's member name, also its key name in signature lines.</summary>
    [JsonPropertyName("member")]
    public required string Member { get; init; }

    /// <summary>The roles this member claims for itself in a genesis it founds.</summary>
    [JsonPropertyName("roles")]
    public string Roles { get; init; } = "operator";

    /// <summary>How often the node signs a ledger checkpoint while entries arrive.</summary>
    [JsonPropertyName("checkpointIntervalMs")]
    public int CheckpointIntervalMs { get; init; } = 1000;

    /// <summary>The most proposals committed in one transaction.</summary>
    [JsonPropertyName("maxBatch")]
    public int MaxBatch { get; init; } = 1024;

    /// <summary>How often the node checks the covenants of active pledges (when the ledger grew).</summary>
    [JsonPropertyName("covenantCheckIntervalMs")]
    public int CovenantCheckIntervalMs { get; init; } = 60_000;

    /// <summary>The ledger's checkpoint origin.</summary>
    [JsonIgnore]
    public string Origin => LedgerNames.Origin(Consortium);

    /// <summary>Checks the values; null when they are usable.</summary>
    public string? Problem()
    {
        if (!LedgerNames.IsValidConsortium(Consortium))
        {
            return $"consortium '{Consortium}' must be 1-64 of a-z 0-9 . _ - starting with a letter or digit";
        }
        if (!LedgerNames.IsValidMemberName(Member))
        {
            return $"member name '{Member}' must be 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit";
        }
        if (!MemberRoleNames.TryParse(Roles, out _))
        {
            return $"roles '{Roles}' must be a comma-separated list of operator, lender, auditor (in that order) or 'none'";
        }
        if (CheckpointIntervalMs is < 10 or > 3_600_000)
        {
            return $"checkpointIntervalMs must be between 10 and 3600000, got {CheckpointIntervalMs}";
        }
        if (CovenantCheckIntervalMs is < 10 or > 3_600_000)
        {
            return $"covenantCheckIntervalMs must be between 10 and 3600000, got {CovenantCheckIntervalMs}";
        }
        if (MaxBatch is < 1 or > 100_000)
        {
            return $"maxBatch must be between 1 and 100000, got {MaxBatch}";
        }
        return null;
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(NodeConfig))]
internal sealed partial class NodeConfigJsonContext : JsonSerializerContext;

/// <summary>
/// The data folder: <c>node.json</c>, the member key <c>member.key</c> (PKCS#8 PEM, mode 0600),
/// the database <c>node.db</c> (WAL), and <c>checkpoint-guard</c>, the last ledger checkpoint this
/// key signed, which the node checks before signing another.
/// </summary>
public sealed class DataFolder
{
    /// <summary>The folder at <paramref name="path"/>.</summary>
    public DataFolder(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary>The settings file.</summary>
    public string ConfigFile => System.IO.Path.Combine(Path, "node.json");

    /// <summary>The member's private key.</summary>
    public string KeyFile => System.IO.Path.Combine(Path, "member.key");

    /// <summary>The database.</summary>
    public string DatabaseFile => System.IO.Path.Combine(Path, "node.db");

    /// <summary>The ASP.NET Core data-protection key ring (report links).</summary>
    public string DataProtectionDirectory => System.IO.Path.Combine(Path, "data-protection");

    /// <summary>The signing guard.</summary>
    public string GuardFile => System.IO.Path.Combine(Path, "checkpoint-guard");

    /// <summary>True when <c>init</c> ran here.</summary>
    public bool IsInitialised => File.Exists(ConfigFile) && File.Exists(KeyFile);

    /// <summary>
    /// Creates the folder's files: a new P-256 member key (mode 0600), <c>node.json</c> and the
    /// database. Returns the key.
    /// </summary>
    /// <exception cref="InvalidOperationException">When the folder is initialised already.</exception>
    public EcdsaNoteSigner Initialise(NodeConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (File.Exists(ConfigFile) || File.Exists(KeyFile))
        {
            throw new InvalidOperationException($"{Path} is initialised already; a member key is never replaced");
        }
        Directory.CreateDirectory(Path);
        var signer = EcdsaNoteSigner.Generate(config.Member);
        WriteKey(signer.ExportPkcs8Pem());
        WriteConfig(config);
        new NodeDatabase(DatabaseFile).EnsureCreated();
        return signer;
    }

    /// <summary>Reads <c>node.json</c>.</summary>
    /// <exception cref="InvalidDataException">When it is missing or invalid; the message says what to do.</exception>
    public NodeConfig ReadConfig()
    {
        if (!File.Exists(ConfigFile))
        {
            throw new InvalidDataException($"{Path} is not an initialised data folder (no node.json); run 'AnchorNode init --data {Path} ...' first");
        }
        NodeConfig? config;
        try
        {
            config = JsonSerializer.Deserialize(File.ReadAllBytes(ConfigFile), NodeConfigJsonContext.Default.NodeConfig);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{ConfigFile} is not valid: {e.Message}", e);
        }
        if (config is null || config.Problem() is { } problem)
        {
            throw new InvalidDataException($"{ConfigFile}: {config?.Problem() ?? "empty"}");
        }
        return config;
    }

    /// <summary>Writes <c>node.json</c>.</summary>
    public void WriteConfig(NodeConfig config) =>
        File.WriteAllBytes(ConfigFile, JsonSerializer.SerializeToUtf8Bytes(config, NodeConfigJsonContext.Default.NodeConfig));

    /// <summary>Writes the private key readable by the owner only (0600), refusing to replace one.</summary>
    public void WriteKey(string pem)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var stream = new FileStream(KeyFile, options);
        using var writer = new StreamWriter(stream);
        writer.Write(pem);
    }

    /// <summary>Reads the private key.</summary>
    public string ReadKey()
    {
        if (!File.Exists(KeyFile))
        {
            throw new InvalidDataException($"{KeyFile} is missing; this data folder has no member key");
        }
        return File.ReadAllText(KeyFile);
    }
}
