using AnchorNode.Runtime;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using AnchorNode.Configuration;
using AnchorNode.Endpoints;
using AnchorNode.Hosting;
using AnchorNode.Inventory;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AnchorNode.Tests.Infrastructure;

/// <summary>
/// A consortium of three members (warehouse: operator, serving; bank: lender; auditor: auditor),
/// each with its own data folder, and the warehouse node running on a real Kestrel at
/// 127.0.0.1:0 with a fresh SQLite file. API keys for one organisation per role.
/// </summary>
public sealed class TestNode : IAsyncLifetime
{
    private WebApplication? _app;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "edgetrace-node-tests", Guid.NewGuid().ToString("N"));
    public DataFolder Folder => new(Path.Combine(Root, "warehouse"));
    public DataFolder BankFolder => new(Path.Combine(Root, "bank"));
    public DataFolder AuditorFolder => new(Path.Combine(Root, "auditor"));
    public NodeRuntime Runtime { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    public string OperatorKey { get; private set; } = "";
    public string LenderKey { get; private set; } = "";
    public string AuditorKey { get; private set; } = "";
    public EcdsaNoteSigner Bank { get; private set; } = null!;
    public EcdsaNoteSigner Auditor { get; private set; } = null!;

    /// <summary>True for a fourth founding member with role regulator (and an API key for it).</summary>
    public bool WithRegulator { get; init; }

    /// <summary>The regulator member's key (with <see cref="WithRegulator"/>).</summary>
    public EcdsaNoteSigner? Regulator { get; private set; }

    public string RegulatorKey { get; private set; } = "";

    /// <summary>How often the node signs checkpoints (tests wait on them).</summary>
    public int CheckpointIntervalMs { get; init; } = 100;

    /// <summary>How often the node checks pledge covenants.</summary>
    public int CovenantCheckIntervalMs { get; init; } = 200;

    /// <summary>Covenant breaches the node published.</summary>
    public InMemoryCovenantEvents CovenantEvents { get; } = new();

    /// <summary>Changes to the serving member's node.json before the node starts.</summary>
    public Func<NodeConfig, NodeConfig>? ConfigureNode { get; init; }

    /// <summary>The node's clock (the system clock when null).</summary>
    public TimeProvider? Time { get; init; }

    /// <summary>Changes to the web host (services) before it is built.</summary>
    public Action<WebApplicationBuilder>? ConfigureHost { get; init; }

    public TrustPolicy Policy(int threshold = 1) =>
        new([Runtime.Member.VerifierKey, Bank.VerifierKey, Auditor.VerifierKey], threshold);

    public string[] VerifierKeyArgs =>
        ["--key", Runtime.Member.VerifierKey.ToString(), "--key", Bank.VerifierKey.ToString(), "--key", Auditor.VerifierKey.ToString()];

    public async Task InitializeAsync()
    {
        Bank = BankFolder.Initialise(new NodeConfig { Consortium = "demo", Member = "bank", Roles = "lender" });
        Auditor = AuditorFolder.Initialise(new NodeConfig { Consortium = "demo", Member = "auditor", Roles = "auditor" });
        var config = new NodeConfig { Consortium = "demo", Member = "warehouse", Roles = "operator", CheckpointIntervalMs = CheckpointIntervalMs, CovenantCheckIntervalMs = CovenantCheckIntervalMs };
        Folder.Initialise(ConfigureNode?.Invoke(config) ?? config).Dispose();
        Runtime = NodeRuntime.Open(Folder, NullLoggerFactory.Instance, Time, covenantEvents: CovenantEvents);
        Ok(Runtime.Founding.AddFounder("bank", "lender", Convert.ToBase64String(Bank.PublicKey.Span)));
        Ok(Runtime.Founding.AddFounder("auditor", "auditor", Convert.ToBase64String(Auditor.PublicKey.Span)));
        if (WithRegulator)
        {
            Regulator = EcdsaNoteSigner.Generate("regulator");
            Ok(Runtime.Founding.AddFounder("regulator", "regulator", Convert.ToBase64String(Regulator.PublicKey.Span)));
        }
        var genesis = await Runtime.Founding.CreateGenesisAsync(2, CancellationToken.None);
        Assert.True(genesis.Succeeded, genesis.ToString());
        OperatorKey = Runtime.Organisations.Add("warehouse-ops", "operator");
        LenderKey = Runtime.Organisations.Add("first-bank", "lender");
        AuditorKey = Runtime.Organisations.Add("audit-co", "auditor");
        RegulatorKey = WithRegulator ? Runtime.Organisations.Add("market-regulator", "regulator") : "";

        await StartHostAsync();
    }

    private async Task StartHostAsync()
    {
        _app = NodeHost.Build(Runtime, ["http://127.0.0.1:0"], builder =>
        {
            builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Warning);
            ConfigureHost?.Invoke(builder);
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddress = new Uri(address.TrimEnd('/') + "/");
    }

    /// <summary>Stops the node and starts it again on the same data folder (API keys and ledger kept; a new port).</summary>
    public async Task RestartAsync()
    {
        await _app!.StopAsync();
        await _app.DisposeAsync();
        await Runtime.DisposeAsync();
        Runtime = NodeRuntime.Open(Folder, NullLoggerFactory.Instance, Time, covenantEvents: CovenantEvents);
        await StartHostAsync();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (Runtime is not null)
        {
            await Runtime.DisposeAsync();
        }
        Bank?.Dispose();
        Auditor?.Dispose();
        Regulator?.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public HttpClient Client(string? apiKey = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
        return client;
    }

    public HttpClient Anonymous() => Client();

    public HttpClient Operator() => Client(OperatorKey);

    /// <summary>Enrols the device through the operator API; returns the ledger index.</summary>
    public async Task<long> EnrolAsync(SimulatedDevice device, string? zone = "cold-a")
    {
        using var client = Operator();
        var response = await client.PostAsJsonAsync("v1/devices", new EnrolRequest(device.Id, device.PublicKey, "site-1", zone,
            [new SensorModel("t1", "temperature", zone), new SensorModel("h1", "humidity", zone)]), NodeJsonContext.Default.EnrolRequest);
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync(NodeJsonContext.Default.AppendedResponse))!.LedgerIndex;
    }

    /// <summary>Posts an upload and returns the response.</summary>
    public async Task<HttpResponseMessage> UploadAsync(SimulatedDevice device, UplinkRequest request)
    {
        using var client = Anonymous();
        return await client.PostAsJsonAsync(UplinkRoutes.UploadPath(device.Id).TrimStart('/'), request, UplinkJsonContext.Default.UplinkRequest);
    }

    /// <summary>Uploads everything from <paramref name="from"/> and expects a receipt.</summary>
    public async Task<UplinkReceipt> AnchorAsync(SimulatedDevice device, long from)
    {
        using var response = await UploadAsync(device, device.Request(from));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return System.Text.Json.JsonSerializer.Deserialize(body, UplinkJsonContext.Default.UplinkReceipt)!;
    }

    public long LedgerSize
    {
        get
        {
            using var lease = Runtime.Readers.Rent();
            return lease.Reader.LedgerSize;
        }
    }

    public long HeldLeaves(string deviceId)
    {
        using var lease = Runtime.Readers.Rent();
        return lease.Reader.DeviceLog(deviceId)?.Size ?? 0;
    }

    /// <summary>Waits until the node has signed a checkpoint covering the whole ledger; returns it.</summary>
    public async Task<Checkpoint> WaitForCheckpointAsync(TimeSpan? timeout = null)
    {
        var size = LedgerSize;
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        using var client = Anonymous();
        while (true)
        {
            using var response = await client.GetAsync("v1/ledger/checkpoint");
            if (response.IsSuccessStatusCode)
            {
                var note = SignedNote.Parse(await response.Content.ReadAsStringAsync()).Value;
                var checkpoint = Checkpoint.ParseText(note.Text).Value;
                if (checkpoint.Size >= size)
                {
                    return checkpoint;
                }
            }
            Assert.True(DateTime.UtcNow < deadline, $"no checkpoint covering ledger size {size} within the timeout");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Waits for a checkpoint covering the whole ledger and has the bank cosign it (replaying the
    /// ledger into its own replica), so that it carries the consortium's quorum (2 of 3).
    /// </summary>
    public async Task<long> CosignAsync()
    {
        await WaitForCheckpointAsync();
        await using var bank = NodeRuntime.Open(BankFolder, NullLoggerFactory.Instance);
        using var http = Client(AuditorKey);
        var cosigned = await new AnchorNode.Hosting.Cosigner(bank, http).CosignLatestAsync(CancellationToken.None);
        Assert.True(cosigned.Succeeded, cosigned.ToString());
        return cosigned.Value.Size;
    }

    private static void Ok(Firmware.Contracts.Result result) => Assert.True(result.Succeeded, result.ToString());
}
