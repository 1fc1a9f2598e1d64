using System.Net;
using System.Net.Http.Json;
using AnchorNode.Endpoints;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Tests.Consortium;

/// <summary>Three member nodes ordered by a real etcd cluster: the same entries, roots and checkpoints on every node.</summary>
public sealed class EtcdOrderingTests : IAsyncLifetime
{
    private readonly ConsortiumNodes _nodes = new();

    public Task InitializeAsync() => _nodes.InitializeAsync();

    public Task DisposeAsync() => _nodes.DisposeAsync();

    [Fact]
    public async Task EveryMemberApplies_TheSameOrder_AndSignsTheSameCheckpoint()
    {
        await _nodes.WaitAllAppliedAsync(1);
        using var device = new SimulatedDevice("gw-etcd-1").Add(20);
        await _nodes.EnrolAsync(device);
        using (var client = _nodes.Client(1))
        {
            // Uploaded to another member's node than the one that enrolled it.
            using var response = await client.PostAsJsonAsync(UplinkRoutes.UploadPath(device.Id).TrimStart('/'), device.Request(0), UplinkJsonContext.Default.UplinkRequest);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }
        var size = _nodes.LedgerSize(1);
        Assert.Equal(3, size);
        await _nodes.WaitAllAppliedAsync(size);
        var root = _nodes.LedgerRoot(0, size);
        Assert.Equal(root, _nodes.LedgerRoot(1, size));
        Assert.Equal(root, _nodes.LedgerRoot(2, size));
        var note = await _nodes.WaitForCheckpointAsync(2, size, 3);
        Assert.Equal(3, note.Signatures.Select(s => s.KeyName).Distinct().Count());
    }
}

/// <summary>One active pledge per lot, whichever member's nodes the competing pledges are sent to.</summary>
public sealed class EtcdPledgeRaceTests : IAsyncLifetime
{
    private readonly ConsortiumNodes _nodes = new();

    public Task InitializeAsync() => _nodes.InitializeAsync();

    public Task DisposeAsync() => _nodes.DisposeAsync();

    [Fact]
    public async Task ConcurrentPledgesOfOneLot_ToDifferentNodes_ExactlyOneIsAppended()
    {
        await _nodes.WaitAllAppliedAsync(1);
        using var lots = new AnchorNode.Tests.Inventory.LotClient(_nodes.Client(0, _nodes.OperatorKey), _nodes.Client(1, _nodes.LenderKeys[1]), _nodes.Client(2, _nodes.AuditorKeys[2]), _nodes.Runtimes[1].Member);
        await lots.RegisterPartiesAsync();
        const int Rounds = 4;
        for (var round = 0; round < Rounds; round++)
        {
            var receipt = $"WR-RACE-{round}";
            await lots.IssueAsync(AnchorNode.Tests.Inventory.LotClient.Request(receipt));
            await _nodes.WaitAllAppliedAsync(_nodes.LedgerSize(0));
            // Each node drafts against its own applied state; the statements differ in amount.
            var notes = new List<(int Node, string Note)>();
            for (var node = 0; node < 3; node++)
            {
                using var lender = _nodes.Client(node, _nodes.LenderKeys[node]);
                var drafting = new AnchorNode.Tests.Inventory.LotClient(_nodes.Client(0, _nodes.OperatorKey), lender, _nodes.Client(node, _nodes.AuditorKeys[node]), _nodes.Runtimes[1].Member);
                notes.Add((node, AnchorNode.Tests.Inventory.LotClient.Sign(await drafting.DraftPledgeAsync(receipt, 1000m + node), _nodes.Runtimes[1].Member, lots.Acme)));
            }
            var answers = await Task.WhenAll(notes.Select(async n =>
            {
                using var client = _nodes.Client(n.Node, _nodes.LenderKeys[n.Node]);
                using var response = await lots.SubmitAsync(n.Note, client);
                return (response.StatusCode, Body: await response.Content.ReadAsStringAsync());
            }));
            Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
            Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.Created), a =>
            {
                Assert.Equal(HttpStatusCode.Conflict, a.StatusCode);
                Assert.Contains("lot-pledged", a.Body, StringComparison.Ordinal);
            });
        }
        var size = _nodes.LedgerSize(0);
        await _nodes.WaitAllAppliedAsync(Math.Max(size, Enumerable.Range(0, 3).Max(_nodes.LedgerSize)));
        size = _nodes.LedgerSize(0);
        Assert.All(Enumerable.Range(1, 2), i => Assert.Equal(_nodes.LedgerRoot(0, size), _nodes.LedgerRoot(i, size)));
        for (var node = 0; node < 3; node++)
        {
            using var lease = _nodes.Runtimes[node].Readers.Rent();
            for (var round = 0; round < Rounds; round++)
            {
                Assert.Equal(Firmware.Contracts.Ledger.LotStatus.Pledged, lease.Reader.State.Lot($"WR-RACE-{round}")!.Status);
            }
        }
    }
}

