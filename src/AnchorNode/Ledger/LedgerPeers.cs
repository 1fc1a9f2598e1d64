using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace AnchorNode.Ledger;

/// <summary>Another member's node, asked for ledger entries this node lacks.</summary>
public interface ILedgerPeer
{
    /// <summary>What to call it in logs (its base URL).</summary>
    string Name { get; }

    /// <summary>Up to <paramref name="count"/> entries from index <paramref name="from"/> on, in order.</summary>
    Task<IReadOnlyList<(long Index, byte[] Bytes)>> EntriesAsync(long from, int count, CancellationToken cancellationToken);
}

/// <summary>A member node reached over HTTP: <c>GET /v1/ledger/entries</c> (the client carries the API key the peer issued).</summary>
public sealed class HttpLedgerPeer(HttpClient client) : ILedgerPeer
{
    /// <inheritdoc/>
    public string Name => client.BaseAddress?.ToString() ?? "?";

    /// <inheritdoc/>
    public async Task<IReadOnlyList<(long Index, byte[] Bytes)>> EntriesAsync(long from, int count, CancellationToken cancellationToken)
    {
        var page = await client.GetFromJsonAsync(new Uri($"v1/ledger/entries?from={from}&count={count}", UriKind.Relative), PeerJsonContext.Default.PeerEntries, cancellationToken).ConfigureAwait(false);
        return page?.Entries is { } entries ? entries.Select(e => (e.Index, Convert.FromBase64String(e.Entry))).ToList() : [];
    }
}

/// <summary>The part of <c>GET /v1/ledger/entries</c> a peer reads.</summary>
internal sealed record PeerEntries([property: JsonPropertyName("entries")] IReadOnlyList<PeerEntry>? Entries);

/// <summary>One entry of <see cref="PeerEntries"/>.</summary>
internal sealed record PeerEntry([property: JsonPropertyName("index")] long Index, [property: JsonPropertyName("entry")] string Entry);

[JsonSerializable(typeof(PeerEntries))]
internal sealed partial class PeerJsonContext : JsonSerializerContext;
