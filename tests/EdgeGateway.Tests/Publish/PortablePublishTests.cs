using System.Buffers.Binary;
using EdgeGateway.Tests.Support;

namespace EdgeGateway.Tests.Publish;

/// <summary>
/// Runs hardware/check-publish.sh once (as operators and CI do), with --no-build so that it reuses
/// the build this test run was made from: seconds, and no rebuild of binaries other test projects
/// may be running.
/// </summary>
public sealed class PublishedGateway : IAsyncLifetime
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    public string Folder { get; } = Directory.CreateTempSubdirectory("edgetrace-publish-").FullName;

    public ProcessResult Script { get; private set; } = new(-1, "", "");

    public async Task InitializeAsync() =>
        Script = await Processes.RunAsync("bash", [Processes.InRepository("hardware/check-publish.sh"), "--no-build", "-c", Configuration, "-o", Folder]);

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }
}

public sealed class PortablePublishTests(PublishedGateway published) : IClassFixture<PublishedGateway>, IDisposable
{
    // ELF e_machine values (ELF specification, elf.h): EM_ARM and EM_AARCH64.
    private const ushort EmArm = 40;
    private const ushort EmAarch64 = 183;

    private readonly string _scratch = Directory.CreateTempSubdirectory("edgetrace-publish-check-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private string Out(string relative) => Path.Combine(published.Folder, relative);

    [Fact]
    public void CheckPublish_PortablePublish_CarriesArmAndArm64SqliteNatives()
    {
        Assert.True(published.Script.Exit == 0, $"check-publish failed ({published.Script.Exit}):\n{published.Script.Stdout}\n{published.Script.Stderr}");
        Assert.Contains("OK", published.Script.Stdout, StringComparison.Ordinal);
        Assert.Equal(EmAarch64, ElfMachine(Out("runtimes/linux-arm64/native/libe_sqlite3.so")));
        Assert.Equal(EmArm, ElfMachine(Out("runtimes/linux-arm/native/libe_sqlite3.so")));
        Assert.Equal(EmAarch64, ElfMachine(Out("runtimes/linux-arm64/native/libSystem.IO.Ports.Native.so")));
        Assert.Equal(EmArm, ElfMachine(Out("runtimes/linux-arm/native/libSystem.IO.Ports.Native.so")));
        Assert.False(File.Exists(Out("libcoreclr.so")), "framework-dependent: no runtime in the output");
        Assert.StartsWith("#!/bin/sh", File.ReadAllText(Out("EdgeGateway")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckPublish_FolderWithoutArmNative_FailsNamingTheMissingFile()
    {
        File.WriteAllText(Path.Combine(_scratch, "EdgeGateway"), "#!/bin/sh\n");
        File.WriteAllText(Path.Combine(_scratch, "EdgeGateway.dll"), "");
        File.WriteAllText(Path.Combine(_scratch, "EdgeGateway.runtimeconfig.json"), "{}");
        Directory.CreateDirectory(Path.Combine(_scratch, "runtimes/linux-arm64/native"));
        File.WriteAllText(Path.Combine(_scratch, "runtimes/linux-arm64/native/libe_sqlite3.so"), "");
        File.WriteAllText(Path.Combine(_scratch, "runtimes/linux-arm64/native/libSystem.IO.Ports.Native.so"), "");
        Directory.CreateDirectory(Path.Combine(_scratch, "runtimes/linux-arm/native"));
        File.WriteAllText(Path.Combine(_scratch, "runtimes/linux-arm/native/libSystem.IO.Ports.Native.so"), "");

        var run = await Processes.RunAsync("bash", [Processes.InRepository("hardware/check-publish.sh"), "--check-only", _scratch]);

        Assert.Equal(1, run.Exit);
        Assert.Contains("runtimes/linux-arm/native/libe_sqlite3.so", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("linux-arm64/native", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("libSystem.IO.Ports", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckPublish_FolderWithoutSerialPortNative_FailsNamingTheMissingFile()
    {
        File.WriteAllText(Path.Combine(_scratch, "EdgeGateway"), "#!/bin/sh\n");
        foreach (var f in new[] { "EdgeGateway.dll", "EdgeGateway.runtimeconfig.json" }) File.WriteAllText(Path.Combine(_scratch, f), "");
        foreach (var rid in new[] { "linux-arm64", "linux-arm" })
        {
            Directory.CreateDirectory(Path.Combine(_scratch, $"runtimes/{rid}/native"));
            File.WriteAllText(Path.Combine(_scratch, $"runtimes/{rid}/native/libe_sqlite3.so"), "");
        }
        File.WriteAllText(Path.Combine(_scratch, "runtimes/linux-arm64/native/libSystem.IO.Ports.Native.so"), "");

        var run = await Processes.RunAsync("bash", [Processes.InRepository("hardware/check-publish.sh"), "--check-only", _scratch]);

        Assert.Equal(1, run.Exit);
        Assert.Contains("runtimes/linux-arm/native/libSystem.IO.Ports.Native.so", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("linux-arm64/native", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckPublish_NativeLauncherForThisMachine_IsRejected()
    {
        foreach (var f in new[] { "EdgeGateway.dll", "EdgeGateway.runtimeconfig.json" }) File.WriteAllText(Path.Combine(_scratch, f), "");
        foreach (var rid in new[] { "linux-arm64", "linux-arm" })
        {
            Directory.CreateDirectory(Path.Combine(_scratch, $"runtimes/{rid}/native"));
            File.WriteAllText(Path.Combine(_scratch, $"runtimes/{rid}/native/libe_sqlite3.so"), "");
        }
        File.WriteAllBytes(Path.Combine(_scratch, "EdgeGateway"), [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1]);

        var run = await Processes.RunAsync("bash", [Processes.InRepository("hardware/check-publish.sh"), "--check-only", _scratch]);

        Assert.Equal(1, run.Exit);
        Assert.Contains("native launcher built for this machine", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Launcher_InPublishOutput_RunsTheDllOnTheSharedRuntime()
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? Environment.ProcessPath!;
        Assert.True(File.Exists(dotnet), $"no dotnet host at {dotnet}");

        var direct = await Processes.RunAsync(dotnet, [Out("EdgeGateway.dll"), "--help"]);
        var launched = await Processes.RunAsync(Out("EdgeGateway"), ["--help"],
            new() { ["DOTNET_ROOT"] = Path.GetDirectoryName(dotnet)! });

        Assert.Equal(direct, launched);
    }

    [Fact]
    public async Task Launcher_NoRuntime_Exits127SayingWhatToInstall()
    {
        // A PATH with the tools the launcher uses, and no dotnet.
        var bin = Directory.CreateDirectory(Path.Combine(_scratch, "bin")).FullName;
        foreach (var tool in new[] { "dirname", "readlink" })
            File.CreateSymbolicLink(Path.Combine(bin, tool), Path.Combine("/usr/bin", tool));

        var run = await Processes.RunAsync(Out("EdgeGateway"), ["--help"],
            new() { ["DOTNET_ROOT"] = Path.Combine(_scratch, "no-runtime-here"), ["PATH"] = bin });

        Assert.Equal(127, run.Exit);
        Assert.Contains("no .NET runtime", run.Stderr, StringComparison.Ordinal);
    }

    private static ushort ElfMachine(string path)
    {
        var header = new byte[20];
        using (var f = File.OpenRead(path)) f.ReadExactly(header);
        Assert.Equal("\u007fELF"u8.ToArray(), header[..4]);
        return BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(18));
    }
}