/// <summary>A member node that was down catches up from etcd; an entry no rule accepts stops every node instead of forking.</summary>
public sealed class EtcdCatchUpTests : IAsyncLifetime
{
    private readonly ConsortiumNodes _nodes = new();

    public Task InitializeAsync() => _nodes.InitializeAsync();

    public Task DisposeAsync() => _nodes.DisposeAsync();

    [Fact]
    public async Task AStoppedNode_CatchesUpFromEtcd_AndSignsWhatItMissed()
    {
        await _nodes.WaitAllAppliedAsync(1);
        await _nodes.StopNodeAsync(2);
        using var device = new SimulatedDevice("gw-catch-up").Add(10);
        await _nodes.EnrolAsync(device);
        for (var i = 0; i < 5; i++)
        {
            var from = device.Size;
            device.Add(10);
            // Each upload goes to the node that holds the device's leaves: the first one.
            using var upload = _nodes.Client(0);
            using var response = await upload.PostAsJsonAsync(UplinkRoutes.UploadPath(device.Id).TrimStart('/'), device.Request(i == 0 ? 0 : from), UplinkJsonContext.Default.UplinkRequest);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }
        var size = _nodes.LedgerSize(0);
        await _nodes.WaitForCheckpointAsync(0, size, 2);
        await _nodes.StartNodeAsync(2);
        await _nodes.WaitAllAppliedAsync(size);
        Assert.Equal(_nodes.LedgerRoot(0, size), _nodes.LedgerRoot(2, size));
        // The late member signs the sealed checkpoints it applies, so the latest carries all three.
        var note = await _nodes.WaitForCheckpointAsync(1, size, 3);
        Assert.Contains(note.Signatures, s => s.KeyName == "auditor");
        using var ordering = _nodes.Client(2);
        var view = await ordering.GetFromJsonAsync("v1/ledger/ordering", NodeJsonContext.Default.OrderingView);
        Assert.Equal(("etcd", size, size, (string?)null), (view!.Mode, view.Applied, view.Ordered, view.Halted));
    }

    [Fact]
    public async Task AnEntryTheRulesRefuse_PutIntoEtcdDirectly_StopsEveryNode_AndNothingIsApplied()
    {
        await _nodes.WaitAllAppliedAsync(1);
        var size = _nodes.LedgerSize(0);
        // Someone with write access to etcd bypasses the nodes: a malformed entry at the next index.
        using (var etcd = new dotnet_etcd.EtcdClient(_nodes.EtcdEndpoints[0], configureChannelOptions: o => o.Credentials = Grpc.Core.ChannelCredentials.Insecure))
        {
            var txn = new Etcdserverpb.TxnRequest();
            txn.Success.Add(new Etcdserverpb.RequestOp { RequestPut = new Etcdserverpb.PutRequest { Key = Google.Protobuf.ByteString.CopyFromUtf8($"edgetrace/demo/e/{size:D20}"), Value = Google.Protobuf.ByteString.CopyFromUtf8("not an entry") } });
            txn.Success.Add(new Etcdserverpb.RequestOp { RequestPut = new Etcdserverpb.PutRequest { Key = Google.Protobuf.ByteString.CopyFromUtf8("edgetrace/demo/size"), Value = Google.Protobuf.ByteString.CopyFromUtf8((size + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)) } });
            Assert.True((await etcd.TransactionAsync(txn)).Succeeded);
        }
        for (var node = 0; node < 3; node++)
        {
            using var client = _nodes.Client(node);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            OrderingView? view;
            while ((view = await client.GetFromJsonAsync("v1/ledger/ordering", NodeJsonContext.Default.OrderingView))!.Halted is null)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{ConsortiumNodes.Members[node]} did not stop applying");
                await Task.Delay(20);
            }
            Assert.Contains($"entry {size}", view.Halted, StringComparison.Ordinal);
            Assert.Equal(size, _nodes.LedgerSize(node));
        }
        // Writes are refused with the reason, not accepted on a store that stopped following the order.
        using var device = new SimulatedDevice("gw-after-halt");
        using var op = _nodes.Client(0, _nodes.OperatorKey);
        using var refused = await op.PostAsJsonAsync("v1/devices", ConsortiumNodes.Enrolment(device), NodeJsonContext.Default.EnrolRequest);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var problem = await refused.Content.ReadAsStringAsync();
        Assert.Contains("ledger-unavailable", problem, StringComparison.Ordinal);
        Assert.Contains("stopped applying", problem, StringComparison.Ordinal);
        Assert.Equal(size, _nodes.LedgerSize(0));
    }

    [Fact]
    public async Task ACommandLineToolOnTheSameFolder_WhileTheNodeServes_IsAnswered_AndUploadsKeepTheirLeaves()
    {
        await _nodes.WaitAllAppliedAsync(1);
        // A second runtime on the serving member's folder, as a command-line tool opens it: both
        // apply etcd's order into the same store.
        await using var tool = AnchorNode.Runtime.NodeRuntime.Open(_nodes.Folder(0), Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
        var devices = Enumerable.Range(0, 4).Select(i => new SimulatedDevice($"gw-tool-{i}", i + 1).Add(15)).ToArray();
        try
        {
            foreach (var device in devices)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
                var enrolled = await tool.Devices.EnrolAsync(new Firmware.Contracts.Ledger.EnrolStatement
                {
                    DeviceId = device.Id,
                    PublicKey = device.PublicKey,
                    Zone = "cold-a",
                    Sensors = [new Firmware.Contracts.Ledger.SensorInfo("t1", "temperature", "cold-a")],
                }, timeout.Token);
                Assert.True(enrolled.Succeeded, enrolled.ToString());
            }
            // Uploads to the serving node while the tool's runtime keeps applying the same order.
            await Task.WhenAll(devices.Select(async device =>
            {
                for (var round = 0; round < 3; round++)
                {
                    var from = round == 0 ? 0 : device.Size;
                    if (round > 0)
                    {
                        device.Add(15);
                    }
                    using var client = _nodes.Client(0);
                    using var response = await client.PostAsJsonAsync(UplinkRoutes.UploadPath(device.Id).TrimStart('/'), device.Request(from), UplinkJsonContext.Default.UplinkRequest);
                    Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
                }
            }));
            using var lease = _nodes.Runtimes[0].Readers.Rent();
            foreach (var device in devices)
            {
                // Every acknowledged upload's leaves are in the store, whichever runtime applied its anchor.
                Assert.Equal(device.Size, lease.Reader.State.Device(device.Id)!.AnchoredSize);
                Assert.Equal(device.Size, lease.Reader.DeviceLog(device.Id)!.Size);
            }
        }
        finally
        {
            foreach (var device in devices)
            {
                device.Dispose();
            }
        }
    }
}

