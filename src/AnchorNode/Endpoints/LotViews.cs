using AnchorNode.Inventory;
using AnchorNode.Storage;
using Firmware.Contracts;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Epc;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Endpoints;

/// <summary>API views of lots and pledges, from the ledger state and the lot's entries.</summary>
internal static class LotViews
{
    public static LotPublicView Public(LotStatement lot) =>
        new(lot.Product, lot.Gtin, lot.Batch, lot.Specification, lot.Site, lot.Zone, lot.Bands.Select(b => new BandModel(b.Quantity, b.Min, b.Max)).ToList(),
            lot.IssuedMs, lot.ValidUntilMs, lot.Epcs);

    public static LotTitleView Title(TitleStatement title) => new(title.Depositor, title.Owner, title.Quantity, title.Unit, title.Insurance);

    public static PledgeView Pledge(PledgeRecord pledge, IReadOnlyList<Covenant> covenants) =>
        new(pledge.Index, pledge.Receipt, pledge.Lender, pledge.Owner, pledge.Amount, pledge.Currency, pledge.StartMs, pledge.EndMs, pledge.Status.Name(),
            pledge.EndedAt, pledge.EndedAtMs, covenants.Select(c => c.ToValue()).ToList());

    public static LotSummaryView Summary(LotRecord lot) =>
        new(lot.Receipt, lot.LotIndex, lot.Status.Name(), lot.Gtin, lot.Batch, lot.Site, lot.Zone, lot.Owner, lot.Quantity, lot.Unit, lot.ActivePledge);

    public static MoveView Move((long Index, MoveStatement Move) m) => new(m.Index, m.Move.Site, m.Move.Zone, m.Move.AtMs);

    /// <summary>The lot's view, or null when no lot has the receipt.</summary>
    /// <exception cref="InvalidDataException">When the database lacks an entry the state names.</exception>
    public static LotView? Lot(NodeReader reader, string receipt, long nowMs)
    {
        var state = reader.State;
        if (state.Lot(receipt) is not { } lot)
        {
            return null;
        }
        var entries = LotChains.Read(reader, lot);
        var pledges = state.PledgesOf(receipt).Select(p => Pledge(p, entries.CovenantsOf(p.Index))).ToList();
        return new LotView(lot.Receipt, lot.LotIndex, lot.TitleIndex, lot.Status.Name(), lot.Site, lot.Zone, lot.Quantity, lot.ActivePledge, lot.Controller, lot.ClosedAt,
            state.Cargo(receipt), Public(entries.Lot), Title(entries.Title), entries.Moves.Select(Move).ToList(),
            entries.Events.Select(e => new LotEventView(e.Index, e.Kind)).ToList(), pledges)
        {
            Owner = lot.Owner,
            Holders = entries.Holders(lot.TitleIndex).Select(h => new HolderView(h.Party, h.Index)).ToList(),
            Frozen = lot.FrozenAt,
            Expired = nowMs >= lot.ValidUntilMs,
            SplitFrom = entries.Lot.SplitFrom,
            MergedFrom = entries.Lot.MergedFrom,
            Children = lot.Children.Select(c => new ChildView(c.Receipt, c.Quantity)).ToList(),
        };
    }

    /// <summary>The RFID reads of the lot's cargo, each placed in its reader's enrolled zone.</summary>
    public static List<TraceView> Trace(NodeReader reader, LotEntries entries)
    {
        var trace = new List<TraceView>();
        foreach (var epc in entries.Lot.Epcs)
        {
            trace.AddRange(reader.Observations(epc).Select(o => new TraceView(o.Epc, o.DeviceId, o.Seq, o.TimeMs, o.SensorId, ZoneOf(reader, o))));
        }
        return trace.OrderBy(t => t.TimeMs).ThenBy(t => t.Device, StringComparer.Ordinal).ThenBy(t => t.Seq).ToList();
    }

    /// <summary>EPCs seen since <paramref name="sinceMs"/> that no open lot holds, first sighting each.</summary>
    public static List<ArrivalView> Arrivals(NodeReader reader, string? gtin, long sinceMs, string? zone)
    {
        var arrivals = new List<ArrivalView>();
        foreach (var first in reader.ObservationsSince(sinceMs, 100_000).GroupBy(o => o.Epc, StringComparer.Ordinal).Select(g => g.First()))
        {
            if (reader.State.EpcHolder(first.Epc) is not null)
            {
                continue;
            }
            var sgtin = Sgtin.TryParseEpcUri(first.Epc, out var parsed, out _) ? parsed : null;
            var readerZone = ZoneOf(reader, first);
            if ((gtin is not null && sgtin?.Gtin.Value != gtin) || (zone is not null && readerZone != zone))
            {
                continue;
            }
            arrivals.Add(new ArrivalView(first.Epc, sgtin?.Gtin.Value, sgtin?.Serial, first.TimeMs, first.DeviceId, first.Seq, first.SensorId, readerZone));
        }
        return arrivals;
    }

