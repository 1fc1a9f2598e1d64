using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Firmware.Contracts;

namespace AnchorNode.Devices;

/// <summary>Another member node that may hold device leaves this node lacks.</summary>
public interface ILeafPeer
{
    /// <summary>How the peer is named in logs and the replication status (its base URL).</summary>
    string Name { get; }

    /// <summary>
    /// Up to <paramref name="count"/> stored leaves of <paramref name="deviceId"/> from sequence
    /// <paramref name="from"/> on, as raw bytes; fewer when the peer holds fewer.
    /// </summary>
    Task<Result<IReadOnlyList<byte[]>>> LeavesAsync(string deviceId, long from, int count, CancellationToken cancellationToken);
}

/// <summary>A page of a device's stored leaves as a node serves them to its peers (<c>GET /v1/devices/{id}/leaves</c>).</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="From">The sequence of the first leaf.</param>
/// <param name="Held">How many leaves of the device the serving node holds.</param>
/// <param name="Leaves">The leaves, base64, sequences <paramref name="From"/>, <paramref name="From"/>+1, …</param>
public sealed record LeafPage(
    [property: JsonPropertyName("deviceId")] string DeviceId,
    [property: JsonPropertyName("from")] long From,
    [property: JsonPropertyName("held")] long Held,
    [property: JsonPropertyName("leaves")] IReadOnlyList<string> Leaves)
{
    /// <summary>The most leaves in one page.</summary>
    public const int MaxLeaves = 4096;
}

/// <summary>A device this node holds fewer leaves of than its anchors cover.</summary>
public sealed record DeviceLag(
    [property: JsonPropertyName("deviceId")] string DeviceId,
    [property: JsonPropertyName("held")] long Held,
    [property: JsonPropertyName("anchored")] long Anchored);

/// <summary>How far this node's copies of device logs lag behind the ledger's anchors (<c>GET /v1/node/replication</c>).</summary>
public sealed record ReplicationStatus(
    [property: JsonPropertyName("peers")] IReadOnlyList<string> Peers,
    [property: JsonPropertyName("devicesBehind")] int DevicesBehind,
    [property: JsonPropertyName("leavesMissing")] long LeavesMissing,
    [property: JsonPropertyName("leavesPulled")] long LeavesPulled,
    [property: JsonPropertyName("lastRun")] DateTimeOffset? LastRun,
    [property: JsonPropertyName("lastError")] string? LastError,
    [property: JsonPropertyName("devices")] IReadOnlyList<DeviceLag> Devices);

/// <summary>The replication documents' JSON.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(LeafPage))]
[JsonSerializable(typeof(ReplicationStatus))]
public sealed partial class ReplicationJsonContext : JsonSerializerContext;

/// <summary>
/// A member node reached over HTTP: <c>GET /v1/devices/{id}/leaves</c> with an API key the peer
/// issued to this member (any role), sent as <c>Authorization: Bearer</c>.
/// </summary>
public sealed class HttpLeafPeer : ILeafPeer, AnchorNode.Ledger.ILedgerPeer, IDisposable
{
    /// <summary>
    /// The environment variable holding the API keys this node presents to its peers: one key for
    /// every peer, or one per peer (comma-separated, in the order of node.json's <c>peers</c>).
    /// </summary>
    public const string ApiKeyVariable = "EDGETRACE_PEER_API_KEY";

    private readonly HttpClient _client;
    private readonly bool _owned;

    /// <summary>A peer reached with <paramref name="client"/> (base address set, and the API key in its default headers).</summary>
    public HttpLeafPeer(HttpClient client, bool ownsClient = false)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _owned = ownsClient;
        Name = client.BaseAddress?.ToString() ?? "?";
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <summary>
    /// Peers for the base URLs of node.json's <c>peers</c>, asked with <paramref name="apiKeys"/> (see
    /// <see cref="ApiKeyVariable"/>; no key when null or empty).
    /// </summary>
    /// <exception cref="InvalidDataException">When there are several keys, but not one per peer.</exception>
    public static IReadOnlyList<HttpLeafPeer> For(IReadOnlyList<string> baseUrls, string? apiKeys)
    {
        ArgumentNullException.ThrowIfNull(baseUrls);
        if (baseUrls.Count == 0)
        {
            return [];
        }
        var keys = (apiKeys ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (keys.Length > 1 && keys.Length != baseUrls.Count)
        {
            throw new InvalidDataException($"{ApiKeyVariable} holds {keys.Length} API keys for {baseUrls.Count} peers: give one key for every peer, or one per peer in the order of 'peers' in node.json");
        }
        return baseUrls.Select((url, i) =>
        {
            var client = new HttpClient { BaseAddress = new Uri(url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(30) };
            if (keys.Length > 0)
            {
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", keys[keys.Length == 1 ? 0 : i]);
            }
            return new HttpLeafPeer(client, ownsClient: true);
        }).ToList();
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<(long Index, byte[] Bytes)>> EntriesAsync(long from, int count, CancellationToken cancellationToken) =>
        AnchorNode.Ledger.LedgerPeerEntries.ReadAsync(_client, from, count, cancellationToken);

    /// <inheritdoc/>
    public async Task<Result<IReadOnlyList<byte[]>>> LeavesAsync(string deviceId, long from, int count, CancellationToken cancellationToken)
    {
        var path = $"v1/devices/{Uri.EscapeDataString(deviceId)}/leaves?from={from}&count={count}";
        try
        {
            using var response = await _client.GetAsync(new Uri(path, UriKind.Relative), cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return Result<IReadOnlyList<byte[]>>.Ok([]);
            }
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                return Result<IReadOnlyList<byte[]>>.Fail("peer-refused", $"{Name} answered {(int)response.StatusCode} to {path}: {body[..Math.Min(body.Length, 300)]}");
            }
            var page = await response.Content.ReadFromJsonAsync(ReplicationJsonContext.Default.LeafPage, cancellationToken).ConfigureAwait(false);
            if (page is null || page.DeviceId != deviceId || page.From != from || page.Leaves is null || page.Leaves.Count > count || page.Leaves.Any(l => l is null))
            {
                return Result<IReadOnlyList<byte[]>>.Fail("peer-refused", $"{Name} answered {path} with a page that is not the one asked for");
            }
            return page.Leaves.Select(Convert.FromBase64String).ToList();
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or FormatException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return Result<IReadOnlyList<byte[]>>.Fail("peer-unreachable", $"{Name}: {e.Message}");
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_owned)
        {
            _client.Dispose();
        }
    }
}
