using System.Diagnostics;
using EdgeGateway.Tests.Support;

namespace Packaging.Tests.Support;

/// <summary>
/// One run of packaging/build-deb.sh for an architecture, shared by the tests of a run (the publish
/// is the slow part), and the package unpacked with <c>dpkg-deb -R</c>: its file tree and DEBIAN/.
/// </summary>
public abstract class BuiltPackage(string architecture) : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory($"edgetrace-deb-{architecture}-").FullName;

    public string Architecture { get; } = architecture;

    public string Version { get; } = File.ReadAllText(Processes.InRepository("packaging/VERSION")).Trim();

    public string DebPath { get; private set; } = "";

    /// <summary>The package's files as they would be installed, under a scratch root; DEBIAN/ holds its control files.</summary>
    public string Root => Path.Combine(_folder, "root");

    /// <summary>The packaged gateway, /opt/edgetrace/EdgeGateway.</summary>
    public string Gateway => Path.Combine(Root, "opt/edgetrace/EdgeGateway");

    public TimeSpan BuildTime { get; private set; }

    public string Scratch(string name) => Directory.CreateDirectory(Path.Combine(_folder, "scratch", name)).FullName;

    public async Task InitializeAsync()
    {
        var clock = Stopwatch.StartNew();
        var build = await Processes.RunAsync("bash",
            [Processes.InRepository("packaging/build-deb.sh"), "--arch", Architecture, "--out", Path.Combine(_folder, "out")],
            // The native compile takes 1–2 minutes on an idle 2-core machine, but many times that when
            // the machine is shared; the limit only catches a build that hangs.
            timeout: TimeSpan.FromMinutes(30));
        BuildTime = clock.Elapsed;
        if (build.Exit != 0)
        {
            throw new InvalidOperationException($"packaging/build-deb.sh --arch {Architecture} failed ({build.Exit}):\n{build.Stdout}\n{build.Stderr}");
        }
        DebPath = build.Stdout.TrimEnd('\n').Split('\n')[^1];
        var unpack = await Processes.RunAsync("dpkg-deb", ["-R", DebPath, Root]);
        if (unpack.Exit != 0)
        {
            throw new InvalidOperationException($"dpkg-deb -R {DebPath} failed ({unpack.Exit}): {unpack.Stderr}");
        }
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>dpkg-deb with these arguments and the package; fails unless it exits 0.</summary>
    public async Task<string> DpkgDebAsync(params string[] args)
    {
        var run = await Processes.RunAsync("dpkg-deb", [.. args, DebPath]);
        Assert.True(run.Exit == 0, $"dpkg-deb {string.Join(' ', args)} exited {run.Exit}: {run.Stderr}");
        return run.Stdout;
    }
}

public sealed class Arm64Package() : BuiltPackage("arm64");

public sealed class Amd64Package() : BuiltPackage("amd64");

/// <summary>
/// The package tests: the arm64 and amd64 packages each built once per run, from the same script, and
/// the tests one at a time (a publish or the emulator keeps a core busy).
/// </summary>
[CollectionDefinition(Name)]
public sealed class PackagesCollection : ICollectionFixture<Arm64Package>, ICollectionFixture<Amd64Package>
{
    public const string Name = "packages";
}
