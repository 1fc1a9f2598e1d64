using Firmware.Contracts;
using Firmware.Contracts.Ledger;

namespace AnchorNode.Ledger;

/// <summary>
/// The ordering port: puts proposed entries in one order, validates each against the state the
/// entries before it imply, and appends the valid ones. A node alone orders with a local single
/// writer over SQLite (<see cref="SqliteLedgerSequencer"/>); the members of a consortium order
/// through their etcd cluster (<see cref="EtcdLedgerSequencer"/>: compare-and-swap on the last index,
/// and every member node applies etcd's order with the same <see cref="LedgerRules"/>; see
/// docs/spec-ledger.md §6).
/// </summary>
public interface ILedgerSequencer
{
    /// <summary>
    /// Appends <paramref name="proposal"/> at the next position if the rules accept it there, and
    /// answers only once it is durable. A rejection names the rule that refused it.
    /// </summary>
    Task<Result<AppendedEntry>> AppendAsync(LedgerProposal proposal, CancellationToken cancellationToken);
}

/// <summary>An entry to append, and what this node must store with it (e.g. the device leaves of an anchor).</summary>
public sealed class LedgerProposal
{
    /// <summary>A proposal of entry bytes received from elsewhere (a replica's feed, a CLI): parsed by the writer.</summary>
    public LedgerProposal(byte[] entry, ILedgerAttachment? attachment = null)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Entry = entry;
        Attachment = attachment;
    }

    /// <summary>A proposal of an entry this node made, so the writer need not parse it again.</summary>
    public LedgerProposal(LedgerEntry entry, ILedgerAttachment? attachment = null)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Entry = entry.Bytes.ToArray();
        Parsed = entry;
        Attachment = attachment;
    }

    /// <summary>The entry bytes.</summary>
    public byte[] Entry { get; }

    /// <summary>The entry, when the proposer made it with <see cref="LedgerEntry.Create"/>.</summary>
    public LedgerEntry? Parsed { get; }

    /// <summary>Local data committed in the same transaction as the entry, or null.</summary>
    public ILedgerAttachment? Attachment { get; }

    /// <summary>
    /// The index the entry must get, or null for "the next one". A node applying an order decided
    /// elsewhere (etcd) sets it, so an entry another process applied already is never appended twice.
    /// </summary>
    public long? ExpectedIndex { get; init; }
}

/// <summary>An appended entry.</summary>
/// <param name="Index">Its ledger index.</param>
/// <param name="LedgerSize">The ledger size once its batch committed.</param>
/// <param name="Entry">The entry.</param>
public sealed record AppendedEntry(long Index, long LedgerSize, LedgerEntry Entry);

/// <summary>
/// Local data that goes with an entry and commits or rolls back with it. It runs after the rules
/// accepted the entry and may still refuse (e.g. when a concurrent upload got there first).
/// </summary>
public interface ILedgerAttachment
{
    /// <summary>Stores the data for the entry at <paramref name="index"/>, or says why it cannot.</summary>
    Result Apply(LedgerWriteContext context, LedgerEntry entry, long index);
}

/// <summary>A local read model kept beside the ledger (e.g. anchors per device), updated in the append's transaction.</summary>
public interface ILedgerProjection
{
    /// <summary>Records <paramref name="entry"/>, appended at <paramref name="index"/>.</summary>
    void OnAppended(LedgerWriteContext context, LedgerEntry entry, long index);
}
