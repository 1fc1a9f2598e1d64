using System.Globalization;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Merkle;

namespace AnchorNode.Ledger;

/// <summary>
/// The last (size, root) a member key signed for the ledger, kept in a file beside the key rather
/// than in the database, so that restoring an old database (or pointing the key at another one)
/// cannot make the key sign a checkpoint inconsistent with one it already signed.
/// </summary>
public sealed class CheckpointGuard
{
    private readonly string _path;
    private readonly Lock _gate = new();

    /// <summary>The guard kept at <paramref name="path"/>.</summary>
    public CheckpointGuard(string path) => _path = path;

    /// <summary>The last signed (size, root), or null when the key never signed.</summary>
    public (long Size, Hash32 Root)? Last
    {
        get
        {
            lock (_gate)
            {
                if (!File.Exists(_path))
                {
                    return null;
                }
                var parts = File.ReadAllText(_path).Trim().Split(' ');
                if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var size) || !Hash32.TryFromBase64(parts[1], out var root))
                {
                    throw new InvalidDataException($"{_path} is damaged; it should hold '<size> <base64 root>' of the last signed checkpoint. Restore it before signing again.");
                }
                return (size, root);
            }
        }
    }

    /// <summary>
    /// Refuses (size, root) unless it extends the last signed checkpoint in <paramref name="tree"/>:
    /// the log must be at least as large and hold the same root at the old size.
    /// </summary>
    /// <exception cref="InvalidOperationException">When signing would contradict an earlier signature.</exception>
    public void Check(long size, MerkleTreeReader tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        if (Last is not { } last)
        {
            return;
        }
        if (size < last.Size)
        {
            throw new InvalidOperationException($"refusing to sign: this key already signed the ledger at size {last.Size}, but the database holds {size} entries (was it restored from an old copy?)");
        }
        if (last.Size > 0 && tree.Root(last.Size) != last.Root)
        {
            throw new InvalidOperationException($"refusing to sign: the ledger's root at size {last.Size} differs from the one this key signed; the database is not the ledger this key vouched for");
        }
    }

    /// <summary>Records (size, root) durably before the signature leaves the process.</summary>
    public void Record(long size, Hash32 root)
    {
        lock (_gate)
        {
            var temp = _path + ".tmp";
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(string.Create(CultureInfo.InvariantCulture, $"{size} {root.ToBase64()}\n"));
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, _path, overwrite: true);
        }
    }
}
