using AnchorNode.Storage;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;

namespace AnchorNode.Tests.Storage;

/// <summary>The tile-backed hash store gives the same roots and proofs as the in-memory reference store, whatever the append pattern.</summary>
public sealed class SqliteTileStoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "edgetrace-tile-tests", Guid.NewGuid().ToString("N"));
    private readonly NodeDatabase _database;

    public SqliteTileStoreTests()
    {
        Directory.CreateDirectory(_dir);
        _database = new NodeDatabase(Path.Combine(_dir, "node.db"));
        _database.EnsureCreated();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    public void AppendsInBatches_MatchTheReference(int seed)
    {
        var random = new Random(seed);
        using var connection = _database.OpenWriter();
        using var tiles = new SqliteTileStore(connection);
        var stored = new MerkleLog(tiles.Log(seed));
        var reference = new MerkleLog(new InMemoryMerkleHashStore());
        while (reference.Size < 700)
        {
            var batch = Enumerable.Range(0, random.Next(1, 40)).Select(_ => Hash32.Sha256(BitConverter.GetBytes(random.NextInt64()))).ToArray();
            stored.Append(batch);
            reference.Append(batch);
        }
        // Reopened from the database alone (as after a restart), the log still agrees.
        var reopened = new MerkleLog(tiles.Log(seed), stored.Size);
        Assert.Equal(reference.Root(), reopened.Root());
        for (var size = 1L; size <= reference.Size; size += random.Next(1, 60))
        {
            Assert.Equal(reference.Reader.Root(size), reopened.Reader.Root(size));
            var index = random.NextInt64(size);
            Assert.Equal(reference.Reader.InclusionProof(index, size), reopened.Reader.InclusionProof(index, size));
            var old = random.NextInt64(1, size + 1);
            Assert.Equal(reference.Reader.ConsistencyProof(old, size), reopened.Reader.ConsistencyProof(old, size));
        }
    }

    [Fact]
    public void ReadingBeyondWhatWasWritten_SaysTheDatabaseIsIncomplete()
    {
        using var connection = _database.OpenWriter();
        using var tiles = new SqliteTileStore(connection);
        var log = new MerkleLog(tiles.Log(1));
        log.Append([Hash32.Sha256("a"u8), Hash32.Sha256("b"u8)]);
        var error = Assert.Throws<InvalidOperationException>(() => log.Reader.Root(5));
        Assert.Contains("not stored", error.Message, StringComparison.Ordinal);
    }
}
