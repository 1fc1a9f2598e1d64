using AnchorNode.Configuration;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;

namespace AnchorNode.Ledger;

/// <summary>Writes member statements (consortium, time, nonce, body) and signs them with this node's member key.</summary>
public sealed class StatementSigner
{
    private readonly string _consortium;
    private readonly TimeProvider _time;
    private readonly IRandomSource _random;

    /// <summary>Signs for <paramref name="member"/> in <paramref name="consortium"/>.</summary>
    public StatementSigner(string consortium, INoteSigner member, TimeProvider time, IRandomSource random)
    {
        _consortium = consortium;
        Member = member;
        _time = time;
        _random = random;
    }

    /// <summary>The member key.</summary>
    public INoteSigner Member { get; }

    /// <summary>A new statement of <paramref name="kind"/> (unsigned), e.g. to gather signatures of other members.</summary>
    public Statement Create(string kind, IEnumerable<EntryField> body)
    {
        Span<byte> nonce = stackalloc byte[Statement.NonceLength];
        _random.Fill(nonce);
        return Statement.Create(kind, _consortium, _time.GetUtcNow().ToUnixTimeMilliseconds(), nonce, body);
    }

    /// <summary>An entry carrying a new statement of <paramref name="kind"/> signed by this member.</summary>
    public LedgerEntry Sign(string kind, IEnumerable<EntryField> body) =>
        LedgerEntry.Create(kind, [], SignedNote.Sign(Create(kind, body).Text, Member));
}
