using System.Text.Json;
using System.Text.Json.Serialization;
using AnchorNode.Storage;
using Firmware.Contracts.Calibration;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;

namespace AnchorNode.Configuration;

/// <summary>
/// The node's settings (<c>node.json</c> in the data folder), written by <c>init</c>. A member
/// missing from the file keeps its default: members with a default have setters, because the
/// source-generated reader gives a missing init-only member its type's default (0, null) instead.
/// </summary>
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
    public string Roles { get; set; } = "operator";

    /// <summary>How often the node signs a ledger checkpoint while entries arrive.</summary>
    [JsonPropertyName("checkpointIntervalMs")]
    public int CheckpointIntervalMs { get; set; } = 1000;

    /// <summary>The most proposals committed in one transaction.</summary>
    [JsonPropertyName("maxBatch")]
    public int MaxBatch { get; set; } = 1024;

    /// <summary>How often the node checks the covenants of active pledges (when the ledger grew).</summary>
    [JsonPropertyName("covenantCheckIntervalMs")]
    public int CovenantCheckIntervalMs { get; set; } = 60_000;

    /// <summary>
    /// After how long without a status report or upload a gateway shows as offline on the dashboard
    /// (default 90 s: three of the gateways' default 30 s report intervals).
    /// </summary>
    [JsonPropertyName("gatewayOfflineAfterMs")]
    public int GatewayOfflineAfterMs { get; set; } = 90_000;

    /// <summary>The IANA time zone every time on the operator dashboard is shown in, e.g. <c>Europe/Berlin</c>.</summary>
    [JsonPropertyName("dashboardTimeZone")]
    public string DashboardTimeZone { get; set; } = "UTC";

    /// <summary>
    /// After how long a sensor's latest committed measurement shows as stale on the dashboard
    /// instead of current (default 15 min: readings arrive with the gateway's uploads).
    /// </summary>
    [JsonPropertyName("dashboardStaleAfterMs")]
    public int DashboardStaleAfterMs { get; set; } = 900_000;

    /// <summary>How many days before its due date a sensor's calibration shows as due soon (default 30).</summary>
    [JsonPropertyName("calibrationDueSoonDays")]
    public int CalibrationDueSoonDays { get; set; } = CalibrationStatus.DefaultDueSoonDays;

    /// <summary>
    /// Where consumers reach this node (scheme, host, optional path prefix, e.g.
    /// <c>https://trace.example.com</c>): the base of the GS1 Digital Link URIs in QR codes and on
    /// labels. Null: the first address the node listens on, which is right only when phones reach
    /// the node directly.
    /// </summary>
    [JsonPropertyName("publicBaseUrl")]
    public string? PublicBaseUrl { get; init; }

    /// <summary>The request budget of each client address on the public (consumer) routes.</summary>
    [JsonPropertyName("publicRateLimit")]
    public PublicRateLimit PublicRateLimit { get; set; } = new();

    /// <summary>The IANA time zone the consumer pages show times in, e.g. <c>Asia/Shanghai</c>.</summary>
    [JsonPropertyName("publicTimeZone")]
    public string PublicTimeZone { get; set; } = "UTC";

    /// <summary>
    /// What consumers are told about places, in English and Chinese. A key <c>site</c> names a site
    /// (a site without one is shown by its id); a key <c>site/zone</c> marks that zone public and
    /// names it (zones without one are never shown: zone ids are the operator's business).
    /// </summary>
    [JsonPropertyName("publicPlaces")]
    public IReadOnlyDictionary<string, PublicPlaceName> PublicPlaces { get; set; } = new Dictionary<string, PublicPlaceName>();

    /// <summary>
    /// Addresses of reverse proxies whose X-Forwarded-For the node believes, so that rate limits
    /// apply per phone rather than per proxy. Empty: the connection's address is the client.
    /// </summary>
    [JsonPropertyName("trustedProxies")]
    public IReadOnlyList<string> TrustedProxies { get; set; } = [];

    /// <summary>How the public lot views, proofs and consumer pages are cached.</summary>
    [JsonPropertyName("publicCache")]
    public PublicCacheSettings PublicCache { get; set; } = new();

    /// <summary>
    /// The size of the write-ahead log (<c>node.db-wal</c>) past which it is copied into the database
    /// file in the background (the node every half second, a cosigner's replica after each entry it replays).
    /// </summary>
    [JsonPropertyName("walCheckpointBytes")]
    public long WalCheckpointBytes { get; set; } = WalCheckpointer.DefaultThresholdBytes;

    /// <summary>Webhook and email notifications (covenant breaches to lenders, gateways offline to the operator); none when absent.</summary>
    [JsonPropertyName("notifications")]
    public NotificationSettings? Notifications { get; set; }

    /// <summary>When unacknowledged alarms escalate (needs <see cref="Notifications"/> to notify anyone).</summary>
    [JsonPropertyName("alarms")]
    public AlarmSettings Alarms { get; set; } = new();

    /// <summary>The consortium's etcd cluster, which orders entries for every member node; null: this node orders alone (SQLite).</summary>
    [JsonPropertyName("etcd")]
    public EtcdSettings? Etcd { get; set; }

    /// <summary>
    /// Base URLs of the other member nodes (e.g. <c>http://10.0.0.2:5100</c>), asked in this order for
    /// device leaves this node holds anchors of but not the leaves. Empty: no leaves are pulled.
    /// </summary>
    [JsonPropertyName("peers")]
    public IReadOnlyList<string> Peers { get; set; } = [];

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
        if (GatewayOfflineAfterMs is < 1000 or > 86_400_000)
        {
            return $"gatewayOfflineAfterMs must be between 1000 and 86400000, got {GatewayOfflineAfterMs}";
        }
        if (CalibrationDueSoonDays is < 0 or > 3650)
        {
            return $"calibrationDueSoonDays must be between 0 and 3650, got {CalibrationDueSoonDays}";
        }
        if (CovenantCheckIntervalMs is < 10 or > 3_600_000)
        {
            return $"covenantCheckIntervalMs must be between 10 and 3600000, got {CovenantCheckIntervalMs}";
        }
        if (MaxBatch is < 1 or > 100_000)
        {
            return $"maxBatch must be between 1 and 100000, got {MaxBatch}";
        }
        if (PublicBaseUrl is not null && Firmware.Contracts.Epc.DigitalLink.CheckBaseUri(PublicBaseUrl) is { } baseProblem)
        {
            return $"publicBaseUrl: {baseProblem}";
        }
        var nulls = new (string Name, object? Value)[] { ("publicRateLimit", PublicRateLimit), ("publicCache", PublicCache), ("publicPlaces", PublicPlaces), ("trustedProxies", TrustedProxies), ("alarms", Alarms), ("peers", Peers) };
        if (nulls.FirstOrDefault(n => n.Value is null).Name is { } missing)
        {
            return $"{missing} is null; give a value or leave the member out for its default";
        }
        if (PublicRateLimit.Problem() is { } rateProblem)
        {
            return $"publicRateLimit: {rateProblem}";
        }
        if (Alarms.Problem() is { } alarmProblem)
        {
            return alarmProblem;
        }
        if (PublicCache.Problem() is { } cacheProblem)
        {
            return $"publicCache: {cacheProblem}";
        }
        if (WalCheckpointBytes is < 4096 or > 1L << 30)
        {
            return $"walCheckpointBytes must be between 4096 and 1073741824, got {WalCheckpointBytes}";
        }
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(PublicTimeZone ?? "", out _))
        {
            return $"publicTimeZone '{PublicTimeZone}' is not a time zone this system knows; use an IANA name such as Asia/Shanghai or UTC";
        }
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(DashboardTimeZone ?? "", out _))
        {
            return $"dashboardTimeZone '{DashboardTimeZone}' is not a time zone this system knows; use an IANA name such as Europe/Berlin or UTC";
        }
        if (DashboardStaleAfterMs is < 1000 or > 604_800_000)
        {
            return $"dashboardStaleAfterMs must be between 1000 and 604800000, got {DashboardStaleAfterMs}";
        }
        foreach (var (key, name) in PublicPlaces)
        {
            var parts = key.Split('/');
            if (parts.Length > 2 || !parts.All(LedgerNames.IsValidZone))
            {
                return $"publicPlaces: '{key}' must be a site id or site/zone";
            }
            if (name?.Problem() is { } nameProblem)
            {
                return $"publicPlaces '{key}': {nameProblem}";
            }
        }
        foreach (var proxy in TrustedProxies)
        {
            if (!System.Net.IPAddress.TryParse(proxy, out _))
            {
                return $"trustedProxies: '{proxy}' is not an IP address";
            }
        }
        if (PeersProblem() is { } peersProblem)
        {
            return $"peers: {peersProblem}";
        }
        return Etcd?.Problem() ?? Notifications?.Problem();
    }

    private string? PeersProblem()
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var peer in Peers)
        {
            if (!Uri.TryCreate(peer, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            {
                return $"'{peer}' is not a node's base URL (http:// or https://, host, port, optional path; no query, fragment or user info)";
            }
            if (!seen.Add(uri.AbsoluteUri.TrimEnd('/')))
            {
                return $"'{peer}' is listed twice";
            }
        }
        return null;
    }
}

