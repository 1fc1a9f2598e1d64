using AnchorNode.Configuration;
using AnchorNode.Tests.Infrastructure;

namespace AnchorNode.Tests.Hosting;

/// <summary>
/// `serve` opens every file its settings name before it listens: a missing or unreadable one exits 2
/// with the setting and the path (the real program, as a process).
/// </summary>
public sealed class StartupFilesTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "edgetrace-startup-tests", Guid.NewGuid().ToString("N"));
    private readonly DataFolder _folder;

    public StartupFilesTests()
    {
        _folder = new DataFolder(Path.Combine(_root, "node"));
        _folder.Initialise(new NodeConfig { Consortium = "files", Member = "solo" }).Dispose();
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task MissingCertificate_NamedInAppsettings_Exits2_NamingTheSettingAndPath()
    {
        var missing = Path.Combine(_root, "nowhere", "node.crt");
        await WriteAppsettingsAsync(missing, "node.key");

        var run = await ServeAsync("--data", _folder.Path);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Kestrel:Endpoints:Https:Certificate:Path", run.Error, StringComparison.Ordinal);
        Assert.Contains(missing, run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("listening", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreadableKeyFile_RelativeToTheDataFolder_Exits2_NamingTheSettingAndPath()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder.Path, "node.crt"), "not read before the key fails");
        Directory.CreateDirectory(Path.Combine(_folder.Path, "node.key"));
        await WriteAppsettingsAsync("node.crt", "node.key");

        var run = await ServeAsync("--data", _folder.Path);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Kestrel:Endpoints:Https:Certificate:KeyPath", run.Error, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(_folder.Path, "node.key"), run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreadableCheckpointGuard_Exits2_NamingIt()
    {
        Directory.CreateDirectory(_folder.GuardFile);

        var run = await ServeAsync("--data", _folder.Path, "--urls", "http://127.0.0.1:0");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("checkpoint-guard", run.Error, StringComparison.Ordinal);
        Assert.Contains(_folder.GuardFile, run.Error, StringComparison.Ordinal);
    }

    // The real `serve`; a node that starts instead of refusing is stopped, and the test fails.
    private static async Task<Programs.Run> ServeAsync(params string[] args)
    {
        using var process = Programs.Start(Programs.AnchorNode, ["serve", .. args]);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"serve did not stop within 60 s: {await output}");
        }
        return new Programs.Run(process.ExitCode, await output, await error);
    }

    private Task WriteAppsettingsAsync(string certificate, string key) =>
        File.WriteAllTextAsync(Path.Combine(_folder.Path, "appsettings.json"), $$"""
            {
              "Kestrel": {
                "Endpoints": {
                  "Https": {
                    "Url": "https://127.0.0.1:0",
                    "Certificate": { "Path": "{{certificate}}", "KeyPath": "{{key}}" }
                  }
                }
              }
            }
            """);
}
