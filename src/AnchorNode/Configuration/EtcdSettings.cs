using System.Text.Json.Serialization;

namespace AnchorNode.Configuration;

/// <summary>
/// The consortium's ordering service (<c>etcd</c> in <c>node.json</c>): when present, entries are
/// ordered by an etcd cluster the members run together instead of by this node alone, and every
/// member node applies that order into its own store (docs/consortium.md, docs/spec-ledger.md §6).
/// </summary>
public sealed record EtcdSettings
{
    /// <summary>The etcd members' client URLs (<c>http://host:2379</c> or <c>https://…</c>); the client moves between them.</summary>
    [JsonPropertyName("endpoints")]
    public string[] Endpoints { get; set; } = [];

    /// <summary>The key prefix of this consortium's ledger in etcd; default <c>edgetrace/&lt;consortium&gt;/</c>.</summary>
    [JsonPropertyName("prefix")]
    public string? Prefix { get; set; }

    /// <summary>PEM file of the CA that signed the etcd members' server certificates (https endpoints).</summary>
    [JsonPropertyName("caFile")]
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate this node presents to etcd (with <see cref="KeyFile"/>), when etcd asks for one.</summary>
    [JsonPropertyName("certFile")]
    public string? CertFile { get; set; }

    /// <summary>PEM private key of <see cref="CertFile"/>.</summary>
    [JsonPropertyName("keyFile")]
    public string? KeyFile { get; set; }

    /// <summary>How long one call to etcd may take before the node tries again or gives up (ms).</summary>
    [JsonPropertyName("timeoutMs")]
    public int TimeoutMs { get; set; } = 5_000;

    /// <summary>How long an append keeps trying while etcd has no quorum before it answers 503 (ms).</summary>
    [JsonPropertyName("appendTimeoutMs")]
    public int AppendTimeoutMs { get; set; } = 30_000;

    /// <summary>How often the node looks for entries other members appended, when it has no reason to look sooner (ms).</summary>
    [JsonPropertyName("pollIntervalMs")]
    public int PollIntervalMs { get; set; } = 50;

    /// <summary>
    /// How many of the latest entries etcd keeps at least; older ones, up to a checkpoint a quorum of
    /// members signed, are deleted from etcd (every node keeps them in its own store, and a node that
    /// falls further behind copies them from a peer). 0, the default: never delete.
    /// </summary>
    [JsonPropertyName("keepEntries")]
    public long KeepEntries { get; set; }

    /// <summary>The prefix in force for <paramref name="consortium"/>.</summary>
    public string PrefixFor(string consortium) => Prefix ?? $"edgetrace/{consortium}/";

    /// <summary>Checks the values; null when usable. Messages name the member of node.json.</summary>
    public string? Problem()
    {
        if (Endpoints is null || Endpoints.Length == 0)
        {
            return "etcd.endpoints must list at least one etcd client URL, e.g. [\"http://127.0.0.1:2379\"]";
        }
        var https = 0;
        foreach (var endpoint in Endpoints)
        {
            if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/" || uri.Query.Length > 0)
            {
                return $"etcd.endpoints: '{endpoint}' is not an etcd client URL (http://host:port or https://host:port)";
            }
            https += uri.Scheme == "https" ? 1 : 0;
        }
        if (https != 0 && https != Endpoints.Length)
        {
            return "etcd.endpoints mixes http and https URLs; use one scheme for all members";
        }
        if (Endpoints.Distinct(StringComparer.OrdinalIgnoreCase).Count() != Endpoints.Length)
        {
            return "etcd.endpoints lists a URL twice";
        }
        if (Prefix is { } prefix && (prefix.Length == 0 || !prefix.EndsWith('/') || prefix.Any(char.IsControl)))
        {
            return $"etcd.prefix must be non-empty text ending in '/', got '{prefix}'";
        }
        if ((CertFile is null) != (KeyFile is null))
        {
            return "etcd.certFile and etcd.keyFile go together: give both or neither";
        }
        if ((CaFile ?? CertFile) is not null && https == 0)
        {
            return "etcd.caFile, certFile and keyFile need https endpoints";
        }
        return TimeoutMs is < 100 or > 600_000 ? $"etcd.timeoutMs must be between 100 and 600000, got {TimeoutMs}"
            : AppendTimeoutMs is < 100 or > 3_600_000 ? $"etcd.appendTimeoutMs must be between 100 and 3600000, got {AppendTimeoutMs}"
            : PollIntervalMs is < 5 or > 60_000 ? $"etcd.pollIntervalMs must be between 5 and 60000, got {PollIntervalMs}"
            : KeepEntries < 0 ? $"etcd.keepEntries must be 0 (never delete) or more, got {KeepEntries}"
            : null;
    }
}