/// <summary>
/// A token bucket per client address: <see cref="Burst"/> requests at once, refilled at
/// <see cref="RequestsPerMinute"/>. A consumer page is one request (everything is inline), so the
/// defaults leave room for many phones behind one shop's network address.
/// </summary>
public sealed record PublicRateLimit
{
    /// <summary>Sustained requests per minute per client address.</summary>
    [JsonPropertyName("requestsPerMinute")]
    public int RequestsPerMinute { get; set; } = 120;

    /// <summary>Requests a client may make at once before the rate applies.</summary>
    [JsonPropertyName("burst")]
    public int Burst { get; set; } = 60;

    /// <summary>Checks the values; null when usable.</summary>
    public string? Problem() =>
        RequestsPerMinute is < 1 or > 60_000 ? $"requestsPerMinute must be between 1 and 60000, got {RequestsPerMinute}"
        : Burst is < 1 or > 100_000 ? $"burst must be between 1 and 100000, got {Burst}"
        : null;
}

/// <summary>
/// The cache of public answers (lot views, public proofs, consumer pages): each is computed once
/// per ledger checkpoint it is proven against, and kept while it fits in <see cref="MaxBytes"/>
/// (least recently used first out).
/// </summary>
public sealed record PublicCacheSettings
{
    /// <summary>
    /// The most bytes of answers kept (each counted as its serialised size plus a fixed overhead).
    /// 0 turns the cache off: every request computes its answer (for measurements only).
    /// </summary>
    [JsonPropertyName("maxBytes")]
    public long MaxBytes { get; set; } = 64L << 20;

