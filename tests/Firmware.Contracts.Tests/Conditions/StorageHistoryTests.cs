using Firmware.Contracts.Conditions;

namespace Firmware.Contracts.Tests.Conditions;

public class StorageHistoryTests
{
    private const long T0 = 1_767_247_200_000;
    private const long Minute = 60_000;
    private const string A = "urn:epc:id:sgtin:0614141.107346.1001";
    private const string B = "urn:epc:id:sgtin:0614141.107346.1002";

    [Fact]
    public void Derive_NoEpcs_FollowsIssueAndMoves()
    {
        var history = StorageHistory.Derive(new HistoryInput
        {
            IssuedMs = T0, Site = "s1", Zone = "chiller-1", EndMs = T0 + 60 * Minute,
            Moves = [new LotMove(9, T0 + 20 * Minute, "s1", "freezer-1")],
        });

        Assert.Equal(
            [new StorageInterval("s1", "chiller-1", T0, T0 + 20 * Minute), new StorageInterval("s1", "freezer-1", T0 + 20 * Minute, T0 + 60 * Minute)],
            history);
    }

    [Fact]
    public void Derive_ReadsPlaceEachPallet_AndTheLotIsWhereverOneOfThemIs()
    {
        // A is put away at minute 5; B arrives at the dock at minute 10 and is put away at minute 14.
        var history = StorageHistory.Derive(new HistoryInput
        {
            IssuedMs = T0, Site = "s1", Zone = "chiller-1", EndMs = T0 + 60 * Minute, Epcs = [A, B],
            Sightings =
            [
                new EpcSighting(T0 - 5 * Minute, "gw", 1, A, "s1", "dock-1"),
                new EpcSighting(T0 + 5 * Minute, "gw", 2, A, "s1", "chiller-1"),
                new EpcSighting(T0 + 10 * Minute, "gw", 3, B, "s1", "dock-1"),
                new EpcSighting(T0 + 14 * Minute, "gw", 4, B, null, "chiller-1"),
            ],
        });

        Assert.Equal(
            [new StorageInterval("s1", "chiller-1", T0, T0 + 60 * Minute), new StorageInterval("s1", "dock-1", T0 + 10 * Minute, T0 + 14 * Minute)],
            history);
    }

    [Fact]
    public void Derive_DeliveredPalletsLeave_AndTheLotEndsWhenClosed()
    {
        var history = StorageHistory.Derive(new HistoryInput
        {
            IssuedMs = T0, Site = "s1", Zone = "chiller-1", EndMs = T0 + 60 * Minute, Epcs = [A, B],
            Sightings = [new EpcSighting(T0 + 20 * Minute, "gw", 1, B, "s1", "dock-1")],
            Departures = new Dictionary<string, long> { [B] = T0 + 25 * Minute },
            ClosedMs = T0 + 40 * Minute,
        });

        Assert.Equal(
            [new StorageInterval("s1", "chiller-1", T0, T0 + 40 * Minute), new StorageInterval("s1", "dock-1", T0 + 20 * Minute, T0 + 25 * Minute)],
            history);
    }

    [Fact]
    public void Derive_AMoveAfterAReadWins_AReadAfterTheMoveWinsAgain()
    {
        var history = StorageHistory.Derive(new HistoryInput
        {
            IssuedMs = T0, Site = "s1", Zone = "chiller-1", EndMs = T0 + 60 * Minute, Epcs = [A],
            Moves = [new LotMove(7, T0 + 30 * Minute, "s1", "freezer-1")],
            Sightings = [new EpcSighting(T0 + 40 * Minute, "gw", 1, A, "s1", "chiller-1")],
        });

        Assert.Equal(
        [
            new StorageInterval("s1", "chiller-1", T0, T0 + 30 * Minute),
            new StorageInterval("s1", "freezer-1", T0 + 30 * Minute, T0 + 40 * Minute),
            new StorageInterval("s1", "chiller-1", T0 + 40 * Minute, T0 + 60 * Minute),
        ], history);
    }
}
