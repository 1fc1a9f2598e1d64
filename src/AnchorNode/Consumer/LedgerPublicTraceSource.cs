using AnchorNode.Configuration;
using AnchorNode.Inventory;
using Firmware.Contracts.Epc;
using InventoryExcursion = AnchorNode.Inventory.PublicExcursion;

namespace AnchorNode.Consumer;

/// <summary>
/// Consumer facts from the ledger: the public view of the lots (<see cref="PublicLots"/>, computed
/// from each lot's verified public bundle), with place names from <c>publicPlaces</c> in node.json.
/// Sites are shown by their public name (or id); a zone only when node.json names it, since zone
/// ids are the operator's business.
/// </summary>
public sealed class LedgerPublicTraceSource : IPublicTraceSource
{
    private const string Temperature = "temperature";
    private readonly PublicLots _lots;
    private readonly IReadOnlyDictionary<string, PublicPlaceName> _places;

    /// <summary>Facts from the ledger's public lots, named as <paramref name="config"/> says.</summary>
    public LedgerPublicTraceSource(PublicLots lots, NodeConfig config)
    {
        ArgumentNullException.ThrowIfNull(lots);
        ArgumentNullException.ThrowIfNull(config);
        _lots = lots;
        _places = config.PublicPlaces ?? new Dictionary<string, PublicPlaceName>();
    }

    /// <inheritdoc />
    public async ValueTask<PublicProduct?> FindProductAsync(Gtin gtin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gtin);
        var lot = (await _lots.NewestAsync(gtin.Value, null, null, cancellationToken))?.View;
        return lot is null ? null : new PublicProduct(gtin, lot.Product, lot.Specification);
    }

    /// <inheritdoc />
    public async ValueTask<PublicTrace?> FindTraceAsync(DigitalLink link, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(link);
        var lot = await FindAsync(link, cancellationToken);
        return lot is null ? null : Trace(link, lot.View);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The proof is the lot's public evidence bundle at the newest checkpoint, which is at least
    /// <paramref name="atSize"/>: a newer checkpoint proves everything an older one did, and
    /// <c>Verifier bundle</c> checks it offline against the consortium's keys.
    /// </remarks>
    public async ValueTask<PublicProofFile?> ExportProofAsync(DigitalLink link, long? atSize, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(link);
        var lot = await FindAsync(link, cancellationToken);
        return lot is null ? null : new PublicProofFile($"{FileNamePart(lot.View.Gtin)}-{FileNamePart(lot.View.Batch)}.public-evidence.json", lot.ProofJson);
    }

    private async ValueTask<PublicLotAnswer?> FindAsync(DigitalLink link, CancellationToken cancellationToken) =>
        link.Lot is null && link.Serial is null ? null : await _lots.NewestAsync(link.Gtin.Value, link.Lot, link.Serial, cancellationToken);

    private PublicTrace Trace(DigitalLink link, PublicLotView lot)
    {
        var band = lot.Bands.FirstOrDefault(b => b.Quantity == Temperature);
        var excursions = lot.ColdChain.Excursions
            .Where(e => e.Quantity == Temperature)
            .Select(Excursion)
            .ToList();
        var monitored = lot.Proof.Readings > 0 && lot.Journey.Count > 0;
        return new PublicTrace
        {
            Link = link,
            ProductName = lot.Product,
            ProductDetail = lot.Specification,
            Journey = Journey(lot),
            ColdChain = new ColdChainStatus
            {
                State = !monitored ? ColdChainState.NotMonitored
                    : excursions.Count > 0 ? ColdChainState.Excursion
                    : lot.ColdChain.Held ? ColdChainState.Held : ColdChainState.Incomplete,
                MinCelsius = band is null ? double.NegativeInfinity : (double)band.Min,
                MaxCelsius = band is null ? double.PositiveInfinity : (double)band.Max,
                MonitoredFrom = monitored ? Time(lot.ColdChain.FromMs) : null,
                MonitoredTo = monitored ? Time(lot.ColdChain.ToMs) : null,
                Excursions = excursions,
                Unmonitored = TimeSpan.FromMilliseconds(lot.ColdChain.UnmonitoredMs),
            },
            Proof = lot.Proof.CheckpointTimeMs is { } at
                ? new ProofSummary(lot.Proof.LedgerSize, Time(at), lot.Proof.Signatures)
                : null,
        };
    }

    private List<JourneyStop> Journey(PublicLotView lot)
    {
        var stops = new List<JourneyStop>();
        foreach (var interval in lot.Journey.OrderBy(i => i.FromMs))
        {
            var site = interval.Site ?? lot.Site;
            var siteName = _places.TryGetValue(site, out var named) ? Name(named) : PlaceName.Invariant(site);
            var zoneName = _places.TryGetValue($"{site}/{interval.Zone}", out var zone) ? Name(zone) : null;
            var stop = new JourneyStop(siteName, zoneName, Time(interval.FromMs), Time(interval.ToMs));
            // Moves between zones that are not public are not a stop the consumer can see.
            if (stops.Count > 0 && stops[^1].Site == stop.Site && stops[^1].Zone == stop.Zone)
            {
                stops[^1] = stops[^1] with { To = stop.To };
                continue;
            }
            stops.Add(stop);
        }
        if (lot.InStore && stops.Count > 0)
        {
            stops[^1] = stops[^1] with { To = null };
        }
        return stops;
    }

    private static Consumer.PublicExcursion Excursion(InventoryExcursion e) =>
        new(Time(e.StartMs), Time(e.EndMs), e.Peak, e.Side == "above");

    private static PlaceName Name(PublicPlaceName name) => new(name.English, name.Chinese ?? name.English);

    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static string FileNamePart(string value) =>
        string.Concat(value.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
}
