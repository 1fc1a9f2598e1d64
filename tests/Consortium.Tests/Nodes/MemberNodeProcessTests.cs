using System.Net;
using Consortium.Tests.Support;
using EndToEnd.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Consortium.Tests.Nodes;

/// <summary>
/// <see cref="MemberNodeProcess"/> on a one-member folder founded with the command line: SIGKILLed and
/// restarted on the same folder and address it serves the same signed checkpoints again; SIGTERM
/// stops it cleanly; while it is down nothing answers at its address.
/// </summary>
[Trait("Category", "Consortium")]
public sealed class MemberNodeProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("edgetrace-member-node-");

    [Fact]
    public async Task KillHardTwiceThenStop_OnTheSameFolderAndAddress_ServesTheSameCheckpointsAgain()
    {
        var folder = Path.Combine(_root.FullName, "node");
        await NodeProcess.FoundAsync(folder, c => c["checkpointIntervalMs"] = 50);
        await using var node = await MemberNodeProcess.StartAsync(folder);
        try
        {
            // The genesis entry is signed into a first checkpoint shortly after the start.
            var first = await Eventually.UntilAsync(ct => CheckpointAsync(node, MemberNodeProcess.ReadinessPath, ct), c => c.Status == HttpStatusCode.OK,
                "the first signed checkpoint", MemberNodeProcess.WaitLimit, () => node.Diagnostics());
            var size = first.Body.Split('\n')[1];
            Assert.True(long.Parse(size, System.Globalization.CultureInfo.InvariantCulture) >= 1, $"a checkpoint of size {size} after genesis:\n{first.Body}");

            for (var kill = 1; kill <= 2; kill++)
            {
                await node.KillHardAsync();
                Assert.False(node.IsRunning);
                await Assert.ThrowsAsync<HttpRequestException>(() => node.Http.GetAsync(MemberNodeProcess.ReadinessPath));

                await node.RestartAsync();
                Assert.True(node.IsRunning);
                var again = await CheckpointAsync(node, $"v1/ledger/checkpoints/{size}", CancellationToken.None);
                Assert.Equal(HttpStatusCode.OK, again.Status);
                Assert.Equal(first.Body, again.Body);
            }

            Assert.Equal(0, await node.StopAsync());
            Assert.False(node.IsRunning);
            await Assert.ThrowsAsync<HttpRequestException>(() => node.Http.GetAsync(MemberNodeProcess.ReadinessPath));
            await node.RestartAsync();
            Assert.Equal(HttpStatusCode.OK, (await CheckpointAsync(node, MemberNodeProcess.ReadinessPath, CancellationToken.None)).Status);
        }
        catch
        {
            output.WriteLine(node.Diagnostics(lines: 120));
            throw;
        }
    }

    [Fact]
    public async Task Start_OnAFolderWithoutNodeJson_SaysToInitialiseIt()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => MemberNodeProcess.StartAsync(_root.FullName));
        Assert.Contains("AnchorNode init", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Temp is cleaned eventually.
        }
    }

    private static async Task<(HttpStatusCode Status, string Body)> CheckpointAsync(MemberNodeProcess node, string path, CancellationToken cancellationToken)
    {
        using var response = await node.Http.GetAsync(path, cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }
}