    /// <summary>Checks each member of a lot request against its grammar; <paramref name="fields"/> holds the first refusal.</summary>
    public static RequestFields Check(LotRequest request, RequestFields fields)
    {
        fields.Id("receipt", request.Receipt, InventoryNames.IsValidReceipt)
            .Id("site", request.Site, LedgerNames.IsValidZone)
            .Id("zone", request.Zone, LedgerNames.IsValidZone)
            .Text("product", request.Product, LotStatement.MaxProductLength)
            .Check("gtin", request.Gtin, required: true, g => Gtin.TryParse(g, out _, out var error) ? null : $"must be a GTIN of 8, 12, 13 or 14 digits with its check digit ({error})")
            .Check("batch", request.Batch, required: true, b => InventoryNames.IsValidBatch(b) ? null : "must be 1-20 characters of GS1 character set 82 (GS1 AI 10)")
            .Text("specification", request.Specification, LotStatement.MaxProductLength, required: false)
            .Required("bands", request.Bands, "at least one of temperature and humidity, e.g. [{\"quantity\":\"temperature\",\"min\":2,\"max\":8}]");
        var bands = request.Bands ?? [];
        for (var i = 0; i < bands.Count && fields.Problem is null; i++)
        {
            var at = $"bands[{i}]";
            fields.Required(at, bands[i], "a band {quantity, min, max}");
            if (bands[i] is { } band)
            {
                fields.Check($"{at}.quantity", band.Quantity, required: true, q => StorageBand.Quantities.Contains(q) ? null : $"must be one of {string.Join(", ", StorageBand.Quantities)}")
                    .Limit($"{at}.min", band.Min)
                    .Limit($"{at}.max", band.Max);
                if (fields.Problem is null && band.Min >= band.Max)
                {
                    fields.Check($"{at}.max", band.Max.ToString(System.Globalization.CultureInfo.InvariantCulture), required: true, _ => "must be above 'min' (a band's limits are inclusive and min < max)");
                }
            }
        }
        return fields.Past("issuedMs", request.IssuedMs)
            .Required("validUntilMs", request.ValidUntilMs, "the end of the storage term, Unix ms")
            .Term("validUntilMs", request.ValidUntilMs)
            .Epcs("epcs", request.Epcs)
            .Id("depositor", request.Depositor, InventoryNames.IsValidPartyId)
            .Id("owner", request.Owner, InventoryNames.IsValidPartyId, required: false)
            .Positive("quantity", request.Quantity)
            .Check("unit", request.Unit, required: true, u => InventoryNames.IsValidUnit(u) ? null : "must be a letter, then up to 31 of A-Z a-z 0-9 . _ - (e.g. carton, kg, KGM)")
            .Text("insurance", request.Insurance, TitleStatement.MaxInsuranceLength, required: false);
    }

    /// <summary>Checks a lot request and splits it into the title and the public statement (title hash still empty).</summary>
    public static Result<(TitleStatement Title, LotStatement Lot)> FromRequest(LotRequest request, long nowMs)
    {
        if (request.Receipt is null || request.Site is null || request.Zone is null || request.Product is null || request.Gtin is null || request.Batch is null
            || request.Depositor is null || request.Quantity is null || request.Unit is null || request.ValidUntilMs is null || request.Bands is null)
        {
            return Result<(TitleStatement, LotStatement)>.Fail(Firmware.Contracts.Uplink.ProblemTypes.MalformedRequest,
                "a lot needs receipt, site, zone, product, gtin, batch, bands, validUntilMs, depositor, quantity and unit (owner defaults to the depositor)");
        }
        if (!Gtin.TryParse(request.Gtin, out var gtin, out var gtinError))
        {
            return Result<(TitleStatement, LotStatement)>.Fail(LedgerFailures.EntryField, gtinError);
        }
        var title = new TitleStatement
        {
            Receipt = request.Receipt, Depositor = request.Depositor, Owner = request.Owner ?? request.Depositor, Quantity = request.Quantity.Value,
            Unit = request.Unit, Insurance = request.Insurance,
        };
        var bands = request.Bands.Select(b => new StorageBand(b.Quantity, b.Min, b.Max))
            .OrderBy(b => StorageBand.Quantities.ToList().IndexOf(b.Quantity) is var i && i < 0 ? int.MaxValue : i).ToList();
        var lot = new LotStatement
        {
            Receipt = request.Receipt, Title = default, Site = request.Site, Zone = request.Zone, Product = request.Product, Gtin = gtin.Value, Batch = request.Batch,
            Specification = request.Specification, Bands = bands,
            IssuedMs = request.IssuedMs ?? nowMs, ValidUntilMs = request.ValidUntilMs.Value, Epcs = request.Epcs ?? [],
        };
        var check = title.Check();
        if (check.Succeeded)
        {
            check = lot.Check();
        }
        return check.Succeeded ? (title, lot) : check.Failure!;
    }

    private static string? ZoneOf(NodeReader reader, EpcObservation o) =>
        reader.State.Device(o.DeviceId) is { } device && device.Sensors.FirstOrDefault(s => s.SensorId == o.SensorId) is { } sensor ? sensor.Zone ?? device.Zone : null;
}
