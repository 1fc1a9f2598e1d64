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

/// <summary>How a peer's <c>GET /v1/ledger/entries</c> is read (the client carries the API key the peer issued).</summary>
public static class LedgerPeerEntries
{
    /// <summary>Up to <paramref name="count"/> entries from <paramref name="from"/> on, as the peer at <paramref name="client"/>'s base address serves them.</summary>
    public static async Task<IReadOnlyList<(long Index, byte[] Bytes)>> ReadAsync(HttpClient client, long from, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
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
