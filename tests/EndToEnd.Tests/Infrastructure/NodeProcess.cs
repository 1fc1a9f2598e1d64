using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Firmware.Contracts.Uplink;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>
/// A real consortium node made with its own command line: <c>init</c>, <c>genesis</c>, and
/// <c>serve</c> on a 127.0.0.1 port, plus <c>enroll</c>, <c>export-bundle</c> and <c>verify</c>.
/// </summary>
public sealed class NodeProcess : IAsyncDisposable
{
    private readonly ChildProcess _serve;
    private readonly HttpClient _http;

    private NodeProcess(string folder, string verifierKey, ChildProcess serve, Uri url)
    {
        Folder = folder;
        VerifierKey = verifierKey;
        _serve = serve;
        Url = url;
        _http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <summary>The node's data folder.</summary>
    public string Folder { get; }

    /// <summary>The member key as <c>Verifier --key</c> takes it (<c>NAME=BASE64_SPKI</c>).</summary>
    public string VerifierKey { get; }

    /// <summary>Where it listens.</summary>
    public Uri Url { get; }

    /// <summary>The <c>serve</c> process: its output, and how it ends.</summary>
    public ChildProcess Serve => _serve;

    /// <summary>Founds a one-member consortium in <paramref name="folder"/> and serves it on a free port.</summary>
    public static async Task<NodeProcess> StartAsync(string folder) => await ServeAsync(folder, await FoundAsync(folder), "http://127.0.0.1:0");

    /// <summary>
    /// <c>init</c> (a one-member consortium), <paramref name="configure"/> applied to the node.json it
    /// wrote, and <c>genesis</c>; returns the member's verifier key.
    /// </summary>
    public static async Task<string> FoundAsync(string folder, Action<JsonObject>? configure = null)
    {
        var init = (await Programs.RunAsync(Programs.AnchorNode, "init", "--data", folder, "--consortium", "e2e", "--member", "warehouse", "--role", "operator")).Succeeded();
        if (configure is not null)
        {
            var path = Path.Combine(folder, "node.json");
            var config = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
            configure(config);
            await File.WriteAllTextAsync(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        (await Programs.RunAsync(Programs.AnchorNode, "genesis", "--data", folder)).Succeeded();
        return init.Field("verifier-key");
    }

    /// <summary><c>serve</c> on a founded <paramref name="folder"/>; returns once it listens.</summary>
    public static async Task<NodeProcess> ServeAsync(string folder, string verifierKey, string urls)
    {
        var serve = ChildProcess.Start(Programs.AnchorNode, "serve", "--data", folder, "--urls", urls);
        try
        {
            var line = await serve.WaitForLineAsync(l => l.StartsWith("listening: ", StringComparison.Ordinal), "the listening address", TimeSpan.FromSeconds(60));
            return new NodeProcess(folder, verifierKey, serve, new Uri(line["listening: ".Length..].TrimEnd('/') + "/"));
        }
        catch
        {
            await serve.DisposeAsync();
            throw;
        }
    }

    /// <summary>An API key for a new client organisation of <paramref name="role"/> (<c>org add</c>).</summary>
    public static async Task<string> AddOrganisationAsync(string folder, string name, string role) =>
        (await Programs.RunAsync(Programs.AnchorNode, "org", "add", "--data", folder, "--name", name, "--role", role)).Succeeded().Field("api-key");

    /// <summary><c>verify</c>: the node's own check of everything stored in <paramref name="folder"/>.</summary>
    public static Task<Programs.Run> VerifyDataAsync(string folder) => Programs.RunAsync(Programs.AnchorNode, "verify", "--data", folder);

    /// <summary>SIGKILL, then waits until the process is gone.</summary>
    public async Task KillAsync()
    {
        _serve.Kill();
        await _serve.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Enrols a device with the command line, while the node runs.</summary>
    public async Task EnrollAsync(string deviceId, string publicKey, string zone) =>
        (await Programs.RunAsync(Programs.AnchorNode, "enroll", "--data", Folder, "--device", deviceId, "--key", publicKey, "--site", "e2e-site", "--zone", zone)).Succeeded();

    /// <summary>What the node has committed of a device's log (its public status endpoint).</summary>
    public async Task<long> CommittedSizeAsync(string deviceId)
    {
        var status = await _http.GetFromJsonAsync(UplinkRoutes.DeviceLogPath(deviceId).TrimStart('/'), UplinkJsonContext.Default.DeviceLogStatus);
        return status!.CommittedSize;
    }

    /// <summary>Waits until the node has committed at least <paramref name="size"/> leaves of <paramref name="deviceId"/>.</summary>
    public async Task<long> WaitForCommittedAsync(string deviceId, long size, ChildProcess gateway, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var committed = await CommittedSizeAsync(deviceId);
            if (committed >= size)
            {
                return committed;
            }
            Assert.False(_serve.HasExited, $"the node exited:\n{_serve.Tail()}");
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"the node committed {committed} of {size} leaves of {deviceId} within {timeout}\nnode:\n{_serve.Tail()}\ngateway:\n{gateway.Tail()}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Writes the device's evidence bundle with the command line.</summary>
    public async Task<Programs.Run> ExportBundleAsync(string deviceId, string path) =>
        (await Programs.RunAsync(Programs.AnchorNode, "export-bundle", "--data", Folder, "--device", deviceId, "--out", path)).Succeeded();

    /// <summary>The real offline verifier on a bundle, trusting this node's member key.</summary>
    public Task<Programs.Run> VerifyAsync(string bundle) => Programs.RunAsync(Programs.Verifier, "bundle", bundle, "--key", VerifierKey);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _serve.DisposeAsync();
    }
}
