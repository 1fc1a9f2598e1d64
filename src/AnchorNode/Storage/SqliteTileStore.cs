using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;
using Microsoft.Data.Sqlite;

namespace AnchorNode.Storage;

/// <summary>
/// The stored levels of Merkle logs in the <c>tiles</c> table: 32 consecutive hashes of one level
/// per row. A stored-level read for a proof asks for 1, 2, 4 or 8 aligned hashes (the stride is 4),
/// which always lie in one tile, so every read is one row lookup; an upload of 100 leaves writes
/// about four rows, and appends rewrite only the last, partly filled tile of a level.
/// Runs its statements on the connection it is given, in that connection's transaction.
/// </summary>
public sealed class SqliteTileStore : IDisposable
{
    /// <summary>Hashes per tile row.</summary>
    public const int TileWidth = 32;

    private readonly SqliteCommand _select;
    private readonly SqliteCommand _upsert;
    private readonly TileCache? _cache;
    private (long Log, int Level, long Tile, byte[]? Bytes) _last;

    /// <summary>
    /// Prepares the statements on <paramref name="connection"/>. A reader may pass a shared
    /// <paramref name="cache"/> of full tiles: a full tile never changes once committed. The
    /// writer must not (a full tile it writes may yet be rolled back).
    /// </summary>
    public SqliteTileStore(SqliteConnection connection, TileCache? cache = null)
    {
        _cache = cache;
        ArgumentNullException.ThrowIfNull(connection);
        _select = connection.CreateCommand();
        _select.CommandText = "SELECT hashes FROM tiles WHERE log = $log AND level = $level AND tile = $tile";
        _select.Parameters.Add("$log", SqliteType.Integer);
        _select.Parameters.Add("$level", SqliteType.Integer);
        _select.Parameters.Add("$tile", SqliteType.Integer);
        _select.Prepare();
        _upsert = connection.CreateCommand();
        _upsert.CommandText = "INSERT OR REPLACE INTO tiles (log, level, tile, hashes) VALUES ($log, $level, $tile, $hashes)";
        _upsert.Parameters.Add("$log", SqliteType.Integer);
        _upsert.Parameters.Add("$level", SqliteType.Integer);
        _upsert.Parameters.Add("$tile", SqliteType.Integer);
        _upsert.Parameters.Add("$hashes", SqliteType.Blob);
        _upsert.Prepare();
    }

    /// <summary>The hash store of one log.</summary>
    public IMerkleHashStore Log(long logId) => new LogStore(this, logId);

    /// <inheritdoc/>
    public void Dispose()
    {
        _select.Dispose();
        _upsert.Dispose();
    }

    private byte[]? ReadTile(long log, int level, long tile)
    {
        if (_cache is not null)
        {
            // A proof reads the same leaf-level tile for its lowest four levels: remember the last one.
            if (_last.Bytes is not null && _last.Log == log && _last.Level == level && _last.Tile == tile)
            {
                return _last.Bytes;
            }
            if (_cache.TryGet(log, level, tile, out var cached))
            {
                return cached;
            }
        }
        _select.Parameters[0].Value = log;
        _select.Parameters[1].Value = level;
        _select.Parameters[2].Value = tile;
        var bytes = _select.ExecuteScalar() as byte[];
        if (_cache is not null && bytes is { Length: TileWidth * Hash32.Length })
        {
            _last = (log, level, tile, bytes);
            _cache.Add(log, level, tile, bytes);
        }
        return bytes;
    }

    private void WriteTile(long log, int level, long tile, byte[] hashes)
    {
        _upsert.Parameters[0].Value = log;
        _upsert.Parameters[1].Value = level;
        _upsert.Parameters[2].Value = tile;
        _upsert.Parameters[3].Value = hashes;
        _upsert.ExecuteNonQuery();
    }

    private sealed class LogStore(SqliteTileStore tiles, long log) : IMerkleHashStore
    {
        public void Read(int level, long index, Span<Hash32> destination)
        {
            var done = 0;
            while (done < destination.Length)
            {
                var at = index + done;
                var tile = at / TileWidth;
                var offset = (int)(at % TileWidth);
                var bytes = tiles.ReadTile(log, level, tile);
                var available = bytes is null ? 0 : bytes.Length / Hash32.Length - offset;
                var take = Math.Min(destination.Length - done, TileWidth - offset);
                if (available < take)
                {
                    throw new InvalidOperationException($"log {log}: hashes [{at}, {at + take}) at level {level} are not stored; the database is incomplete or damaged");
                }
                for (var i = 0; i < take; i++)
                {
                    destination[done + i] = new Hash32(bytes.AsSpan((offset + i) * Hash32.Length, Hash32.Length));
                }
                done += take;
            }
        }

        public void Write(int level, long index, ReadOnlySpan<Hash32> hashes)
        {
            var done = 0;
            while (done < hashes.Length)
            {
                var at = index + done;
                var tile = at / TileWidth;
                var offset = (int)(at % TileWidth);
                var take = Math.Min(hashes.Length - done, TileWidth - offset);
                // A tile is only ever extended (or rewritten with the same values), so what lies
                // before the write position must already be there.
                var existing = offset == 0 && take == TileWidth ? null : tiles.ReadTile(log, level, tile);
                var existingCount = existing is null ? 0 : existing.Length / Hash32.Length;
                if (existingCount < offset)
                {
                    throw new InvalidOperationException($"log {log}: writing level {level} at {at} would leave a hole after {tile * TileWidth + existingCount}");
                }
                var count = Math.Max(existingCount, offset + take);
                var bytes = new byte[count * Hash32.Length];
                existing?.CopyTo(bytes, 0);
                for (var i = 0; i < take; i++)
                {
                    hashes[done + i].CopyTo(bytes.AsSpan((offset + i) * Hash32.Length, Hash32.Length));
                }
                tiles.WriteTile(log, level, tile, bytes);
                done += take;
            }
        }
    }
}

/// <summary>
/// Full hash tiles shared by readers. Leaf-level tiles are not kept (random proofs rarely reuse
/// them); upper levels are few and read by every proof.
/// </summary>
public sealed class TileCache
{
    private readonly int _capacity;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(long, int, long), byte[]> _tiles = new();

    /// <summary>A cache of at most <paramref name="capacity"/> tiles (1 KiB each).</summary>
    public TileCache(int capacity = 65_536) => _capacity = capacity;

    internal bool TryGet(long log, int level, long tile, out byte[] bytes) => _tiles.TryGetValue((log, level, tile), out bytes!);

    internal void Add(long log, int level, long tile, byte[] bytes)
    {
        if (level == 0)
        {
            return;
        }
        if (_tiles.Count >= _capacity)
        {
            _tiles.Clear();
        }
        _tiles.TryAdd((log, level, tile), bytes);
    }
}
