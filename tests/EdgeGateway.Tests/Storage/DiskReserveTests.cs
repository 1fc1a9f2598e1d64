using EdgeGateway.Storage;
using EdgeGateway.Tests.Support;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.Tests.Storage;

/// <summary>The reserve kept aside on the data folder's file system, on a real small one.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DiskReserveTests
{
    private const long MiB = 1024 * 1024;

    [RootFact]
    public void TryHold_WithRoom_WritesTheReserve_ReleaseGivesItBack_AndWithoutRoomItIsNotWritten()
    {
        using var mount = TmpfsMount.Create(6);
        var reserve = new DiskReserve(mount.Path, 2 * MiB);

        Assert.True(reserve.TryHold());
        Assert.Equal(2 * MiB, new FileInfo(reserve.Path).Length);
        Assert.True(reserve.IsHeld);
        var filler = mount.Fill("filler");
        Assert.True(reserve.IsLow());

        Assert.True(reserve.Release());
        Assert.True(reserve.FreeBytes() >= 2 * MiB - 64 * 1024, $"{reserve.FreeBytes()} bytes free after the reserve was given back");
        Assert.False(reserve.TryHold());
        Assert.False(File.Exists(reserve.Path));

        File.Delete(filler);
        Assert.True(reserve.TryHold());
    }

    [RootFact]
    public void TryHold_WithoutAReserve_SaysWhetherTheHeadroomIsFree()
    {
        using var mount = TmpfsMount.Create(4);
        var none = new DiskReserve(mount.Path, 0);
        Assert.True(none.TryHold());
        var filler = mount.Fill("filler");
        Assert.False(none.TryHold());
        File.Delete(filler);
        // The kernel gives the pages back as the last handle on the file goes; wait for statfs to show it.
        var freed = System.Diagnostics.Stopwatch.StartNew();
        while (mount.FreeBytes < 2 * MiB && freed.Elapsed < TimeSpan.FromSeconds(10))
        {
            Thread.Sleep(20);
        }
        Assert.True(none.TryHold(), $"{none.FreeBytes()} bytes free after the filler was deleted");
        Assert.False(File.Exists(none.Path));
    }

    [Fact]
    public void IsOutOfSpace_KnowsSqliteFullAndEnospc_AndNothingElse()
    {
        Assert.True(DiskReserve.IsOutOfSpace(new SqliteException("database or disk is full", 13)));
        Assert.True(DiskReserve.IsOutOfSpace(new IOException("No space left on device", 28)));
        Assert.True(DiskReserve.IsOutOfSpace(new IOException("Disk quota exceeded", 122)));
        Assert.True(DiskReserve.IsOutOfSpace(new InvalidOperationException("wrapped", new SqliteException("database or disk is full", 13))));
        Assert.False(DiskReserve.IsOutOfSpace(new SqliteException("constraint failed", 19)));
        Assert.False(DiskReserve.IsOutOfSpace(new IOException("Input/output error", 5)));
        Assert.False(DiskReserve.IsOutOfSpace(null));
    }
}
