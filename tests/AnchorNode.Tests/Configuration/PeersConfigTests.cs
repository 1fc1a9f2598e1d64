using AnchorNode.Configuration;

namespace AnchorNode.Tests.Configuration;

/// <summary>node.json's <c>peers</c>: the other member nodes' base URLs, checked when the file is read.</summary>
public sealed class PeersConfigTests : IDisposable
{
    private readonly DataFolder _folder = new(Path.Combine(Path.GetTempPath(), "edgetrace-config-tests", Guid.NewGuid().ToString("N")));

    public PeersConfigTests() => Directory.CreateDirectory(_folder.Path);

    public void Dispose() => Directory.Delete(_folder.Path, recursive: true);

    [Fact]
    public void Peers_DefaultToNone_AndAreReadInOrder()
    {
        File.WriteAllText(_folder.ConfigFile, """{ "consortium": "demo", "member": "warehouse" }""");
        Assert.Empty(_folder.ReadConfig().Peers);
        File.WriteAllText(_folder.ConfigFile, """{ "consortium": "demo", "member": "warehouse", "peers": ["http://127.0.0.1:5102", "https://bank.example.com/edgetrace/"] }""");
        Assert.Equal(["http://127.0.0.1:5102", "https://bank.example.com/edgetrace/"], _folder.ReadConfig().Peers);
    }

    [Theory]
    [InlineData("null", "peers is null")]
    [InlineData("[\"127.0.0.1:5102\"]", "peers: '127.0.0.1:5102' is not a node's base URL")]
    [InlineData("[\"ftp://bank.example.com\"]", "peers: 'ftp://bank.example.com' is not a node's base URL")]
    [InlineData("[\"http://bank.example.com/?key=1\"]", "is not a node's base URL (http:// or https://, host, port, optional path; no query")]
    [InlineData("[\"http://user:pw@bank.example.com\"]", "is not a node's base URL")]
    [InlineData("[\"\"]", "peers: '' is not a node's base URL")]
    [InlineData("[\"http://bank.example.com:5102\", \"http://BANK.example.com:5102/\"]", "peers: 'http://BANK.example.com:5102/' is listed twice")]
    public void BadPeers_AreRefusedByName(string peers, string message)
    {
        File.WriteAllText(_folder.ConfigFile, $$"""{ "consortium": "demo", "member": "warehouse", "peers": {{peers}} }""");
        var refused = Assert.Throws<InvalidDataException>(() => _folder.ReadConfig());
        Assert.Contains(message, refused.Message, StringComparison.Ordinal);
    }
}
