using AnchorNode.Configuration;

namespace AnchorNode.Tests.Configuration;

/// <summary>node.json as the node reads it: members left out take their documented defaults.</summary>
public sealed class NodeConfigTests : IDisposable
{
    private readonly DataFolder _folder = new(Path.Combine(Path.GetTempPath(), "edgetrace-config-tests", Guid.NewGuid().ToString("N")));

    public NodeConfigTests() => Directory.CreateDirectory(_folder.Path);

    public void Dispose() => Directory.Delete(_folder.Path, recursive: true);

    [Fact]
    public void MembersLeftOut_TakeTheirDefaults()
    {
        // A node.json from before the public cache and the WAL threshold were settings, trimmed to the two it must name.
        File.WriteAllText(_folder.ConfigFile, """{ "consortium": "demo", "member": "warehouse" }""");
        var config = _folder.ReadConfig();
        var defaults = new NodeConfig { Consortium = "demo", Member = "warehouse" };
        Assert.Equal(defaults.Roles, config.Roles);
        Assert.Equal(1000, config.CheckpointIntervalMs);
        Assert.Equal(defaults.MaxBatch, config.MaxBatch);
        Assert.Equal(60_000, config.CovenantCheckIntervalMs);
        Assert.Equal(90_000, config.GatewayOfflineAfterMs);
        Assert.Equal((120, 60), (config.PublicRateLimit.RequestsPerMinute, config.PublicRateLimit.Burst));
        Assert.Equal((64L << 20, 2), (config.PublicCache.MaxBytes, config.PublicCache.ConcurrentBuilds));
        Assert.Equal(16L << 20, config.WalCheckpointBytes);
        Assert.Equal("UTC", config.PublicTimeZone);
        Assert.Empty(config.PublicPlaces);
        Assert.Empty(config.TrustedProxies);
    }

    [Fact]
    public void PartOfASection_KeepsTheRestOfItsDefaults()
    {
        File.WriteAllText(_folder.ConfigFile, """{ "consortium": "demo", "member": "warehouse", "publicCache": { "maxBytes": 0 }, "publicRateLimit": { "burst": 5 } }""");
        var config = _folder.ReadConfig();
        Assert.Equal((0L, 2), (config.PublicCache.MaxBytes, config.PublicCache.ConcurrentBuilds));
        Assert.Equal((120, 5), (config.PublicRateLimit.RequestsPerMinute, config.PublicRateLimit.Burst));
    }

    [Theory]
    [InlineData("\"publicRateLimit\": null", "publicRateLimit is null")]
    [InlineData("\"publicCache\": null", "publicCache is null")]
    [InlineData("\"trustedProxies\": null", "trustedProxies is null")]
    [InlineData("\"publicCache\": { \"maxBytes\": -1 }", "publicCache: maxBytes must be between 0 (off)")]
    [InlineData("\"publicCache\": { \"concurrentBuilds\": 0 }", "publicCache: concurrentBuilds must be between 1 and 256")]
    [InlineData("\"walCheckpointBytes\": 100", "walCheckpointBytes must be between 4096")]
    public void BadValues_AreRefusedByName(string member, string message)
    {
        File.WriteAllText(_folder.ConfigFile, $$"""{ "consortium": "demo", "member": "warehouse", {{member}} }""");
        var refused = Assert.Throws<InvalidDataException>(() => _folder.ReadConfig());
        Assert.Contains(message, refused.Message, StringComparison.Ordinal);
    }
}
