using System.Text.Json;
using System.Text.Json.Nodes;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Readings;

namespace AnchorNode.Inventory;

/// <summary>How a receipt came into being when it was not issued on arrival: split from a parent, or merged from several.</summary>
/// <param name="Index">The ledger index of the entry that made it (the parent's split entry, or the merged lot's own entry).</param>
/// <param name="AtMs">When, as that entry (the split, or the last parent's merge) says.</param>
/// <param name="Split">True for a split child, false for a merged lot.</param>
public sealed record EpcisOrigin(long Index, long AtMs, bool Split);

/// <summary>What one lot's EPCIS document is made from: its verified entries and the readings of the zones it was kept in.</summary>
public sealed record EpcisLot
{
    /// <summary>The consortium id, which scopes every identifier the document coins.</summary>
    public required string Consortium { get; init; }

    /// <summary>The lot's ledger index.</summary>
    public required long LotIndex { get; init; }

    /// <summary>The lot's entries: public statement, title, moves and status chain.</summary>
    public required LotEntries Entries { get; init; }

    /// <summary>Where the receipt came from, or null for a receipt issued on arrival.</summary>
    public EpcisOrigin? Origin { get; init; }

    /// <summary>The temperature and humidity channels with their verified readings.</summary>
    public required IReadOnlyList<SensorSeries> Series { get; init; }

    /// <summary>The time of the ledger checkpoint the readings are proven to; an open lot's last stay ends here.</summary>
    public required long AsOfMs { get; init; }

    /// <summary>When the document is written.</summary>
    public required long CreatedMs { get; init; }

