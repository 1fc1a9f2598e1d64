using AnchorNode.Tests.Browser;
using AnchorNode.Tests.Inventory;
using EdgeGateway.Sensors.Simulation;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Readings;

namespace AnchorNode.Tests.Dashboard;

/// <summary>
/// The dashboard over the simulated warehouse day (the chiller's compressor fails; the bank holds
/// both lots as collateral with covenants), in a real headless Chromium: the breached pledge shows
/// on its lot, the held one as held, lots by product name, and the chiller's figures match the
/// readings the gateway uploaded.
/// </summary>
public sealed class CovenantDashboardTests(WarehouseScenario scenario, HeadlessChromium chromium) : IClassFixture<WarehouseScenario>, IClassFixture<HeadlessChromium>
{
    [Fact]
    public async Task BreachedPledge_ShowsOnItsLot_AndTheZoneFiguresMatchTheUploadedReadings()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!scenario.Node.CovenantEvents.Events.Any(e => e.PledgeIndex == scenario.ChilledPledge) || !FrozenEvaluated())
        {
            Assert.True(DateTime.UtcNow < deadline, "the covenant monitor did not evaluate both pledges within a minute");
            await Task.Delay(50);
        }
        // The background check may have run before the node's checkpoint covered the scenario's last
        // anchors (the frozen lot then cannot be evaluated yet): check again until the checkpoint does.
        // The page must still show what the monitor found; a lot that stays unevaluated fails below.
        for (var settle = DateTime.UtcNow + TimeSpan.FromSeconds(30); DateTime.UtcNow < settle && FrozenStanding() != ConditionVerdict.Held; await Task.Delay(200))
        {
            await scenario.Node.Runtime.Covenants.CheckAsync(CancellationToken.None);
        }

        var page = await chromium.NewPageAsync(1440, 1200);
        // An operator's API key instead of a link: the node's clock stands at the end of the simulated day.
        await page.SetExtraHTTPHeadersAsync(new Dictionary<string, string> { ["Authorization"] = $"Bearer {scenario.Node.OperatorKey}" });
        var response = await page.GotoAsync(new Uri(scenario.Node.BaseAddress, "dashboard").ToString());
        Assert.Equal(200, response!.Status);

        var chilled = page.Locator($"#lots tr[data-receipt='{WarehouseScenario.Chilled}']");
        Assert.Equal("pledged", await chilled.GetAttributeAsync("data-status"));
        Assert.Equal("breached", await chilled.GetAttributeAsync("data-covenant"));
        Assert.Equal("breached", await chilled.Locator("td.covenant .badge.bad").InnerTextAsync());
        Assert.Contains(scenario.Salmon.Product, await chilled.Locator("td.product strong").InnerTextAsync(), StringComparison.Ordinal);
        var frozenLot = page.Locator($"#lots tr[data-receipt='{WarehouseScenario.Frozen}']");
        Assert.Equal("held", await frozenLot.GetAttributeAsync("data-covenant"));
        Assert.Equal("held", await frozenLot.Locator("td.covenant .badge.ok").InnerTextAsync());

        var probe = scenario.Gateway.Leaves.Select(l => l.Content)
            .First(c => c.Kind == LeafKind.Measurement && c.Zone == SimulatedWarehouse.ChillerZone && c.Quantity == "temperature");
        var values = scenario.Gateway.Leaves.Select(l => l.Content)
            .Where(c => c.Kind == LeafKind.Measurement && c.SensorId == probe.SensorId && c.Quantity == probe.Quantity)
            .OrderBy(c => c.TimeMs).ThenBy(c => c.Sequence).Select(c => c.Value!.Value).ToList();
        var row = page.Locator($"#readings .zone[data-zone='{SimulatedWarehouse.ChillerZone}'] tr.sensor[data-sensor='{probe.SensorId}'][data-quantity='temperature']");
        await LiveDashboardTests.AssertSensorAsync(row, values);
        // The compressor failure (above 8 °C) is in the window's maximum.
        Assert.True(values.Max() > 8);
        await HeadlessChromium.ScreenshotAsync(page, "operator-dashboard-covenants");
        await page.Context.CloseAsync();
    }

    private bool FrozenEvaluated()
    {
        using var lease = scenario.Node.Runtime.Readers.Rent();
        return scenario.Node.Runtime.Covenants.Standings(lease.Reader).TryGetValue(scenario.FrozenPledge, out var frozen) && frozen.EvaluatedMs != 0;
    }

    private string? FrozenStanding()
    {
        using var lease = scenario.Node.Runtime.Readers.Rent();
        return scenario.Node.Runtime.Covenants.Standings(lease.Reader).GetValueOrDefault(scenario.FrozenPledge)?.State;
    }
}
