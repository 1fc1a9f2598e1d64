using EdgeGateway.Daemon;

namespace EdgeGateway.Tests.Daemon;

public sealed class SimulationResumeTests : IDisposable
{
    private static readonly long Now = new DateTimeOffset(2030, 5, 5, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private readonly string _folder = Directory.CreateTempSubdirectory("edgetrace-resume-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void FirstRun_StartsTheHistoryThatLongAgo_AndRemembersTheScenario()
    {
        var plan = SimulationResume.Plan(_folder, seed: 7, TimeSpan.FromHours(3), Now);

        Assert.Equal((Now - 3 * 3_600_000, Now - 3 * 3_600_000, long.MinValue), plan);
        Assert.Equal($"seed 7\nstart {Now - 3 * 3_600_000}\n", File.ReadAllText(Path.Combine(_folder, SimulationResume.FileName)));
    }

    [Fact]
    public void ALaterRun_KeepsTheScenario_AndNeverStartsInTheFuture()
    {
        SimulationResume.Plan(_folder, seed: 7, TimeSpan.FromHours(3), Now);

        var later = SimulationResume.Plan(_folder, seed: 7, TimeSpan.FromHours(3), Now + 3_600_000);

        // The same warehouse (its pallets and failures), resumed no earlier than the history allows.
        Assert.Equal(Now - 3 * 3_600_000, later.ScenarioStartMs);
        Assert.Equal(Now + 3_600_000 - 3 * 3_600_000, later.ClockStartMs);
        Assert.True(later.ClockStartMs <= Now + 3_600_000);
    }

    [Fact]
    public void AnotherSeed_StartsANewScenario()
    {
        SimulationResume.Plan(_folder, seed: 7, TimeSpan.FromHours(3), Now);

        var other = SimulationResume.Plan(_folder, seed: 8, TimeSpan.FromHours(1), Now + 60_000);

        Assert.Equal(Now + 60_000 - 3_600_000, other.ScenarioStartMs);
    }
}