/// <summary>A node reaches an etcd cluster that asks for TLS client certificates, with the files node.json names.</summary>
public sealed class EtcdTlsTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "edgetrace-etcd-tls", Guid.NewGuid().ToString("N"));
    private EtcdProcesses? _etcd;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_etcd is not null)
        {
            await _etcd.DisposeAsync();
        }
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task WithTheConsortiumCaAndAClientCertificate_TheGenesisIsOrdered_WithoutTheClientCertificate_Refused()
    {
        using var caKey = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var caRequest = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=consortium test CA", caKey, System.Security.Cryptography.HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509KeyUsageExtension(System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        string Issue(string name, bool server)
        {
            using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest($"CN={name}", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
            var usages = new System.Security.Cryptography.OidCollection { new(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2") };
            request.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension(usages, false));
            if (server)
            {
                var san = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
                san.AddIpAddress(IPAddress.Loopback);
                request.CertificateExtensions.Add(san.Build());
            }
            using var certificate = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), Guid.NewGuid().ToByteArray());
            File.WriteAllText(Path.Combine(_root, name + ".pem"), certificate.ExportCertificatePem());
            File.WriteAllText(Path.Combine(_root, name + "-key.pem"), key.ExportPkcs8PrivateKeyPem());
            return name;
        }
        File.WriteAllText(Path.Combine(_root, "ca.pem"), ca.ExportCertificatePem());
        Issue("server", server: true);
        Issue("node", server: false);
        _etcd = await EtcdProcesses.StartAsync(Path.Combine(_root, "etcd"), 1, new EtcdTls(Path.Combine(_root, "ca.pem"), Path.Combine(_root, "server.pem"), Path.Combine(_root, "server-key.pem")));

        async Task<Firmware.Contracts.Result<AnchorNode.Ledger.AppendedEntry>> GenesisAsync(string folderName, bool withClientCertificate)
        {
            var folder = new AnchorNode.Configuration.DataFolder(Path.Combine(_root, folderName));
            // Certificate paths relative to the data folder, as an operator writes them.
            folder.Initialise(new AnchorNode.Configuration.NodeConfig
            {
                Consortium = folderName,
                Member = "warehouse",
                Etcd = new AnchorNode.Configuration.EtcdSettings
                {
                    Endpoints = _etcd.Endpoints,
                    CaFile = "../ca.pem",
                    CertFile = withClientCertificate ? "../node.pem" : null,
                    KeyFile = withClientCertificate ? "../node-key.pem" : null,
                    TimeoutMs = 2000,
                    AppendTimeoutMs = 3000,
                },
            }).Dispose();
            await using var runtime = AnchorNode.Runtime.NodeRuntime.Open(folder, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
            return await runtime.Founding.CreateGenesisAsync(1, CancellationToken.None);
        }

        var ordered = await GenesisAsync("tls-ok", withClientCertificate: true);
        Assert.True(ordered.Succeeded, ordered.ToString());
        Assert.Equal(0, ordered.Value.Index);
        var refused = await Assert.ThrowsAsync<AnchorNode.Ledger.LedgerUnavailableException>(() => GenesisAsync("tls-no-client-cert", withClientCertificate: false));
        Assert.Contains("etcd", refused.Message, StringComparison.Ordinal);
    }
}