    /// <summary>Public names of sites (<c>site</c>) and zones (<c>site/zone</c>), as the node's public pages use them.</summary>
    public IReadOnlyDictionary<string, string> PlaceNames { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// A lot's events as an EPCIS 2.0 JSON-LD document (GS1 EPCIS 2.0, CBV 2.0); the mapping and what is
/// left out are in docs/anchor-node.md, "EPCIS export". Every event is one ledger entry (a split also
/// names each child receipt), so a document written later only adds events.
/// </summary>
public static class EpcisDocument
{
    /// <summary>The media type of the document.</summary>
    public const string MediaType = "application/ld+json";

    /// <summary>The EPCIS 2.0 JSON-LD context GS1 publishes.</summary>
    public const string Context = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld";

    private const string NameAttribute = "urn:epcglobal:cbv:mda#name";

    /// <summary>The document, UTF-8 JSON.</summary>
    public static byte[] Write(EpcisLot lot)
    {
        ArgumentNullException.ThrowIfNull(lot);
        var writer = new Writer(lot);
        var events = writer.Events();
        var document = new JsonObject
        {
            ["@context"] = new JsonArray(Context),
            ["type"] = "EPCISDocument",
            ["schemaVersion"] = "2.0",
            ["creationDate"] = EvidenceVerifier.Iso(lot.CreatedMs),
        };
        if (writer.MasterData() is { } masterData)
        {
            document["epcisHeader"] = new JsonObject { ["epcisMasterData"] = new JsonObject { ["vocabularyList"] = new JsonArray(masterData) } };
        }
        document["epcisBody"] = new JsonObject { ["eventList"] = new JsonArray([.. events]) };
        return JsonSerializer.SerializeToUtf8Bytes(document, EpcisJsonContext.Default.JsonObject);
    }

    /// <summary>The identifier of a site or zone: <c>urn:edgetrace:loc:CONSORTIUM:SITE[:ZONE]</c>.</summary>
    public static string Location(string consortium, string site, string? zone = null) =>
        zone is null ? $"urn:edgetrace:loc:{consortium}:{site}" : $"urn:edgetrace:loc:{consortium}:{site}:{zone}";

    /// <summary>The identifier of a party: <c>urn:edgetrace:party:CONSORTIUM:PARTY</c>.</summary>
    public static string Party(string consortium, string party) => $"urn:edgetrace:party:{consortium}:{party}";

    /// <summary>The identifier of a receipt, as a business transaction: <c>urn:edgetrace:receipt:CONSORTIUM:RECEIPT</c>.</summary>
    public static string Receipt(string consortium, string receipt) => $"urn:edgetrace:receipt:{consortium}:{receipt}";

    /// <summary>The identifier of an enrolled sensor: <c>urn:edgetrace:sensor:CONSORTIUM:DEVICE:SENSOR</c>.</summary>
    public static string Sensor(string consortium, string device, string sensor) => $"urn:edgetrace:sensor:{consortium}:{device}:{sensor}";

    /// <summary>The identifier of the event a ledger entry gives (with the receipt where one entry gives several).</summary>
    public static string EventId(string consortium, long index, string? receipt = null) =>
        receipt is null ? $"urn:edgetrace:event:{consortium}:{index}" : $"urn:edgetrace:event:{consortium}:{index}:{receipt}";

    /// <summary>A GS1 Digital Link URI for the batch, the class of a lot listed by quantity.</summary>
    public static string BatchClass(string gtin, string batch) => $"https://id.gs1.org/01/{gtin}/10/{Uri.EscapeDataString(batch)}";

    // A stay: where the lot was from the event that put it there until the next one.
    private sealed record Stay(long FromMs, string Site, string Zone, JsonObject Event);

    private sealed class Writer(EpcisLot lot)
    {
        private readonly string _c = lot.Consortium;
        private readonly LotStatement _lot = lot.Entries.Lot;
        private readonly List<Stay> _stays = [];
        private readonly SortedDictionary<string, SortedSet<string>> _places = new(StringComparer.Ordinal);
        private List<string> _epcs = [.. lot.Entries.Lot.Epcs];
        private decimal _quantity = lot.Entries.Title.Quantity;
        private string _owner = lot.Entries.Title.Owner;
        private string _site = lot.Entries.Lot.Site;
        private string _zone = lot.Entries.Lot.Zone;

        public List<JsonObject> Events()
        {
            var events = new List<JsonObject> { First() };
            long? endMs = null;
            var entries = lot.Entries.Moves.Select(m => (m.Index, Kind: EntryKinds.Move, Statement: (object)m.Move))
                .Concat(lot.Entries.Events.Select(e => (e.Index, e.Kind, Statement: (object)e.Statement)))
                .OrderBy(e => e.Index);
            foreach (var (index, kind, statement) in entries)
            {
                switch (kind)
                {
                    case EntryKinds.Move:
                        events.Add(Moved(index, (MoveStatement)statement));
                        break;
                    case EntryKinds.Endorse when EndorseStatement.From((Statement)statement) is { Succeeded: true } endorse:
                        events.Add(Endorsed(index, endorse.Value));
                        break;
                    case EntryKinds.Deliver when DeliverStatement.From((Statement)statement) is { Succeeded: true } deliver:
                        events.Add(Delivered(index, deliver.Value));
                        if (_quantity <= 0)
                        {
                            endMs ??= deliver.Value.AtMs;
                        }
                        break;
                    case EntryKinds.Split when SplitStatement.From((Statement)statement) is { Succeeded: true } split:
                        events.AddRange(Split(index, split.Value));
                        endMs ??= split.Value.AtMs;
                        break;
                    case EntryKinds.Merge when MergeStatement.From((Statement)statement) is { Succeeded: true } merge:
                        events.Add(Transaction(EventId(_c, index), merge.Value.AtMs, "DELETE", _lot.Receipt, _epcs, _quantity));
                        endMs ??= merge.Value.AtMs;
                        break;
                    case EntryKinds.Dispose when DisposeStatement.From((Statement)statement) is { Succeeded: true } dispose:
                        // Not exported (see the docs), but the goods were no longer kept here after it.
                        endMs ??= dispose.Value.AtMs;
                        break;
                }
            }
            AttachReadings(Math.Min(endMs ?? lot.AsOfMs, lot.AsOfMs));
            return events;
        }

        public JsonObject? MasterData()
        {
            var elements = new JsonArray();
            foreach (var (site, zones) in _places)
            {
                var element = Element(Location(_c, site), site);
                element["children"] = new JsonArray([.. zones.Select(z => (JsonNode)Location(_c, site, z))]);
                elements.Add(element);
                foreach (var zone in zones)
                {
                    elements.Add(Element(Location(_c, site, zone), $"{site}/{zone}"));
                }
            }
            return elements.Count == 0 ? null : new JsonObject { ["type"] = "urn:epcglobal:epcis:vtype:BusinessLocation", ["vocabularyElementList"] = elements };
        }

        private JsonObject Element(string id, string key)
        {
            var element = new JsonObject { ["id"] = id };
            if (lot.PlaceNames.TryGetValue(key, out var name))
            {
                element["attributes"] = new JsonArray(new JsonObject { ["id"] = NameAttribute, ["attribute"] = name });
            }
            return element;
        }

        // Issued on arrival: received into the warehouse's stock, owned by the title's owner. A split
        // child or a merged lot: its goods joined this receipt (the same event the parent's export names).
        private JsonObject First()
        {
            JsonObject e;
            if (lot.Origin is { } origin)
            {
                e = Transaction(origin.Split ? EventId(_c, origin.Index, _lot.Receipt) : EventId(_c, origin.Index), origin.AtMs, "ADD", _lot.Receipt, _epcs, _quantity);
                Place(e, readPoint: true);
            }
            else
            {
                e = Event("ObjectEvent", EventId(_c, lot.LotIndex), _lot.IssuedMs, "ADD");
                What(e, _epcs, _quantity);
                e["bizStep"] = "receiving";
                e["disposition"] = "in_progress";
                Place(e, readPoint: true);
                e["bizTransactionList"] = Transactions(_lot.Receipt);
                e["destinationList"] = new JsonArray(new JsonObject { ["type"] = "owning_party", ["destination"] = Party(_c, _owner) });
            }
            _stays.Add(new Stay(lot.Origin?.AtMs ?? _lot.IssuedMs, _site, _zone, e));
            return e;
        }

        private JsonObject Moved(long index, MoveStatement move)
        {
            _site = move.Site;
            _zone = move.Zone;
            var e = Event("ObjectEvent", EventId(_c, index), move.AtMs, "OBSERVE");
            What(e, _epcs, _quantity);
            e["bizStep"] = "storing";
            Place(e, readPoint: true);
            e["bizTransactionList"] = Transactions(_lot.Receipt);
            _stays.Add(new Stay(move.AtMs, _site, _zone, e));
            return e;
        }

        private JsonObject Endorsed(long index, EndorseStatement endorse)
        {
            var e = Transaction(EventId(_c, index), endorse.AtMs, "OBSERVE", _lot.Receipt, _epcs, _quantity);
            e["sourceList"] = new JsonArray(new JsonObject { ["type"] = "owning_party", ["source"] = Party(_c, endorse.Owner) });
            e["destinationList"] = new JsonArray(new JsonObject { ["type"] = "owning_party", ["destination"] = Party(_c, endorse.NewOwner) });
            _owner = endorse.NewOwner;
            return e;
        }

        private JsonObject Delivered(long index, DeliverStatement deliver)
        {
            var e = Event("ObjectEvent", EventId(_c, index), deliver.AtMs, "OBSERVE");
            What(e, deliver.Epcs, deliver.Quantity);
            e["bizStep"] = "shipping";
            e["disposition"] = "in_transit";
            e["readPoint"] = new JsonObject { ["id"] = Location(_c, _site, _zone) };
            e["bizTransactionList"] = Transactions(_lot.Receipt);
            e["sourceList"] = new JsonArray(new JsonObject { ["type"] = "owning_party", ["source"] = Party(_c, _owner) });
            var gone = deliver.Epcs.ToHashSet(StringComparer.Ordinal);
            _epcs = _epcs.Where(epc => !gone.Contains(epc)).ToList();
            _quantity -= deliver.Quantity;
            return e;
        }

        private IEnumerable<JsonObject> Split(long index, SplitStatement split)
        {
            yield return Transaction(EventId(_c, index), split.AtMs, "DELETE", _lot.Receipt, _epcs, _quantity);
            foreach (var child in split.Children)
            {
                yield return Transaction(EventId(_c, index, child.Receipt), split.AtMs, "ADD", child.Receipt, split.EpcsOf(child.Receipt), child.Quantity);
            }
        }

        private JsonObject Transaction(string id, long atMs, string action, string receipt, IReadOnlyList<string> epcs, decimal quantity)
        {
            var e = Event("TransactionEvent", id, atMs, action);
            e["bizTransactionList"] = Transactions(receipt);
            What(e, epcs, quantity);
            Place(e, readPoint: false);
            return e;
        }

        private static JsonObject Event(string type, string id, long atMs, string action) => new()
        {
            ["type"] = type,
            ["eventTime"] = EvidenceVerifier.Iso(atMs),
            ["eventTimeZoneOffset"] = "+00:00",
            ["eventID"] = id,
            ["action"] = action,
        };

        // The goods by EPC where the receipt lists them, else by batch, with the quantity only where the
        // unit is a UN/ECE Recommendation 20 code (the uom EPCIS takes); "360 carton" has no such code.
        private void What(JsonObject e, IReadOnlyList<string> epcs, decimal quantity)
        {
            if (epcs.Count > 0)
            {
                e["epcList"] = new JsonArray([.. epcs.Select(epc => (JsonNode)epc)]);
                return;
            }
            var element = new JsonObject { ["epcClass"] = BatchClass(_lot.Gtin, _lot.Batch) };
            var unit = lot.Entries.Title.Unit;
            if (unit.Length is 2 or 3 && unit.All(c => char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c)))
            {
                element["quantity"] = quantity;
                element["uom"] = unit;
            }
            e["quantityList"] = new JsonArray(element);
        }

        private void Place(JsonObject e, bool readPoint)
        {
            if (!_places.TryGetValue(_site, out var zones))
            {
                _places[_site] = zones = new SortedSet<string>(StringComparer.Ordinal);
            }
            zones.Add(_zone);
            if (readPoint)
            {
                e["readPoint"] = new JsonObject { ["id"] = Location(_c, _site, _zone) };
            }
            e["bizLocation"] = new JsonObject { ["id"] = Location(_c, _site, _zone) };
        }

        private JsonArray Transactions(string receipt) => new(new JsonObject { ["bizTransaction"] = Receipt(_c, receipt) });

        // Each stay's readings go on the event that began it: every channel of its zone, from that
        // event until the next one (or the lot's end, or the checkpoint the readings are proven to).
        private void AttachReadings(long endMs)
        {
            for (var i = 0; i < _stays.Count; i++)
            {
                var stay = _stays[i];
                var to = Math.Min(i + 1 < _stays.Count ? _stays[i + 1].FromMs : endMs, endMs);
                var elements = new JsonArray();
                foreach (var series in lot.Series.Where(s => s.Zone == stay.Zone && (s.Site ?? stay.Site) == stay.Site)
                             .OrderBy(s => s.DeviceId, StringComparer.Ordinal).ThenBy(s => s.SensorId, StringComparer.Ordinal).ThenBy(s => s.Quantity, StringComparer.Ordinal))
                {
                    if (Measurement(series.Quantity) is not { } measurement)
                    {
                        continue;
                    }
                    var reports = new JsonArray();
                    foreach (var sample in series.Samples.Where(s => s.TimeMs >= stay.FromMs && s.TimeMs < to))
                    {
                        reports.Add(new JsonObject
                        {
                            ["type"] = measurement.Type,
                            ["time"] = EvidenceVerifier.Iso(sample.TimeMs),
                            ["value"] = sample.Value,
                            ["uom"] = measurement.Uom,
                        });
                    }
                    if (reports.Count > 0)
                    {
                        elements.Add(new JsonObject
                        {
                            ["sensorMetadata"] = new JsonObject
                            {
                                ["deviceID"] = Sensor(_c, series.DeviceId, series.SensorId),
                                ["startTime"] = EvidenceVerifier.Iso(stay.FromMs),
                                ["endTime"] = EvidenceVerifier.Iso(to),
                            },
                            ["sensorReport"] = reports,
                        });
                    }
                }
                if (elements.Count > 0)
                {
                    stay.Event["sensorElementList"] = elements;
                }
            }
        }

        private static (string Type, string Uom)? Measurement(string quantity) => quantity switch
        {
            Senml.Temperature => ("gs1:Temperature", "CEL"),
            Senml.Humidity => ("gs1:RelativeHumidity", "P1"),
            _ => null,
        };
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonObject))]
internal sealed partial class EpcisJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