    /// <summary>
    /// How many answers are computed at once; further requests for answers not yet computed wait their
    /// turn, so that a burst of them cannot take every core from the rest of the node.
    /// </summary>
    [JsonPropertyName("concurrentBuilds")]
    public int ConcurrentBuilds { get; set; } = 2;

    /// <summary>Checks the values; null when usable.</summary>
    public string? Problem() =>
        MaxBytes is < 0 or > 1L << 40 ? $"maxBytes must be between 0 (off) and 1099511627776, got {MaxBytes}"
        : ConcurrentBuilds is < 1 or > 256 ? $"concurrentBuilds must be between 1 and 256, got {ConcurrentBuilds}"
        : null;
}

/// <summary>A place's public name in the consumer pages' languages.</summary>
public sealed record PublicPlaceName
{
    /// <summary>The English name.</summary>
    [JsonPropertyName("en")]
    public required string English { get; init; }

    /// <summary>The Chinese name; the English one when absent.</summary>
    [JsonPropertyName("zh")]
    public string? Chinese { get; init; }

    /// <summary>Checks the values; null when usable.</summary>
    public string? Problem() =>
        IsName(English) && (Chinese is null || IsName(Chinese)) ? null : "names are 1-100 characters without control characters";

    private static bool IsName(string? text) => text is { Length: > 0 and <= 100 } && !text.Any(char.IsControl) && text.Trim() == text;
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
            throw new InvalidDataException($"{Path} is not an initialised data folder (no node.json); run '{EdgeTrace.CommandLine.Programs.Node} init --data {Path} ...' first");
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
