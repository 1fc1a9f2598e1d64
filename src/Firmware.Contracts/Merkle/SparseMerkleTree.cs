using System.Security.Cryptography;
using Firmware.Contracts.Hashing;

namespace Firmware.Contracts.Merkle;

/// <summary>A key and value of a sparse Merkle tree, both as SHA-256 hashes.</summary>
/// <param name="Key">SHA-256 of the key: its position in the tree, most significant bit first.</param>
/// <param name="Value">SHA-256 of the value.</param>
public readonly record struct SparseLeaf(Hash32 Key, Hash32 Value);

/// <summary>
/// A sparse Merkle tree over 256-bit key hashes, in the compact form (a subtree that holds exactly
/// one leaf is that leaf; an empty subtree is 32 zero bytes), with hashing separated from RFC 9162's:
/// <list type="bullet">
/// <item>leaf: SHA-256(0x02 ‖ key hash ‖ value hash)</item>
/// <item>interior node: SHA-256(0x03 ‖ left ‖ right), where the left child holds the keys whose next bit is 0</item>
/// <item>empty subtree: 32 zero bytes; the root of the empty map is the empty subtree</item>
/// </list>
/// Each map has exactly one root. A proof for a key is the list of sibling hashes along its path,
/// deepest first, ending at the key's leaf (membership), at an empty subtree, or at another key's
/// leaf that shares the path (both absence).
/// </summary>
public sealed class SparseMerkleTree
{
    /// <summary>The hash of an empty subtree (and of the empty map).</summary>
    public static readonly Hash32 Empty = default;

    /// <summary>The deepest a path can go: one level per key bit.</summary>
    public const int MaxDepth = 256;

    private readonly SparseLeaf[] _leaves;
    private readonly Dictionary<(int Depth, int Start), Hash32> _nodes = [];

    private SparseMerkleTree(SparseLeaf[] leaves)
    {
        _leaves = leaves;
        Root = Node(0, 0, leaves.Length);
    }

    /// <summary>The root hash.</summary>
    public Hash32 Root { get; }

    /// <summary>The number of keys.</summary>
    public int Count => _leaves.Length;

    /// <summary>The tree of <paramref name="leaves"/>.</summary>
    /// <exception cref="ArgumentException">When two leaves have the same key hash.</exception>
    public static SparseMerkleTree Build(IEnumerable<SparseLeaf> leaves)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        var sorted = leaves.ToArray();
        Array.Sort(sorted, static (a, b) => a.Key.Bytes.SequenceCompareTo(b.Key.Bytes));
        for (var i = 1; i < sorted.Length; i++)
        {
            if (sorted[i].Key == sorted[i - 1].Key)
            {
                throw new ArgumentException($"two leaves have key hash {sorted[i].Key.ToHex()}", nameof(leaves));
            }
        }
        return new SparseMerkleTree(sorted);
    }

    /// <summary>SHA-256(0x02 ‖ <paramref name="key"/> ‖ <paramref name="value"/>).</summary>
    public static Hash32 HashLeaf(in Hash32 key, in Hash32 value) => Hash(0x02, key, value);

    /// <summary>SHA-256(0x03 ‖ <paramref name="left"/> ‖ <paramref name="right"/>).</summary>
    public static Hash32 HashChildren(in Hash32 left, in Hash32 right) => Hash(0x03, left, right);

    private static Hash32 Hash(byte prefix, in Hash32 first, in Hash32 second)
    {
        Span<byte> buffer = stackalloc byte[1 + 2 * Hash32.Length];
        buffer[0] = prefix;
        first.CopyTo(buffer.Slice(1, Hash32.Length));
        second.CopyTo(buffer.Slice(1 + Hash32.Length, Hash32.Length));
        var result = default(Hash32);
        SHA256.HashData(buffer, result.WritableBytes());
        return result;
    }

    /// <summary>Bit <paramref name="index"/> of <paramref name="key"/>, most significant bit of the first byte first.</summary>
    public static int Bit(in Hash32 key, int index) => (key.Bytes[index >> 3] >> (7 - (index & 7))) & 1;

    /// <summary>The proof for <paramref name="key"/>: membership when the tree holds it, absence otherwise.</summary>
    public SparseProof Prove(in Hash32 key)
    {
        var siblings = new List<Hash32>();
        int start = 0, end = _leaves.Length, depth = 0;
        while (end - start > 1)
        {
            var split = Split(start, end, depth);
            if (Bit(key, depth) == 0)
            {
                siblings.Add(Node(depth + 1, split, end));
                end = split;
            }
            else
            {
                siblings.Add(Node(depth + 1, start, split));
                start = split;
            }
            depth++;
        }
        siblings.Reverse();
        SparseLeaf? terminal = end - start == 1 ? _leaves[start] : null;
        return new SparseProof(siblings, terminal);
    }

    private Hash32 Node(int depth, int start, int end)
    {
        if (end == start)
        {
            return Empty;
        }
        if (end - start == 1)
        {
            return HashLeaf(_leaves[start].Key, _leaves[start].Value);
        }
        if (_nodes.TryGetValue((depth, start), out var cached))
        {
            return cached;
        }
        var split = Split(start, end, depth);
        var hash = HashChildren(Node(depth + 1, start, split), Node(depth + 1, split, end));
        _nodes[(depth, start)] = hash;
        return hash;
    }

    // The first leaf in [start, end) whose bit at depth is 1 (keys are sorted, so bit 0 comes first).
    private int Split(int start, int end, int depth)
    {
        if (depth >= MaxDepth)
        {
            throw new InvalidOperationException("two keys share all 256 bits");
        }
        int lo = start, hi = end;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (Bit(_leaves[mid].Key, depth) == 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }
}

