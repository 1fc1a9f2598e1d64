using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using AnchorNode.Endpoints;
using AnchorNode.Tests.Dashboard;
using AnchorNode.Tests.Infrastructure;
using AnchorNode.Tests.Inventory;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;
using Microsoft.Extensions.Logging;

namespace AnchorNode.Tests.Endpoints;

/// <summary>
/// Every kind of bad request of issue 14 (items 1 and 2) against a real node: each is a 4xx problem
/// naming the member and the rule, nothing is stored (the ledger size and the lot stay as they
/// were), and the node's log gets the value escaped and bounded, never raw.
/// </summary>
public sealed class BadRequestTests : IAsyncLifetime
{
    private const string Receipt = "WR-BAD-1";

    private readonly CapturedLog _log = new();
    private readonly TestNode _node;
    private LotClient _lots = null!;

    public BadRequestTests() =>
        _node = new TestNode
        {
            ConfigureHost = builder => builder.Logging.AddProvider(_log).AddFilter("AnchorNode.Endpoints.Refusals", LogLevel.Information),
        };

    // By kind, so that the theory's data (which the runner serializes) carries no lone surrogate.
    private static readonly Dictionary<string, string> Texts = new()
    {
        { "tab", "chiller\t2" },
        { "nul", "chiller\u00002" },
        { "newline", "chiller-2\nsite other" },
        { "trailing space", "chiller-2 " },
        { "leading space", " chiller-2" },
        { "too long", new string('z', 2049) },
        { "fake signature line", "chiller-2\n\n\u2014 warehouse AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" },
        { "DEL", "chiller\u007f2" },
        { "C1", "chiller\u00852" },
        { "right-to-left override", "chiller\u202e2-rellihc" },
        { "isolate", "chiller\u20662\u2069" },
        { "line separator", "chiller\u20282" },
        { "lone surrogate", "chiller\ud8002" },
    };

    public static TheoryData<string> BadTexts => new(Texts.Keys);

    public async Task InitializeAsync()
    {
        await _node.InitializeAsync();
        _lots = new LotClient(_node);
        await _lots.RegisterPartiesAsync();
        await _lots.IssueAsync(LotClient.Request(Receipt, [LotClient.Epc(1), LotClient.Epc(2)]));
    }

