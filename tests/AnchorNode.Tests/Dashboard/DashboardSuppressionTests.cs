using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AnchorNode.Dashboard;
using AnchorNode.Storage;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Conditions;

namespace AnchorNode.Tests.Dashboard;

/// <summary>
/// Suppression windows on the operator dashboard: the index of suppression event leaves, kept by
/// uploads and rebuilt for an older database, and the card that shows the open windows and those of
/// the last seven days on the page's clock.
/// </summary>
public sealed class DashboardSuppressionTests : IAsyncLifetime
{
    private const string Zone = "Asia/Shanghai";
    private const long Minute = 60_000;
    private const long Day = 86_400_000;

    private readonly TestNode _node = new() { ConfigureNode = c => c with { DashboardTimeZone = Zone } };

    public Task InitializeAsync() => _node.InitializeAsync();

    public Task DisposeAsync() => _node.DisposeAsync();

    [Fact]
    public async Task UploadedSuppressionLeaves_ShowOnTheDashboard_OpenOnesProminently_OnThePagesClock()
    {
        var (device, now) = await GatewayWithSuppressionsAsync();
        using var client = _node.Operator();

        var data = await client.GetFromJsonAsync<JsonElement>("v1/dashboard");
        var spans = data.GetProperty("suppressions").EnumerateArray().ToList();
        // The span closed ten days ago is left out; the open one comes first (newest start).
        Assert.Equal(["cold-b maintenance open", "cold-a defrost closed"],
            spans.Select(s => $"{s.GetProperty("zone").GetString()} {s.GetProperty("reason").GetString()} {(s.GetProperty("open").GetBoolean() ? "open" : "closed")}"));
        Assert.Equal(now - 10 * Minute, spans[0].GetProperty("fromMs").GetInt64());
        Assert.Equal(JsonValueKind.Null, spans[0].GetProperty("toMs").ValueKind);
        Assert.Equal(now - 150 * Minute, spans[1].GetProperty("toMs").GetInt64());
        Assert.Equal(device.Id, spans[1].GetProperty("deviceId").GetString());
        Assert.Equal("site-1", spans[1].GetProperty("site").GetString());

        using var sections = await client.GetAsync("v1/dashboard/sections");
        Assert.Equal(HttpStatusCode.OK, sections.StatusCode);
        using var document = JsonDocument.Parse(await sections.Content.ReadAsStringAsync());
        var html = document.RootElement.GetProperty("sections").GetProperty("suppressions").GetString()!;
        var clock = new DashboardClock(TimeZoneInfo.FindSystemTimeZoneById(Zone));
        Assert.Contains($"<strong>Alarms of site-1 / cold-b are being delayed</strong> (maintenance) since {Time(clock, now - 10 * Minute)}, by gateway {device.Id}. Readings are still recorded.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Alarms of site-1 / cold-a are being delayed", html, StringComparison.Ordinal);
        Assert.Contains(Time(clock, now - 180 * Minute), html, StringComparison.Ordinal);
        Assert.Contains(Time(clock, now - 150 * Minute), html, StringComparison.Ordinal);
        Assert.DoesNotContain(Time(clock, now - 10 * Day), html, StringComparison.Ordinal);

        var page = await client.GetStringAsync("dashboard");
        Assert.Contains("<section class=\"card\" id=\"suppressions\"", page, StringComparison.Ordinal);
        Assert.Contains(SuppressionsSection.Meaning, page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SuppressionIndex_IsKeptByUploads_AndRebuiltFromTheStoredLeaves_WhenMissing()
    {
        var (device, _) = await GatewayWithSuppressionsAsync();
        var spans = Read(r => r.SuppressedSpans(0));
        // Three spans: the old and the defrost closed, the maintenance one open; the leaf without a reason opens none.
        Assert.Equal([(device.Id, "cold-b", "maintenance", (long?)null), (device.Id, "cold-a", "defrost", 8L), (device.Id, "cold-a", "defrost", 3L)],
            spans.Select(s => (s.DeviceId, s.Zone, s.Reason, s.EndSequence)));
        Assert.Equal(5L, Read(r => Count(r)));

        using (var connection = _node.Runtime.Database.OpenWriter())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "DELETE FROM suppression_events; DELETE FROM meta WHERE key = 'suppression_index'";
            command.ExecuteNonQuery();
        }
        Assert.Empty(Read(r => r.SuppressedSpans(0)));
        await _node.RestartAsync();

        Assert.Equal(spans, Read(r => r.SuppressedSpans(0)));
        Assert.Equal(5L, Read(r => Count(r)));
    }

    [Fact]
    public void Section_RendersOpenAndClosedWindows_WithEveryTimeOnThePagesClock()
    {
        var clock = new DashboardClock(TimeZoneInfo.FindSystemTimeZoneById(Zone));
        const long now = 1_796_000_000_000;
        var view = new DashboardView(now, 0, new DashboardLedger(0, null, null, null), [], [], [], Zone, 0, [])
        {
            Suppressions =
            [
                new DashboardSuppression("gw-1", null, "chiller-1", "defrost", now - 20 * Minute, null, 7, null),
                new DashboardSuppression("gw-2", "site-2", "freezer-<2>", "maintenance", now - 2 * Day, now - 2 * Day + 45 * Minute, 3, 4),
            ],
        };

        var html = Render(view, clock);

        Assert.Contains("<h2>Suppression windows</h2>", html, StringComparison.Ordinal);
        Assert.Contains($"<strong>Alarms of chiller-1 are being delayed</strong> (defrost) since {Time(clock, now - 20 * Minute)}, by gateway gw-1. Readings are still recorded.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("freezer-&lt;2&gt; are being delayed", html, StringComparison.Ordinal);
        Assert.Contains($"<tr class=\"closed\" data-zone=\"freezer-&lt;2&gt;\"><td>site-2 / freezer-&lt;2&gt;</td><td>maintenance</td><td>{Time(clock, now - 2 * Day)}</td><td>{Time(clock, now - 2 * Day + 45 * Minute)}</td><td>gw-2</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains($"<tr class=\"open\" data-zone=\"chiller-1\"><td>chiller-1</td><td>defrost</td><td>{Time(clock, now - 20 * Minute)}</td><td><span class=\"badge warn\">open</span></td>", html, StringComparison.Ordinal);
        Assert.Contains("never hides its readings", html, StringComparison.Ordinal);
        // Every time is a <time> on the clock: the UTC instant for machines, the page's zone for people.
        Assert.Contains("<time datetime=\"2026-11-30T00:33:20Z\" data-clock=\"Asia/Shanghai\">2026-11-30 08:33:20 Asia/Shanghai</time>", html, StringComparison.Ordinal);
        Assert.Equal(4, html.Split("<time ").Length - 1);

        var none = Render(view, clock, []);
        Assert.Contains("No alarm suppression window open or in the last 7 days.", none, StringComparison.Ordinal);
        var closedOnly = Render(view, clock, [view.Suppressions[1]]);
        Assert.Contains("No suppression window is open", closedOnly, StringComparison.Ordinal);
        Assert.DoesNotContain("are being delayed", closedOnly, StringComparison.Ordinal);
    }

    private static string Render(DashboardView view, DashboardClock clock, IReadOnlyList<DashboardSuppression>? spans = null)
    {
        var html = new StringBuilder();
        DashboardPage.Sections.Single(s => s.Id == "suppressions").Render(spans is null ? view : view with { Suppressions = spans }, clock, html);
        return html.ToString();
    }

    private static string Time(DashboardClock clock, long ms) => clock.Append(new StringBuilder(), ms).ToString();

    /// <summary>
    /// A gateway whose log holds: a defrost span closed ten days ago, a defrost span closed 2.5 h ago,
    /// a maintenance span open since 10 minutes ago, and a suppression-start without a reason.
    /// </summary>
    private async Task<(SimulatedDevice Device, long NowMs)> GatewayWithSuppressionsAsync()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var device = new SimulatedDevice("gw-defrost", 51) { FirstLeafMs = now - 11 * Day }.Add(2);
        device.AddEvent("suppression-start", now - 10 * Day, "cold-a", "defrost");
        device.AddEvent("suppression-end", now - 10 * Day + 30 * Minute, "cold-a", "defrost");
        device.AddEvent("suppression-start", now - 180 * Minute, "cold-a", "defrost", "chiller-defrost: alarms of cold-a suppressed");
        device.AddEvent("suppression-start", now - 170 * Minute, "cold-a", null);
        device.Add(2);
        device.AddEvent("suppression-end", now - 150 * Minute, "cold-a", "defrost");
        device.AddEvent("suppression-start", now - 10 * Minute, "cold-b", "maintenance");
        await _node.EnrolAsync(device);
        await _node.AnchorAsync(device, 0);
        return (device, now);
    }

    private static long Count(NodeReader reader) => (long)reader.Command("SELECT COUNT(*) FROM suppression_events", 0).ExecuteScalar()!;

    private T Read<T>(Func<NodeReader, T> read)
    {
        using var lease = _node.Runtime.Readers.Rent();
        return read(lease.Reader);
    }
}
