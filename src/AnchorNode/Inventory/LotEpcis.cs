using AnchorNode.Storage;
using Firmware.Contracts;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Inventory;

/// <summary>
/// A lot's EPCIS 2.0 document, from what its verified evidence bundle proves: the lot's entries
/// (issue, moves, status chain) and every reading of the zones it was kept in, from the day the
/// receipt came into being. Like the reports, it is as of the best-signed checkpoint over the lot.
/// </summary>
public sealed class LotEpcis
{
    private readonly NodeReaders _readers;
    private readonly ConditionReports _reports;
    private readonly string _consortium;
    private readonly IReadOnlyDictionary<string, string> _places;
    private readonly TimeProvider _time;

    /// <summary>Documents of the lots <paramref name="readers"/> read, with the place names <paramref name="places"/> gives.</summary>
    public LotEpcis(NodeReaders readers, ConditionReports reports, string consortium, IReadOnlyDictionary<string, string> places, TimeProvider time)
    {
        _readers = readers;
        _reports = reports;
        _consortium = consortium;
        _places = places;
        _time = time;
    }

    /// <summary>The document of <paramref name="receipt"/> (UTF-8 JSON-LD), or why there is none (<c>unknown-lot</c>, <c>no-checkpoint</c>, …).</summary>
    public Result<byte[]> Export(string receipt)
    {
        EpcisOrigin? origin;
        long issuedMs;
        StoredCheckpoint? at;
        using (var lease = _readers.Rent())
        {
            var reader = lease.Reader;
            using var snapshot = reader.Snapshot();
            if (reader.State.Lot(receipt) is not { } record)
            {
                return Result<byte[]>.Fail(LedgerFailures.UnknownLot, $"no lot has receipt '{receipt}'");
            }
            origin = Origin(reader, LotChains.Read(reader, record));
            issuedMs = record.IssuedMs;
            // The checkpoint the lot's report would use; the readings' window ends at its time.
            var newest = Math.Max(record.LocationHead, record.StatusHead);
            at = reader.BestCheckpoint(newest);
            if (at is null)
            {
                return Result<byte[]>.Fail("no-checkpoint", $"no signed ledger checkpoint includes ledger entry {newest} yet; the node signs one within a second of the ledger growing: try again");
            }
        }
        // Readings from the day the receipt came into being (a split child's earlier days are its
        // parent's) to the checkpoint; a receipt dated after it has only its signed terms' window.
        var from = origin?.AtMs ?? issuedMs;
        var window = at.TimeMs > from
            ? new BundleCustom(from, at.TimeMs, MeanKineticTemperature.DefaultActivationEnergyK, EvidenceVerifier.DefaultIntervalMs, 0)
            : null;
        var report = _reports.Build(receipt, new LotBundleRequest { Custom = window }, at: at);
        if (!report.Succeeded)
        {
            return report.Failure!;
        }
        var evidence = report.Value.Lot;
        var entries = new LotEntries
        {
            Lot = evidence.Lot,
            Title = evidence.Title!,
            Moves = evidence.Moves.Select(m => (m.Index, m.Move)).ToList(),
            Events = (evidence.Events ?? []).Select(e => new LotEvent(e.Index, e.Kind, e.Statement)).ToList(),
        };
        return EpcisDocument.Write(new EpcisLot
        {
            Consortium = _consortium,
            LotIndex = evidence.LotIndex,
            Entries = entries,
            Origin = origin,
            Series = LotConditions.Series(report.Value.Evidence),
            AsOfMs = report.Value.Evidence.CheckpointTimeMs,
            CreatedMs = _time.GetUtcNow().ToUnixTimeMilliseconds(),
            PlaceNames = _places,
        });
    }

    private static EpcisOrigin? Origin(NodeReader reader, LotEntries entries)
    {
        var receipt = entries.Lot.Receipt;
        if (entries.Lot.SplitFrom is { } parent && reader.State.Lot(parent) is { } parentRecord)
        {
            foreach (var e in LotChains.Read(reader, parentRecord).Events.Where(e => e.Kind == EntryKinds.Split))
            {
                if (SplitStatement.From(e.Statement) is { Succeeded: true } split && split.Value.Children.Any(c => c.Receipt == receipt))
                {
                    return new EpcisOrigin(e.Index, split.Value.AtMs, Split: true);
                }
            }
        }
        long? mergedAt = null;
        foreach (var merged in entries.Lot.MergedFrom)
        {
            if (reader.State.Lot(merged) is not { } mergedRecord)
            {
                continue;
            }
            foreach (var e in LotChains.Read(reader, mergedRecord).Events.Where(e => e.Kind == EntryKinds.Merge))
            {
                if (MergeStatement.From(e.Statement) is { Succeeded: true } merge && merge.Value.Into == receipt)
                {
                    mergedAt = Math.Max(mergedAt ?? long.MinValue, merge.Value.AtMs);
                }
            }
        }
        return mergedAt is { } at && reader.State.Lot(receipt) is { } record ? new EpcisOrigin(record.LotIndex, at, Split: false) : null;
    }
}
