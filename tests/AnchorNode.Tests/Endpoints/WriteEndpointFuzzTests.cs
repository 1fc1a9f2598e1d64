using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AnchorNode.Endpoints;
using AnchorNode.Tests.Dashboard;
using AnchorNode.Tests.Infrastructure;
using AnchorNode.Tests.Inventory;
using CsCheck;
using Firmware.Contracts.Tests.Fuzz;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Tests.Endpoints;

/// <summary>
/// The node's write endpoints on a real Kestrel against random and mutated requests (bodies,
/// media types, framing, paths, headers, roles): never a 5xx, every refusal an RFC 9457 problem,
/// and a refused request changes nothing (the ledger, the stored leaves, the status reports).
/// The default run sends a few hundred requests; the soak variant sends for minutes.
/// </summary>
public sealed class WriteEndpointFuzzTests : IAsyncLifetime
{
    private const long Iterations = 2_000;
    private const int SoakSeconds = 300;

    private static readonly string[] ContentTypes =
    [
        "application/json", "text/plain; charset=utf-8", "application/json; charset=utf-16", "application/json; charset=\"utf-8\"",
        "multipart/form-data; boundary=x", "application/json; charset=utf-8; q=1", "*/*", "",
    ];

    private static readonly string[] OtherIds = ["WR-none", "%0A", "a%00b", "%E2%80%AE", new string('x', 300), "..%2F..%2Fv1", "%20", "gw-other"];

    private static readonly (string Name, string Value)[] Headers =
    [
        ("Content-Encoding", "gzip"), ("Accept", "text/html"), ("X-Forwarded-For", "1.2.3.4"), ("Authorization", "Bearer etk_nothing"),
        ("Authorization", "Basic AAAA"), ("Expect", "100-continue"), ("X-Long", new string('h', 8000)), ("Accept-Charset", "utf-7;q=1, *;q=0"),
    ];

    private readonly TestNode _node = new();
    private readonly Dictionary<int, int> _statuses = [];
    private readonly List<Target> _targets = [];
    private LotClient _lots = null!;
    private SimulatedDevice _device = null!;
    private SimulatedDevice _revoked = null!;

    private enum Role
    {
        Anonymous,
        Operator,
        Lender,
    }

    public async Task InitializeAsync()
    {
        await _node.InitializeAsync();
        _lots = new LotClient(_node);
        await _lots.RegisterPartiesAsync();
        await _lots.IssueAsync(LotClient.Request("WR-FUZZ", [LotClient.Epc(1), LotClient.Epc(2)]));
        await _lots.IssueAsync(LotClient.Request("WR-FUZZ-C", [LotClient.Epc(3)]));
        _device = new SimulatedDevice("gw-fuzz", 11).Add(6);
        _revoked = new SimulatedDevice("gw-fuzz-r", 12);
        await _node.EnrolAsync(_device);
        await _node.EnrolAsync(_revoked);
        await _node.AnchorAsync(_device, 0);
        _device.Add(4);

        var json = "application/json; charset=utf-8";
        var text = "text/plain; charset=utf-8";
        var lot = JsonSerializer.Serialize(LotClient.Request("WR-NEW", [LotClient.Epc(9)]), InventoryJsonContext.Default.LotRequest);
        var pledge = LotClient.Sign(await _lots.DraftPledgeAsync("WR-FUZZ"), _node.Bank, _lots.Acme);
        using var checkpoint = await _node.Anonymous().GetAsync("v1/ledger/checkpoint");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _targets.AddRange(
        [
            new("v1/lots/{id}/moves", "WR-FUZZ", Role.Operator, json, ["{\"zone\":\"chiller-2\",\"site\":\"site-1\"}", $"{{\"zone\":\"chiller-3\",\"atMs\":{now}}}"]),
            new("v1/lots/{id}/deliveries", "WR-FUZZ", Role.Operator, json, ["{\"quantity\":1}", "{\"quantity\":0.5,\"epcs\":[\"urn:epc:id:sgtin:0614141.100734.1\"]}", "{\"all\":true}"]),
            new("v1/lots/{id}/deliveries/draft", "WR-FUZZ", Role.Operator, json, ["{\"quantity\":1}"]),
            new("v1/lots/{id}/deliveries/signed", "WR-FUZZ", Role.Operator, text, [pledge]),
            new("v1/lots/{id}/cancel", "WR-FUZZ-C", Role.Operator, json, ["{\"reason\":\"returned to depositor\"}"]),
            new("v1/lots", "", Role.Operator, json, [lot]),
            new("v1/parties", "", Role.Operator, json, [$"{{\"party\":\"p-new\",\"publicKey\":\"{_device.PublicKey}\"}}"]),
            new("v1/devices", "", Role.Operator, json, [$"{{\"deviceId\":\"gw-new\",\"publicKey\":\"{_device.PublicKey}\",\"site\":\"site-1\",\"sensors\":[{{\"id\":\"t1\",\"quantity\":\"temperature\"}}]}}"]),
            new("v1/devices/{id}/revoke", "gw-fuzz-r", Role.Operator, json, ["{\"reason\":\"replaced\"}", "{}"]),
            new("v1/devices/{id}/equivocation/clear", "gw-fuzz", Role.Operator, json, ["{\"reason\":\"reviewed\"}"]),
            new("v1/lots/{id}/pledges/draft", "WR-FUZZ", Role.Lender, json,
                [$"{{\"lender\":\"bank\",\"amount\":100.5,\"currency\":\"CNY\",\"startMs\":{now},\"endMs\":{now + 86_400_000},\"covenants\":[\"temperature above 8 for 30m\"]}}"]),
            new("v1/pledges", "", Role.Lender, text, [pledge]),
            new("v1/pledges/{id}/release/draft", "999", Role.Lender, json, ["{\"reason\":\"repaid\"}"]),
            new("v1/pledges/{id}/transfer/draft", "999", Role.Lender, json, ["{\"to\":\"auditor\"}"]),
            new("v1/ledger/cosignatures", "", Role.Anonymous, text, [await checkpoint.Content.ReadAsStringAsync()]),
            new("v1/devices/{id}/status", "gw-fuzz", Role.Anonymous, text, [StatusReports.Sign(StatusReports.Report(_device, now, 10, 6), _device.Key)]),
            new("v1/devices/{id}/uplink", "gw-fuzz", Role.Anonymous, "application/json",
                [JsonSerializer.Serialize(_device.Request(6), UplinkJsonContext.Default.UplinkRequest), JsonSerializer.Serialize(_device.Request(0), UplinkJsonContext.Default.UplinkRequest)]),
        ]);
    }

