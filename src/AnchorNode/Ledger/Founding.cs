using AnchorNode.Configuration;
using AnchorNode.Storage;
using Firmware.Contracts;
using Firmware.Contracts.Ledger;
using Microsoft.Data.Sqlite;

namespace AnchorNode.Ledger;

/// <summary>
/// How a consortium is founded. Every founding member runs <c>init</c> and hands its public key to
/// the founding node; there they are listed with <c>members add</c>, and <c>genesis</c> writes entry 0:
/// the founding node's member and the listed ones, the admission quorum, signed by the founding
/// node's key. The other founders accept the genesis by cosigning ledger checkpoints, which they
/// only do after replaying every entry from index 0.
/// </summary>
public sealed class Founding
{
    private readonly NodeDatabase _database;
    private readonly NodeConfig _config;
    private readonly string _publicKey;
    private readonly StatementSigner _signer;
    private readonly ILedgerSequencer _sequencer;
    private readonly NodeReaders _readers;

    /// <summary>Founding for this node.</summary>
    public Founding(NodeDatabase database, NodeConfig config, string publicKey, StatementSigner signer, ILedgerSequencer sequencer, NodeReaders readers)
    {
        _database = database;
        _config = config;
        _publicKey = publicKey;
        _signer = signer;
        _sequencer = sequencer;
        _readers = readers;
    }

    /// <summary>Lists another founding member for the genesis entry.</summary>
    public Result AddFounder(string name, string roles, string publicKey)
    {
        var member = MemberInfo.Parse($"{name} {roles} {publicKey}");
        if (!member.Succeeded)
        {
            return member.Failure!;
        }
        if (HasGenesis())
        {
            return Result.Fail(LedgerFailures.Genesis, "the ledger has its genesis entry; admit new members with an admission statement signed by a quorum");
        }
        if (name == _config.Member || publicKey == _publicKey)
        {
            return Result.Fail(LedgerFailures.MemberExists, $"'{name}' is this node's own member (or has its key); it is in the genesis already");
        }
        using var connection = _database.OpenWriter();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO founders (name, roles, spki, seq) VALUES ($name, $roles, $spki, (SELECT count(*) FROM founders))";
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$roles", (int)member.Value.Roles);
        command.Parameters.AddWithValue("$spki", publicKey);
        try
        {
            command.ExecuteNonQuery();
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            return Result.Fail(LedgerFailures.MemberExists, $"'{name}' is listed already");
        }
        return Result.Ok;
    }

    /// <summary>The members the genesis entry will list: this node's first, then the added ones.</summary>
    public List<MemberInfo> Founders()
    {
        MemberRoleNames.TryParse(_config.Roles, out var roles);
        var list = new List<MemberInfo> { new(_config.Member, roles, _publicKey) };
        using var connection = _database.OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, roles, spki FROM founders ORDER BY seq";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            list.Add(new MemberInfo(reader.GetString(0), (MemberRoles)reader.GetInt32(1), reader.GetString(2)));
        }
        return list;
    }

    /// <summary>True once entry 0 is written.</summary>
    public bool HasGenesis()
    {
        using var lease = _readers.Rent();
        return lease.Reader.State.Quorum > 0;
    }

    /// <summary>Writes the genesis entry; the quorum defaults to a majority of the founders.</summary>
    public async Task<Result<AppendedEntry>> CreateGenesisAsync(int? quorum, CancellationToken cancellationToken)
    {
        var founders = Founders();
        var k = quorum ?? founders.Count / 2 + 1;
        if (k < 1 || k > founders.Count)
        {
            return Result<AppendedEntry>.Fail(LedgerFailures.EntryField, $"the quorum must be between 1 and the {founders.Count} founding members, got {k}");
        }
        var entry = _signer.Sign(EntryKinds.Genesis, new GenesisStatement(k, founders).ToBody());
        return await _sequencer.AppendAsync(new LedgerProposal(entry), cancellationToken);
    }
}
