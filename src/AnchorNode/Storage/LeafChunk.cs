using System.Buffers.Binary;

namespace AnchorNode.Storage;

/// <summary>One stored leaf: its sequence number, its time (from the leaf) and its bytes as received.</summary>
public readonly record struct StoredLeaf(long Seq, long TimeMs, ReadOnlyMemory<byte> Bytes);

/// <summary>
/// The leaves of one upload, stored as one row: per leaf, its sequence (8 bytes), time (8 bytes,
/// Unix ms) and length (4 bytes), all big-endian, then its bytes. One row per upload instead of one
/// per leaf keeps the single writer's work per upload small; sequence numbers are stored with each
/// leaf so that a leaf removed from a chunk shows as a gap rather than shifting its neighbours.
/// </summary>
public static class LeafChunk
{
    private const int RecordHeader = 8 + 8 + 4;

    /// <summary>Writes a chunk.</summary>
    public static byte[] Encode(IReadOnlyList<StoredLeaf> leaves)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        var size = leaves.Sum(l => RecordHeader + l.Bytes.Length);
        var buffer = new byte[size];
        var at = 0;
        foreach (var leaf in leaves)
        {
            BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(at), leaf.Seq);
            BinaryPrimitives.WriteInt64BigEndian(buffer.AsSpan(at + 8), leaf.TimeMs);
            BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(at + 16), leaf.Bytes.Length);
            leaf.Bytes.Span.CopyTo(buffer.AsSpan(at + RecordHeader));
            at += RecordHeader + leaf.Bytes.Length;
        }
        return buffer;
    }

    /// <summary>Reads a chunk.</summary>
    /// <exception cref="InvalidDataException">When the framing is damaged.</exception>
    public static List<StoredLeaf> Decode(byte[] chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var leaves = new List<StoredLeaf>();
        var at = 0;
        while (at < chunk.Length)
        {
            if (chunk.Length - at < RecordHeader)
            {
                throw new InvalidDataException($"a stored leaf chunk is damaged: {chunk.Length - at} stray bytes at its end");
            }
            var seq = BinaryPrimitives.ReadInt64BigEndian(chunk.AsSpan(at));
            var time = BinaryPrimitives.ReadInt64BigEndian(chunk.AsSpan(at + 8));
            var length = BinaryPrimitives.ReadInt32BigEndian(chunk.AsSpan(at + 16));
            if (length < 0 || length > chunk.Length - at - RecordHeader)
            {
                throw new InvalidDataException($"a stored leaf chunk is damaged: leaf {seq} claims {length} bytes");
            }
            leaves.Add(new StoredLeaf(seq, time, chunk.AsMemory(at + RecordHeader, length)));
            at += RecordHeader + length;
        }
        return leaves;
    }
}