    public async Task DisposeAsync()
    {
        _lots.Dispose();
        _device.Dispose();
        _revoked.Dispose();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task WriteEndpoints_UnderMutatedRequests_NeverFailWith5xx_AndRefusalsChangeNothing()
    {
        await RunAsync(Iterations, -1);

        // The run reached the endpoints: every request was sent, and they were refused for many reasons.
        Assert.True(_statuses.Values.Sum() >= Iterations, $"{_statuses.Values.Sum()} requests sent");
        Assert.True(_statuses.Keys.Count(s => s is >= 400 and < 500) >= 5, string.Join(", ", _statuses.Select(s => $"{s.Key}: {s.Value}")));
    }

    [Fact]
    [Trait("Category", "Soak")]
    public Task Soak_WriteEndpoints() => RunAsync(-1, SoakSeconds);

    private Task RunAsync(long iter, int time)
    {
        var requests = Gen.Int[0, _targets.Count - 1].SelectMany(t => Gen.Select(
            Gen.Const(t),
            Mutations.Bytes(_targets[t].Samples.Select(Encoding.UTF8.GetBytes).ToList()),
            Gen.Frequency((6, Gen.Const(-1)), (1, Gen.Int[0, ContentTypes.Length - 1])),
            Gen.Frequency((8, Gen.Const(-1)), (1, Gen.Int[0, OtherIds.Length - 1])),
            Gen.Frequency((6, Gen.Const(-1)), (1, Gen.Int[0, Headers.Length - 1])),
            Gen.Frequency((8, Gen.Const(-1)), (1, Gen.Int[0, 2])),
            Gen.Bool));
        return requests.SampleAsync(async (target, body, contentType, id, header, role, chunked) =>
            await SendAndCheckAsync(_targets[target], body, contentType, id, header, role, chunked), iter: iter, time: time, threads: 1,
            print: r => $"{_targets[r.Item1].Path} body={Convert.ToBase64String(r.Item2)} type={r.Item3} id={r.Item4} header={r.Item5} role={r.Item6} chunked={r.Item7}");
    }

    private async Task SendAndCheckAsync(Target target, byte[] body, int contentType, int id, int header, int role, bool chunked)
    {
        var before = State();
        var path = target.Path.Replace("{id}", id < 0 ? target.Id : OtherIds[id], StringComparison.Ordinal);
        using var content = chunked ? (HttpContent)new StreamContent(new MemoryStream(body)) : new ByteArrayContent(body);
        var type = contentType < 0 ? target.ContentType : ContentTypes[contentType];
        if (type.Length > 0)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", type);
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (chunked)
        {
            request.Headers.TransferEncodingChunked = true;
        }
        if (header >= 0)
        {
            request.Headers.TryAddWithoutValidation(Headers[header].Name, Headers[header].Value);
        }
        using var client = Client(role < 0 ? target.Role : (Role)role);
        using var response = await client.SendAsync(request);
        var status = (int)response.StatusCode;
        _statuses[status] = _statuses.GetValueOrDefault(status) + 1;
        var answer = await response.Content.ReadAsStringAsync();

        Assert.True(status < 500, $"{status} for {path}: {answer}");
        if (status >= 300)
        {
            // Kestrel itself answers a request it cannot parse (a NUL in the target) with a bare 400
            // and closes the connection, before the node sees it; every other refusal is the node's.
            var refusedByServer = status == 400 && answer.Length == 0 && response.Headers.ConnectionClose == true;
            Assert.True(refusedByServer || response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{status} for {path} is not a problem: {answer}");
            Assert.Equal(before, State());
        }
    }

    private HttpClient Client(Role role) => role switch
    {
        Role.Operator => _node.Operator(),
        Role.Lender => _node.Client(_node.LenderKey),
        _ => _node.Anonymous(),
    };

    // What a request could change: the ledger, the device logs held, the latest status reports.
    private (long Ledger, long Held, string Reports) State() =>
        (_node.LedgerSize, _node.HeldLeaves(_device.Id),
            string.Join(";", _node.Runtime.StatusReports.Latest().OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}={r.Value.Report.GatewayTimeMs}")));

    private sealed record Target(string Path, string Id, Role Role, string ContentType, IReadOnlyList<string> Samples);
}