/// <summary>
/// A sparse Merkle proof: sibling hashes deepest first, and the leaf the path ends at (the key's own
/// for membership, another key's for absence), or null when it ends at an empty subtree.
/// </summary>
/// <param name="Siblings">Sibling hashes from the deepest level up to the root's children.</param>
/// <param name="Terminal">The leaf at the end of the path, or null for an empty subtree.</param>
public sealed record SparseProof(IReadOnlyList<Hash32> Siblings, SparseLeaf? Terminal)
{
    /// <summary>
    /// Checks that the tree with <paramref name="root"/> maps <paramref name="key"/> to
    /// <paramref name="value"/> (membership), or, when <paramref name="value"/> is null, holds no
    /// such key (absence).
    /// </summary>
    public Result Verify(in Hash32 root, in Hash32 key, Hash32? value)
    {
        var depth = Siblings.Count;
        if (depth > SparseMerkleTree.MaxDepth)
        {
            return Result.Fail("state-proof", $"a state proof has at most {SparseMerkleTree.MaxDepth} hashes, this one {depth}");
        }
        Hash32 node;
        if (value is { } v)
        {
            if (Terminal is not { } own || own.Key != key || own.Value != v)
            {
                return Result.Fail("state-proof", "the proof does not end at the key's own leaf with this value");
            }
            node = SparseMerkleTree.HashLeaf(key, v);
        }
        else if (Terminal is { } other)
        {
            if (other.Key == key)
            {
                return Result.Fail("state-proof", "the proof ends at the key's own leaf, so it proves the key is present, not absent");
            }
            for (var i = 0; i < depth; i++)
            {
                if (SparseMerkleTree.Bit(other.Key, i) != SparseMerkleTree.Bit(key, i))
                {
                    return Result.Fail("state-proof", $"the leaf the absence proof ends at does not share the key's first {depth} bits (bit {i} differs)");
                }
            }
            node = SparseMerkleTree.HashLeaf(other.Key, other.Value);
        }
        else
        {
            node = SparseMerkleTree.Empty;
        }
        for (var i = 0; i < depth; i++)
        {
            var sibling = Siblings[i];
            node = SparseMerkleTree.Bit(key, depth - 1 - i) == 0
                ? SparseMerkleTree.HashChildren(node, sibling)
                : SparseMerkleTree.HashChildren(sibling, node);
        }
        return node == root
            ? Result.Ok
            : Result.Fail("state-root-mismatch", $"the proof gives state root {node.ToBase64()}, the checkpoint commits to {root.ToBase64()}");
    }
}
