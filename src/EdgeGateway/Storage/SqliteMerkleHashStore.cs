using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Storage;

/// <summary>
/// <see cref="IMerkleHashStore"/> over the gateway database. Level 0 is the <c>hash</c> column of
/// the <c>leaves</c> table, written with each leaf row, so that a reading costs one row, not two;
/// the other stored levels (4, 8, …, about one row per 16 leaves) live in <c>merkle_nodes</c>.
/// Writes happen in the transaction that <see cref="SqliteLogStore"/> has open.
/// </summary>
public sealed class SqliteMerkleHashStore : IMerkleHashStore, IDisposable
{
    private readonly SqliteLogStore _owner;
    private readonly SqliteCommand _readLeafHashes;
    private readonly SqliteCommand _readNodes;
    private readonly SqliteCommand _writeNode;
    private readonly byte[] _hashBuffer = new byte[Hash32.Length];
    private readonly SqliteParameter _leafFrom, _leafTo, _nodeLevel, _nodeFrom, _nodeTo, _writeLevel, _writeIndex, _writeHash;

    internal SqliteMerkleHashStore(SqliteLogStore owner, SqliteConnection connection)
    {
        _owner = owner;
        _readLeafHashes = connection.CreateCommand();
        _readLeafHashes.CommandText = "SELECT seq, hash FROM leaves WHERE seq >= $from AND seq < $to ORDER BY seq;";
        _leafFrom = _readLeafHashes.Parameters.Add("$from", SqliteType.Integer);
        _leafTo = _readLeafHashes.Parameters.Add("$to", SqliteType.Integer);

        _readNodes = connection.CreateCommand();
        _readNodes.CommandText = "SELECT idx, hash FROM merkle_nodes WHERE level = $level AND idx >= $from AND idx < $to ORDER BY idx;";
        _nodeLevel = _readNodes.Parameters.Add("$level", SqliteType.Integer);
        _nodeFrom = _readNodes.Parameters.Add("$from", SqliteType.Integer);
        _nodeTo = _readNodes.Parameters.Add("$to", SqliteType.Integer);

        _writeNode = connection.CreateCommand();
        _writeNode.CommandText = "INSERT OR REPLACE INTO merkle_nodes(level, idx, hash) VALUES ($level, $idx, $hash);";
        _writeLevel = _writeNode.Parameters.Add("$level", SqliteType.Integer);
        _writeIndex = _writeNode.Parameters.Add("$idx", SqliteType.Integer);
        _writeHash = _writeNode.Parameters.Add("$hash", SqliteType.Blob);
    }

    /// <inheritdoc/>
    public void Read(int level, long index, Span<Hash32> destination)
    {
        if (destination.IsEmpty)
        {
            return;
        }
        var command = level == 0 ? _readLeafHashes : _readNodes;
        if (level == 0)
        {
            _leafFrom.Value = index;
            _leafTo.Value = index + destination.Length;
        }
        else
        {
            _nodeLevel.Value = level;
            _nodeFrom.Value = index;
            _nodeTo.Value = index + destination.Length;
        }
        var filled = 0;
        using (var reader = command.ExecuteReader())
        {
            while (filled < destination.Length && reader.Read())
            {
                if (reader.GetInt64(0) != index + filled || reader.GetBytes(1, 0, _hashBuffer, 0, Hash32.Length) != Hash32.Length
                    || reader.GetBytes(1, 0, null, 0, 0) != Hash32.Length)
                {
                    break;
                }
                destination[filled++] = new Hash32(_hashBuffer);
            }
        }
        if (filled != destination.Length)
        {
            throw new MissingHashesException(level, index + filled, index + destination.Length);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Level 0 lives in the leaf rows, so the leaves must have been inserted (with their hashes)
    /// earlier in the same transaction; this checks that they were, and that the hashes agree.
    /// </remarks>
    public void Write(int level, long index, ReadOnlySpan<Hash32> hashes)
    {
        if (level == 0)
        {
            _owner.CheckInsertedLeafHashes(index, hashes);
            return;
        }
        if (!_owner.InTransaction)
        {
            throw new InvalidOperationException("Merkle hashes are written inside a log transaction");
        }
        _writeLevel.Value = level;
        var bytes = new byte[Hash32.Length];
        _writeHash.Value = bytes;
        for (var i = 0; i < hashes.Length; i++)
        {
            _writeIndex.Value = index + i;
            hashes[i].CopyTo(bytes);
            _writeNode.ExecuteNonQuery();
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _readLeafHashes.Dispose();
        _readNodes.Dispose();
        _writeNode.Dispose();
    }
}

/// <summary>
/// Hashes the Merkle log needs are not in the database: the leaves were pruned after the node
/// committed them (proofs over them come from the node now), or the database is damaged.
/// </summary>
public sealed class MissingHashesException(int level, long from, long to)
    : InvalidOperationException($"Merkle hashes [{from}, {to}) at level {level} are not in the database (pruned after the node committed them, or the database is damaged)")
{
    /// <summary>The stored level.</summary>
    public int Level { get; } = level;

    /// <summary>The first missing index.</summary>
    public long From { get; } = from;
}
