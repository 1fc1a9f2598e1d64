using Microsoft.Data.Sqlite;
using static SQLitePCL.raw;

namespace EdgeGateway.Storage;

/// <summary>
/// Room kept aside on the data folder's file system so that a full disk can still be recorded: a
/// file of <see cref="Bytes"/> written at start (<see cref="FileName"/>, next to the database) and
/// deleted when the file system fills up, so that the writer can commit what it holds, the
/// <c>disk-full</c> event and the bookkeeping, and keep writing the few alarm and event leaves
/// while readings are refused. It is written again, and readings accepted again, once the file
/// system has room for it and <see cref="HeadroomBytes"/> more.
/// </summary>
/// <remarks>
/// The same idea as a database's "ballast" file: space that nobody else can take, given back
/// exactly when it is needed.
/// </remarks>
public sealed class DiskReserve
{
    /// <summary>The reserve file's name in the data folder.</summary>
    public const string FileName = "gateway.db-reserve";

    /// <summary>
    /// Free space below which the file system counts as full even before a write fails; it is also
    /// what must stay free beyond the reserve before readings are accepted again.
    /// </summary>
    public const long HeadroomBytes = 1024 * 1024;

    private const int ChunkBytes = 64 * 1024;
    private readonly string _folder;

    /// <param name="dataDirectory">The data folder (the database's).</param>
    /// <param name="bytes">The reserve's size; 0 keeps none (the headroom still applies).</param>
    public DiskReserve(string dataDirectory, long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        _folder = dataDirectory;
        Path = System.IO.Path.Combine(dataDirectory, FileName);
        Bytes = bytes;
    }

    /// <summary>The reserve file.</summary>
    public string Path { get; }

    /// <summary>The reserve's size.</summary>
    public long Bytes { get; }

    /// <summary>Whether the reserve file is there at full size.</summary>
    public bool IsHeld => Bytes == 0 || (File.Exists(Path) && new FileInfo(Path).Length == Bytes);

    /// <summary>Bytes an unprivileged writer may still use on the data folder's file system.</summary>
    public long FreeBytes() => new DriveInfo(_folder).AvailableFreeSpace;

    /// <summary>Whether the file system is below the headroom (a commit may fail soon).</summary>
    public bool IsLow() => FreeBytes() < HeadroomBytes;

    /// <summary>
    /// Writes the reserve file (synced) if it is not there yet and the file system has room for it
    /// plus the headroom. False when there is no such room (the partial file is removed again), and,
    /// without a reserve, when less than the headroom is free.
    /// </summary>
    public bool TryHold()
    {
        if (Bytes == 0)
        {
            // No reserve: room is the headroom alone.
            return !IsLow();
        }
        if (IsHeld)
        {
            return true;
        }
        if (FreeBytes() < Bytes + HeadroomBytes)
        {
            return false;
        }
        try
        {
            // Not zeros: a compressing file system would keep them in no space at all.
            var chunk = new byte[ChunkBytes];
            Array.Fill(chunk, (byte)0xA5);
            using (var file = new FileStream(Path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                for (long written = 0; written < Bytes; written += ChunkBytes)
                {
                    file.Write(chunk, 0, (int)Math.Min(ChunkBytes, Bytes - written));
                }
                file.Flush(flushToDisk: true);
            }
            DirectorySync.Sync(_folder);
            return true;
        }
        catch (IOException e) when (IsOutOfSpace(e))
        {
            Release();
            return false;
        }
    }

    /// <summary>Deletes the reserve file; true when there was one to give back.</summary>
    public bool Release()
    {
        try
        {
            if (!File.Exists(Path))
            {
                return false;
            }
            File.Delete(Path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Whether <paramref name="error"/> (or an exception inside it) means the file system is full:
    /// <c>SQLITE_FULL</c>, a shared-memory file that could not grow, or ENOSPC / EDQUOT from a file write.
    /// </summary>
    public static bool IsOutOfSpace(Exception? error)
    {
        const int enospc = 28, edquot = 122;
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SqliteException s when s.SqliteErrorCode == SQLITE_FULL || s.SqliteExtendedErrorCode == SQLITE_IOERR_SHMSIZE:
                    return true;
                case IOException io when io.HResult is enospc or edquot:
                    return true;
            }
        }
        return false;
    }
}
