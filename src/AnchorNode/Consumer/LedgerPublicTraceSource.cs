using AnchorNode.Configuration;
using AnchorNode.Inventory;
using Firmware.Contracts.Epc;

namespace AnchorNode.Consumer;

/// <summary>
/// The consumer pages' facts from this node's ledger: the public lot views (<see cref="PublicLots"/>,
/// computed from each lot's verified public bundle) with the place names of <c>publicPlaces</c>.
/// An unknown code and a code whose lot no checkpoint covers yet both give null.
/// </summary>
public sealed class LedgerPublicTraceSource : IPublicTraceSource
{
    private readonly PublicLots _lots;
    private readonly NodeConfig _config;

    /// <summary>Facts from <paramref name="lots"/>, names from <paramref name="config"/>.</summary>
    public LedgerPublicTraceSource(PublicLots lots, NodeConfig config)
    {
        _lots = lots;
        _config = config;
    }

    /// <inheritdoc/>
    public ValueTask<PublicProduct?> FindProductAsync(Gtin gtin, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_lots.Find(gtin.Value).FirstOrDefault() is { } view ? new PublicProduct(gtin, view.Product, view.Specification) : null);

    /// <inheritdoc/>
    public ValueTask<PublicTrace?> FindTraceAsync(DigitalLink link, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Find(link) is { } view ? Trace(link, view) : null);

    /// <inheritdoc/>
    /// <remarks>The proof is always against the best checkpoint available now, which covers what any earlier page showed.</remarks>
    public ValueTask<PublicProofFile?> ExportProofAsync(DigitalLink link, long? atSize, CancellationToken cancellationToken)
    {
        if (Find(link) is not { } view || _lots.ProofBundle(view.Receipt) is not { Succeeded: true } exported)
        {
            return ValueTask.FromResult<PublicProofFile?>(null);
        }
        using var json = new MemoryStream();
        exported.Value.Bundle.WriteTo(json);
        return ValueTask.FromResult<PublicProofFile?>(new PublicProofFile($"{view.Gtin}-{view.Batch}.proof.json", json.ToArray()));
    }

    private PublicLotView? Find(DigitalLink link) =>
        link.Lot is null ? null : _lots.Find(link.Gtin.Value, link.Lot, link.Serial).FirstOrDefault();

    private PublicTrace Trace(DigitalLink link, PublicLotView view)
    {
        var chain = view.ColdChain;
        var band = view.Bands.FirstOrDefault(b => b.Quantity == "temperature") ?? view.Bands.FirstOrDefault();
        var monitored = view.Proof.Readings > 0;
        var journey = view.Journey.Select(stop =>
        {
            var site = stop.Site ?? view.Site;
            // The last stop is open while the goods are still there (it ends at the newest reading).
            DateTimeOffset? to = stop.ToMs >= chain.ToMs ? null : DateTimeOffset.FromUnixTimeMilliseconds(stop.ToMs);
            return new JourneyStop(Place(site) ?? PlaceName.Invariant(site), Place($"{site}/{stop.Zone}"), DateTimeOffset.FromUnixTimeMilliseconds(stop.FromMs), to);
        }).ToList();
        return new PublicTrace
        {
            Link = link,
            ProductName = view.Product,
            ProductDetail = view.Specification,
            Journey = journey,
            ColdChain = new ColdChainStatus
            {
                State = !monitored ? ColdChainState.NotMonitored : chain.Held ? ColdChainState.Held : ColdChainState.Excursion,
                MinCelsius = (double)(band?.Min ?? 0),
                MaxCelsius = (double)(band?.Max ?? 0),
                MonitoredFrom = monitored ? DateTimeOffset.FromUnixTimeMilliseconds(chain.FromMs) : null,
                MonitoredTo = monitored ? DateTimeOffset.FromUnixTimeMilliseconds(chain.ToMs) : null,
                Excursions = chain.Excursions.Where(e => e.Quantity == "temperature")
                    .Select(e => new PublicExcursion(DateTimeOffset.FromUnixTimeMilliseconds(e.StartMs), DateTimeOffset.FromUnixTimeMilliseconds(e.EndMs), e.Peak, e.Side == "above"))
                    .ToList(),
            },
            Proof = view.Proof.Signatures > 0
                ? new ProofSummary(view.Proof.LedgerSize, DateTimeOffset.FromUnixTimeMilliseconds(view.Proof.CheckpointTimeMs ?? 0), view.Proof.Signatures)
                : null,
        };
    }

    private PlaceName? Place(string key) =>
        _config.PublicPlaces.TryGetValue(key, out var name) ? new PlaceName(name.English, name.Chinese ?? name.English) : null;
}
