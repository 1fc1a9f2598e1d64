using System.Net.Http.Json;
using AnchorNode.Endpoints;
using AnchorNode.Configuration;
using AnchorNode.Hosting;
using AnchorNode.Runtime;
using Firmware.Contracts.Checkpoints;
using Firmware.Contracts.Notes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AnchorNode.Tests.Infrastructure;

/// <summary>
/// A consortium ordered by a real etcd cluster on loopback: etcd members as child processes, and
/// three member nodes (warehouse: operator, bank: lender, auditor: auditor) in this process, each
/// with its own data folder and SQLite store, each serving on a real Kestrel at 127.0.0.1.
/// </summary>
public sealed class ConsortiumNodes : IAsyncLifetime
{
    public static readonly string[] Members = ["warehouse", "bank", "auditor"];
    private static readonly string[] Roles = ["operator", "lender", "auditor"];

    private readonly WebApplication?[] _apps = new WebApplication?[3];

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "edgetrace-consortium-tests", Guid.NewGuid().ToString("N"));

    public int EtcdMembers { get; init; } = 1;

    /// <summary>How long an append keeps trying without an etcd quorum before it answers 503.</summary>
    public int AppendTimeoutMs { get; init; } = 20_000;

    public string[] EtcdEndpoints => Etcd.Endpoints;

    /// <summary>The etcd cluster.</summary>
    public EtcdProcesses Etcd { get; private set; } = null!;

    public NodeRuntime[] Runtimes { get; } = new NodeRuntime[3];

    public Uri[] BaseAddresses { get; } = new Uri[3];

    public string OperatorKey { get; private set; } = "";

    /// <summary>An API key of a lender organisation on each member's node (API clients are each node's own).</summary>
    public string[] LenderKeys { get; } = new string[3];

    /// <summary>An API key of an auditor organisation on each member's node.</summary>
    public string[] AuditorKeys { get; } = new string[3];

    public DataFolder Folder(int member) => new(Path.Combine(Root, Members[member]));

    public async Task InitializeAsync()
    {
        Etcd = await EtcdProcesses.StartAsync(Path.Combine(Root, "etcd"), EtcdMembers);
        var keys = new EcdsaNoteSigner[3];
        for (var i = 0; i < 3; i++)
        {
            keys[i] = Folder(i).Initialise(new NodeConfig
            {
                Consortium = "demo",
                Member = Members[i],
                Roles = Roles[i],
                CheckpointIntervalMs = 100,
                Etcd = new EtcdSettings { Endpoints = EtcdEndpoints, TimeoutMs = 2000, AppendTimeoutMs = AppendTimeoutMs },
            });
        }
        var warehouse = NodeRuntime.Open(Folder(0), NullLoggerFactory.Instance);
        for (var i = 1; i < 3; i++)
        {
            Assert.True(warehouse.Founding.AddFounder(Members[i], Roles[i], Convert.ToBase64String(keys[i].PublicKey.Span)).Succeeded);
        }
        var genesis = await warehouse.Founding.CreateGenesisAsync(2, CancellationToken.None);
        Assert.True(genesis.Succeeded, genesis.ToString());
        OperatorKey = warehouse.Organisations.Add("warehouse-ops", "operator");
        await warehouse.DisposeAsync();
        foreach (var key in keys)
        {
            key.Dispose();
        }
        for (var i = 0; i < 3; i++)
        {
            await StartNodeAsync(i);
            LenderKeys[i] = Runtimes[i].Organisations.Add("first-bank", "lender");
            AuditorKeys[i] = Runtimes[i].Organisations.Add("audit-co", "auditor");
        }
    }

    public async Task StartNodeAsync(int member)
    {
        Runtimes[member] = NodeRuntime.Open(Folder(member), NullLoggerFactory.Instance);
        var app = NodeHost.Build(Runtimes[member], ["http://127.0.0.1:0"], builder => builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync();
        _apps[member] = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        BaseAddresses[member] = new Uri(address.TrimEnd('/') + "/");
    }

    public async Task StopNodeAsync(int member)
    {
        if (_apps[member] is { } app)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            _apps[member] = null;
        }
        await Runtimes[member].DisposeAsync();
    }

    public HttpClient Client(int member, string? apiKey = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddresses[member], Timeout = TimeSpan.FromSeconds(60) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }
        return client;
    }

    /// <summary>The enrolment request for <paramref name="device"/> (one temperature probe in zone cold-a).</summary>
    public static EnrolRequest Enrolment(SimulatedDevice device) =>
        new(device.Id, device.PublicKey, "site-1", "cold-a", [new SensorModel("t1", "temperature", "cold-a")]);

    /// <summary>Enrols <paramref name="device"/> through the warehouse's node (the operator's API).</summary>
    public async Task EnrolAsync(SimulatedDevice device)
    {
        using var client = Client(0, OperatorKey);
        using var response = await client.PostAsJsonAsync("v1/devices", Enrolment(device), NodeJsonContext.Default.EnrolRequest);
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    public long LedgerSize(int member)
    {
        using var lease = Runtimes[member].Readers.Rent();
        return lease.Reader.LedgerSize;
    }

    public Firmware.Contracts.Hashing.Hash32 LedgerRoot(int member, long size)
    {
        using var lease = Runtimes[member].Readers.Rent();
        return lease.Reader.Ledger.Root(size);
    }

    /// <summary>Waits until every running member node has applied <paramref name="size"/> entries.</summary>
    public async Task WaitAllAppliedAsync(long size, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (Enumerable.Range(0, 3).Any(i => _apps[i] is not null && LedgerSize(i) < size))
        {
            Assert.True(DateTime.UtcNow < deadline, $"not every member applied {size} entries: {string.Join(", ", Enumerable.Range(0, 3).Select(i => $"{Members[i]} {LedgerSize(i)}"))}");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits until member <paramref name="member"/> serves a checkpoint of at least <paramref name="size"/> with <paramref name="signers"/> signatures.</summary>
    public async Task<SignedNote> WaitForCheckpointAsync(int member, long size, int signers, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        using var client = Client(member);
        while (true)
        {
            using var response = await client.GetAsync("v1/ledger/checkpoint");
            if (response.IsSuccessStatusCode)
            {
                var note = SignedNote.Parse(await response.Content.ReadAsStringAsync()).Value;
                if (Checkpoint.ParseText(note.Text).Value.Size >= size && note.Signatures.Select(s => s.KeyName).Distinct().Count() >= signers)
                {
                    return note;
                }
            }
            Assert.True(DateTime.UtcNow < deadline, $"{Members[member]} served no checkpoint of size ≥ {size} with {signers} signatures in time");
            await Task.Delay(20);
        }
    }

    public async Task DisposeAsync()
    {
        for (var i = 0; i < 3; i++)
        {
            if (Runtimes[i] is not null && _apps[i] is not null)
            {
                await StopNodeAsync(i);
            }
        }
        if (Etcd is not null)
        {
            await Etcd.DisposeAsync();
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