    public async Task DisposeAsync()
    {
        _lots.Dispose();
        await _node.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(BadTexts))]
    public async Task Move_WithABadZoneOrSite_Is400NamingTheField_AndStoresNothing(string kind)
    {
        var text = Texts[kind];
        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/moves", new { zone = text }), RequestProblemTypes.InvalidField, "zone", kind);
        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/moves", new { zone = "chiller-2", site = text }), RequestProblemTypes.InvalidField, "site", kind);
    }

    [Theory]
    [MemberData(nameof(BadTexts))]
    public async Task Reasons_OfCancelRevokeReleaseEnforce_AndTransferTo_WithBadText_Are400(string kind)
    {
        var text = Texts[kind];
        if (kind is "tab" or "newline" or "fake signature line" or "right-to-left override" or "trailing space" or "lone surrogate")
        {
            using var device = new SimulatedDevice($"gw-{Math.Abs(kind.GetHashCode(StringComparison.Ordinal)) % 10_000}");
            await _node.EnrolAsync(device);
            await RefusedAsync(() => PostJsonAsync($"v1/devices/{device.Id}/revoke", new { reason = text }), RequestProblemTypes.InvalidField, "reason", kind);
        }
        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/cancel", new { reason = text }), RequestProblemTypes.InvalidField, "reason", kind);
        var pledge = await PledgeOnceAsync();
        await RefusedAsync(() => PostJsonAsync($"v1/pledges/{pledge}/release/draft", new { reason = text }, _lots.Lender), RequestProblemTypes.InvalidField, "reason", kind);
        await RefusedAsync(() => PostJsonAsync($"v1/pledges/{pledge}/enforce/draft", new { reason = text }, _lots.Lender), RequestProblemTypes.InvalidField, "reason", kind);
        await RefusedAsync(() => PostJsonAsync($"v1/pledges/{pledge}/transfer/draft", new { to = text }, _lots.Lender), RequestProblemTypes.InvalidField, "to", kind);
    }

    [Fact]
    public async Task DeliveryDraft_WithSevenDecimals_Is400NamingQuantity()
    {
        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/deliveries/draft", "{\"quantity\":0.0000001}"), RequestProblemTypes.InvalidField, "quantity");
        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/deliveries", "{\"quantity\":0.0000001}"), RequestProblemTypes.InvalidField, "quantity");
        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/deliveries", "{\"quantity\":-5}"), RequestProblemTypes.InvalidField, "quantity");
    }

    [Fact]
    public async Task Delivery_WithATypo_IsRefused_AndTheLotIsUnchanged()
    {
        var before = await _lots.LotAsync(Receipt);

        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/deliveries", "{\"quantiy\":5}"), RequestProblemTypes.UnknownMember, "quantiy");
        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/deliveries", "{}"), ProblemTypes.MalformedRequest, "quantity");
        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/deliveries", "{\"Quantity\":5}"), RequestProblemTypes.UnknownMember, "Quantity");
        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/deliveries", "{\"quantity\":5,\"quantity\":120}"), RequestProblemTypes.DuplicateMember, "quantity");
        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/deliveries", "{\"all\":false}"), RequestProblemTypes.InvalidField, "all");
        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/deliveries", "{\"all\":true,\"quantity\":5}"), RequestProblemTypes.InvalidField, "all");
        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/deliveries", "{\"quantity\":5,\"epcs\":[\"urn:epc:id:sgtin:0614141.100734.1\\n\"]}"), RequestProblemTypes.InvalidField, "epcs[0]");

        var after = await _lots.LotAsync(Receipt);
        Assert.Equal((before.Status, before.Quantity, before.Events.Count, before.Cargo.Count), (after.Status, after.Quantity, after.Events.Count, after.Cargo.Count));
        Assert.Equal(("issued", 120m), (after.Status, after.Quantity));
    }

    [Fact]
    public async Task Delivery_NamingItsQuantity_OrSayingAll_IsAccepted()
    {
        using (var part = await PostJsonAsync($"v1/lots/{Receipt}/deliveries", "{\"quantity\":20,\"epcs\":[\"urn:epc:id:sgtin:0614141.100734.1\"]}"))
        {
            Assert.Equal(HttpStatusCode.Created, part.StatusCode);
        }
        Assert.Equal(100m, (await _lots.LotAsync(Receipt)).Quantity);
        using (var rest = await PostJsonAsync($"v1/lots/{Receipt}/deliveries", "{\"all\":true}"))
        {
            Assert.Equal(HttpStatusCode.Created, rest.StatusCode);
        }
        Assert.Equal(("delivered", 0m), ((await _lots.LotAsync(Receipt)).Status, (await _lots.LotAsync(Receipt)).Quantity));
    }

    [Fact]
    public async Task CaseVariants_UnknownAndDuplicateMembers_AreRefused_OnEveryKindOfWrite()
    {
        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/cancel", "{\"Reason\":\"x\"}"), RequestProblemTypes.UnknownMember, "Reason");
        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/cancel", "{\"reason\":\"a\",\"reason\":\"b\"}"), RequestProblemTypes.DuplicateMember, "reason");
        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/moves", "{\"zone\":\"chiller-2\",\"floor\":3}"), RequestProblemTypes.UnknownMember, "floor");
        await RefusedAsync(() => PostJsonAsync("v1/lots", "{\"receipt\":\"WR-BAD-2\",\"bands\":[{\"quantity\":\"temperature\",\"min\":2,\"max\":8,\"Max\":9}]}"),
            RequestProblemTypes.UnknownMember, "bands[0].Max");
        await RefusedAsync(() => PostJsonAsync("v1/parties", "{\"party\":\"p-1\",\"publicKey\":\"AA==\",\"newkey\":true}"), RequestProblemTypes.UnknownMember, "newkey");
        await RefusedAsync(() => PostJsonAsync("v1/devices", "{\"deviceId\":\"gw-x\",\"deviceId\":\"gw-y\"}"), RequestProblemTypes.DuplicateMember, "deviceId");
    }

    [Theory]
    [InlineData("text/plain; charset=utf-8")]
    [InlineData("application/json")]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task JsonWrites_WithAnotherMediaTypeOrCharset_Are415(string? contentType)
    {
        await RefusedAsync(() => PostRawAsync($"v1/lots/{Receipt}/cancel", "{\"reason\":\"damaged\"}", contentType), RequestProblemTypes.UnsupportedMediaType);
    }

    [Fact]
    public async Task SignedNoteWrites_AsAnotherMediaType_Are415()
    {
        await RefusedAsync(() => PostRawAsync("v1/pledges", "x", "application/json; charset=utf-8", _lots.Lender), RequestProblemTypes.UnsupportedMediaType);
        await RefusedAsync(() => PostRawAsync("v1/ledger/cosignatures", "x", "text/plain"), RequestProblemTypes.UnsupportedMediaType);
    }

    [Fact]
    public async Task Cancel_SignsTheReason_ByteForByte()
    {
        const string reason = "returned  to depositor — pallet 3, 冷链 «intact»";
        using var response = await PostJsonAsync($"v1/lots/{Receipt}/cancel", new { reason });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var index = (await response.Content.ReadFromJsonAsync(NodeJsonContext.Default.AppendedResponse))!.LedgerIndex;

        using var entry = await _lots.Auditor.GetAsync($"v1/ledger/entries/{index}");
        var note = LedgerEntry.Parse(await entry.Content.ReadAsByteArrayAsync()).Value.Note;
        Assert.Contains($"\nreason {reason}\n", note.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PublicProductText_WithABidiOverride_IsRefused()
    {
        var request = LotClient.Request("WR-BAD-3") with { Product = "Salmon \u202eeslaf\u202c fillets" };
        await RefusedAsync(() => _lots.Operator.PostAsJsonAsync("v1/lots", request, InventoryJsonContext.Default.LotRequest), RequestProblemTypes.InvalidField, "product");
        var spec = LotClient.Request("WR-BAD-3") with { Specification = "1 kg\u2067 cartons" };
        await RefusedAsync(() => _lots.Operator.PostAsJsonAsync("v1/lots", spec, InventoryJsonContext.Default.LotRequest), RequestProblemTypes.InvalidField, "specification");
        var insurance = LotClient.Request("WR-BAD-3") with { Insurance = " " };
        await RefusedAsync(() => _lots.Operator.PostAsJsonAsync("v1/lots", insurance, InventoryJsonContext.Default.LotRequest), RequestProblemTypes.InvalidField, "insurance");
    }

    [Fact]
    public async Task Cosignature_Of50MB_WithContentLength_Is413_BeforeTheBodyIsRead()
    {
        // A raw request: the node must answer from the header alone, while the 50 MB are not sent.
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_node.BaseAddress.Host, _node.BaseAddress.Port);
        var stream = tcp.GetStream();
        var head = $"POST /v1/ledger/cosignatures HTTP/1.1\r\nHost: {_node.BaseAddress.Authority}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {50L * 1024 * 1024}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(new byte[4096]);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var status = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith("HTTP/1.1 413", status, StringComparison.Ordinal);
        var rest = new StringBuilder();
        string? line;
        while ((line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30))) is not null && !line.EndsWith('}'))
        {
            rest.AppendLine(line);
        }
        Assert.Contains("urn:edgetrace:problem:too-large", rest + line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChunkedBodies_OverTheLimit_Are413()
    {
        var size = _node.LedgerSize;
        using var chunked = new StreamContent(new MemoryStream(new byte[300 * 1024]));
        chunked.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/lots/{Receipt}/cancel") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        using var response = await _lots.Operator.SendAsync(request);
        var problem = await Problem.ReadAsync(response);
        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, ProblemTypes.TooLarge), (problem.Status, problem.Code));
        Assert.Equal(size, _node.LedgerSize);

        using var note = new StreamContent(new MemoryStream(new byte[100 * 1024]));
        note.Headers.ContentType = MediaTypeHeaderValue.Parse("text/plain; charset=utf-8");
        using var cosign = new HttpRequestMessage(HttpMethod.Post, "v1/ledger/cosignatures") { Content = note };
        cosign.Headers.TransferEncodingChunked = true;
        using var refused = await _lots.Operator.SendAsync(cosign);
        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, ProblemTypes.TooLarge), ((await Problem.ReadAsync(refused)).Status, (await Problem.ReadAsync(refused)).Code));
    }

    [Fact]
    public async Task MoveAt_FarInTheFuture_IsTimeAhead_AndALaterMoveStillWorks()
    {
        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/moves", new { zone = "chiller-2", atMs = long.MaxValue }), RequestProblemTypes.TimeAhead, "atMs");
        var soon = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeMilliseconds();
        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/moves", new { zone = "chiller-2", atMs = soon }), RequestProblemTypes.TimeAhead, "atMs");
        using var moved = await PostJsonAsync($"v1/lots/{Receipt}/moves", new { zone = "chiller-2" });
        Assert.Equal(HttpStatusCode.Created, moved.StatusCode);
    }

    [Fact]
    public async Task StatusReport_FromTheFarFuture_IsTimeAhead_AndDoesNotPoisonLaterReports()
    {
        using var device = new SimulatedDevice("gw-clock", 5);
        await _node.EnrolAsync(device);

        using (var poisoned = await StatusReports.PostAsync(_node, device.Id, StatusReports.Sign(StatusReports.Report(device, long.MaxValue, 0, 0), device.Key)))
        {
            var problem = await Problem.ReadAsync(poisoned);
            Assert.Equal((HttpStatusCode.BadRequest, RequestProblemTypes.TimeAhead), (problem.Status, problem.Code));
            Assert.Equal("gatewayTimeMs", problem.Body.GetProperty("field").GetString());
        }
        await StatusReports.PostOkAsync(_node, device, StatusReports.Report(device, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0, 0));
    }

    [Fact]
    public async Task RefusedValues_AreLoggedEscapedAndBounded()
    {
        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/moves", new { zone = "a\nrefused POST forged\u202e" }), RequestProblemTypes.InvalidField, "zone");
        await RefusedAsync(() => PostJsonAsync($"v1/lots/{Receipt}/moves", new { zone = new string('q', 100_000) }), RequestProblemTypes.InvalidField, "zone");

        var lines = _log.Lines.Where(l => l.StartsWith("AnchorNode.Endpoints.Refusals", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains("\\u000arefused POST forged\\u202e", lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain('\n', lines[0]);
        Assert.DoesNotContain('\u202e', lines[0]);
        Assert.Contains("(100000 characters)", lines[1], StringComparison.Ordinal);
        Assert.True(lines[1].Length < 1000, lines[1].Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private long _pledge = -1;

    private async Task<long> PledgeOnceAsync()
    {
        if (_pledge < 0)
        {
            _pledge = await _lots.PledgeAsync(Receipt);
        }
        return _pledge;
    }

    private Task<HttpResponseMessage> PostJsonAsync(string path, object body, HttpClient? client = null) =>
        PostRawAsync(path, body as string ?? Json(body), "application/json; charset=utf-8", client);

    // The members of an anonymous object as JSON, every string character outside printable ASCII
    // escaped as \uXXXX, so that what is sent is exactly the test's text (a lone surrogate too).
    private static string Json(object body)
    {
        var members = body.GetType().GetProperties().Select(p => p.GetValue(body) switch
        {
            string text => $"\"{p.Name}\":\"{string.Concat(text.Select(c => c is >= ' ' and <= '~' and not '"' and not '\\' ? c.ToString() : $"\\u{(int)c:x4}"))}\"",
            long number => $"\"{p.Name}\":{number}",
            var other => throw new ArgumentException($"no JSON form for {other}"),
        });
        return "{" + string.Join(",", members) + "}";
    }

    private async Task<HttpResponseMessage> PostRawAsync(string path, string body, string? contentType, HttpClient? client = null)
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        return await (client ?? _lots.Operator).PostAsync(path, content);
    }

    private async Task RefusedAsync(Func<Task<HttpResponseMessage>> send, string code, string? field = null, string? kind = null)
    {
        var size = _node.LedgerSize;
        using var response = await send();
        var problem = await Problem.ReadAsync(response);
        Assert.True(code == problem.Code, $"{kind}: expected {code}, got {(int)problem.Status} {problem.Code}: {problem.Detail}");
        Assert.InRange((int)problem.Status, 400, 499);
        if (field is not null)
        {
            Assert.Equal(field, problem.Body.GetProperty("field").GetString());
        }
        Assert.Equal(size, _node.LedgerSize);
    }
}
