using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EdgeGateway.Tests.Support;

/// <summary>A test that mounts a file system: it runs as root (CI does) and is skipped, saying why, otherwise.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "needs Linux: the test mounts a tmpfs";
        }
        else if (TmpfsMount.EffectiveUserId() != 0)
        {
            Skip = "needs root to mount a small tmpfs (CI runs as root); run the tests as root to include it";
        }
    }
}

/// <summary>
/// A real, small file system: a tmpfs of a few MiB mounted on a fresh folder, unmounted and
/// removed afterwards. Filling it gives the gateway a real ENOSPC.
/// </summary>
public sealed class TmpfsMount : IDisposable
{
    private readonly TempFolder _parent = new("edgegateway-tmpfs-");

    private TmpfsMount(int megabytes)
    {
        Path = _parent.File("fs");
        Directory.CreateDirectory(Path);
        Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m,mode=0700", "tmpfs", Path);
    }

    public string Path { get; }

    public static TmpfsMount Create(int megabytes) => new(megabytes);

    public long FreeBytes => new DriveInfo(Path).AvailableFreeSpace;

    /// <summary>Writes <paramref name="name"/> until the file system is full; returns its path.</summary>
    public string Fill(string name)
    {
        var path = System.IO.Path.Combine(Path, name);
        var chunk = new byte[64 * 1024];
        Array.Fill(chunk, (byte)0x5A);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        try
        {
            while (true)
            {
                file.Write(chunk);
            }
        }
        catch (IOException e) when (e.HResult == 28)
        {
            // ENOSPC: full. The last, partial chunk is whatever fitted.
        }
        // Pages short of a whole chunk remain; take them one 4 KiB block at a time.
        try
        {
            while (true)
            {
                file.Write(chunk, 0, 4096);
            }
        }
        catch (IOException e) when (e.HResult == 28)
        {
        }
        return path;
    }

    public void Dispose()
    {
        try
        {
            Run("umount", "-l", Path);
        }
        finally
        {
            _parent.Dispose();
        }
    }

    private static void Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        using var process = Process.Start(psi)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {error}");
        }
    }

#pragma warning disable SYSLIB1054 // test-only P/Invoke, blittable signature
    [DllImport("libc")]
    private static extern uint geteuid();
#pragma warning restore SYSLIB1054

    internal static uint EffectiveUserId() => geteuid();
}
