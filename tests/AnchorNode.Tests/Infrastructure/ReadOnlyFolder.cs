using System.Diagnostics;
using System.Runtime.InteropServices;

namespace AnchorNode.Tests.Infrastructure;

/// <summary>
/// A folder this process cannot write, as an auditor's account or a read-only snapshot sees a
/// node's folder: a read-only bind mount of it when the tests run as root (root writes through file
/// permissions; CI runs as root), otherwise the same folder with its write permissions removed.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ReadOnlyFolder : IDisposable
{
    private readonly string _source;
    private readonly bool _mounted;

    private ReadOnlyFolder(string source)
    {
        _source = source;
        _mounted = geteuid() == 0;
        if (_mounted)
        {
            Path = source + "-read-only";
            Directory.CreateDirectory(Path);
            Run("mount", "--bind", source, Path);
            Run("mount", "-o", "remount,ro,bind", Path);
        }
        else
        {
            Path = source;
            SetWritable(source, writable: false);
        }
    }

    /// <summary>Where to read it.</summary>
    public string Path { get; }

    /// <summary>A read-only view of <paramref name="folder"/>, until disposed.</summary>
    public static ReadOnlyFolder Of(string folder) => new(folder);

    public void Dispose()
    {
        if (_mounted)
        {
            Run("umount", Path);
            Directory.Delete(Path);
        }
        else
        {
            SetWritable(_source, writable: true);
        }
    }

    private static void SetWritable(string folder, bool writable)
    {
        const UnixFileMode read = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            File.SetUnixFileMode(file, writable ? read | UnixFileMode.UserWrite : read);
        }
        const UnixFileMode list = read | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        File.SetUnixFileMode(folder, writable ? list | UnixFileMode.UserWrite : list);
    }

    private static void Run(params string[] command)
    {
        using var process = Process.Start(new ProcessStartInfo(command[0], command[1..]) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{string.Join(' ', command)} failed ({process.ExitCode}): {error}");
    }

#pragma warning disable SYSLIB1054 // test-only P/Invoke, blittable signature
    [DllImport("libc")]
    private static extern uint geteuid();
#pragma warning restore SYSLIB1054
}
