using AnchorNode.Storage;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Inventory;

/// <summary>A status-chain entry of a lot.</summary>
/// <param name="Index">Its ledger index.</param>
/// <param name="Kind">pledge, release, transfer, enforce, deliver, cancel, endorse, split, merge, freeze, unfreeze or dispose.</param>
/// <param name="Statement">The statement it carries.</param>
public sealed record LotEvent(long Index, string Kind, Statement Statement);

/// <summary>A lot's entries as the ledger holds them: its public statement, title, location chain and status chain.</summary>
public sealed record LotEntries
{
    /// <summary>The lot's public facts.</summary>
    public required LotStatement Lot { get; init; }

    /// <summary>The title (private part).</summary>
    public required TitleStatement Title { get; init; }

    /// <summary>Moves, in order.</summary>
    public required IReadOnlyList<(long Index, MoveStatement Move)> Moves { get; init; }

    /// <summary>The status chain, in order.</summary>
    public required IReadOnlyList<LotEvent> Events { get; init; }

    /// <summary>The title chain: the title's owner (at <paramref name="titleIndex"/>), then each endorsement's new owner.</summary>
    public IReadOnlyList<(string Party, long Index)> Holders(long titleIndex) =>
        [(Title.Owner, titleIndex), .. Events.Where(e => e.Kind == EntryKinds.Endorse).Select(e => (EndorseStatement.From(e.Statement).Value.NewOwner, e.Index))];

    /// <summary>The covenants of a pledge in the chain, or none.</summary>
    public IReadOnlyList<Covenant> CovenantsOf(long pledgeIndex) =>
        Events.FirstOrDefault(e => e.Index == pledgeIndex && e.Kind == EntryKinds.Pledge) is { } pledge && PledgeStatement.From(pledge.Statement) is { Succeeded: true } parsed
            ? parsed.Value.Covenants
            : [];
}

/// <summary>Reads a lot's chains by following each entry's <c>after</c> back from the heads the ledger state records.</summary>
internal static class LotChains
{
    /// <exception cref="InvalidDataException">When an entry the state names is missing or unreadable (a damaged database).</exception>
    public static LotEntries Read(NodeReader reader, LotRecord lot)
    {
        var lotStatement = LotStatement.From(StatementAt(reader, lot.LotIndex, EntryKinds.Lot)).Value;
        var title = TitleStatement.From(StatementAt(reader, lot.TitleIndex, EntryKinds.Title)).Value;
        var moves = new List<(long, MoveStatement)>();
        for (var index = lot.LocationHead; index != lot.LotIndex;)
        {
            var move = MoveStatement.From(StatementAt(reader, index, EntryKinds.Move));
            if (!move.Succeeded)
            {
                throw new InvalidDataException($"ledger entry {index} of lot '{lot.Receipt}': {move.Failure!.Message}");
            }
            moves.Add((index, move.Value));
            index = move.Value.Lot.After;
        }
        moves.Reverse();
        var events = new List<LotEvent>();
        for (var index = lot.StatusHead; index != lot.LotIndex;)
        {
            var statement = StatementAt(reader, index, null);
            var reference = LotReference.Of(statement);
            if (!reference.Succeeded || reference.Value.After >= index)
            {
                throw new InvalidDataException($"ledger entry {index} of lot '{lot.Receipt}' does not name the entry before it");
            }
            events.Add(new LotEvent(index, statement.Kind, statement));
            index = reference.Value.After;
        }
        events.Reverse();
        return new LotEntries { Lot = lotStatement, Title = title, Moves = moves, Events = events };
    }

    public static Statement StatementAt(NodeReader reader, long index, string? kind)
    {
        var bytes = reader.Entry(index) ?? throw new InvalidDataException($"ledger entry {index} is missing from the database");
        var entry = LedgerEntry.Parse(bytes);
        if (!entry.Succeeded || (kind is not null && entry.Value.Kind != kind))
        {
            throw new InvalidDataException($"ledger entry {index} is not the {kind ?? "lot"} entry the ledger state names");
        }
        var statement = Statement.Parse(entry.Value.Note.Text);
        return statement.Succeeded ? statement.Value : throw new InvalidDataException($"ledger entry {index}: {statement.Failure!.Message}");
    }
}
