using Consortium.Tests.Support;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Xunit.Abstractions;

namespace Consortium.Tests.Etcd;

/// <summary>
/// What the consortium's ordering relies on, checked on a real three-member etcd cluster: a write through
/// one member is read through another; a compare-and-swap transaction commits through a survivor after
/// the leader is killed, and a stale one is refused; a paused member stops nothing, then catches up;
/// a killed member restarted on its data rejoins. Also the proof that <see cref="EtcdCluster"/> works.
/// </summary>
[Trait("Category", "Consortium")]
public sealed class EtcdClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Wait = EtcdCluster.WaitLimit;
    private EtcdCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await EtcdCluster.StartAsync(3);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public Task Put_ThroughOneMember_IsReadThroughAnother() => ObservedAsync(async () =>
    {
        using var writer = _cluster.Client(0);
        await AnsweredAsync(ct => writer.PutAsync("t/written-through-0", "pallet 7", deadline: Deadline(), cancellationToken: ct), "Put t/written-through-0 through writer");

        using var reader = _cluster.Client(2);
        Assert.Equal("pallet 7", await AnsweredAsync(ct => reader.GetValAsync("t/written-through-0", deadline: Deadline(), cancellationToken: ct), "GetVal t/written-through-0 through reader"));
        // Member 1's own copy (no round to the leader) has it too, once replicated.
        await Eventually.UntilAsync(ct => LocalValueAsync(1, "t/written-through-0", ct), v => v == "pallet 7",
            "member 1's serializable read of the value written through member 0", Wait, () => _cluster.Diagnostics());
        Assert.Equal("", await AnsweredAsync(ct => reader.GetValAsync("t/never-written", deadline: Deadline(), cancellationToken: ct), "GetVal t/never-written through reader"));
    });

    [Fact]
    public Task LeaderKilled_AnotherIsElected_CompareAndSwapCommitsThroughSurvivor_StaleOneIsRefused() => ObservedAsync(async () =>
    {
        using var client = _cluster.Client();
        await AnsweredAsync(ct => client.PutAsync("t/size", "0", deadline: Deadline(), cancellationToken: ct), "Put t/size through client");
        var old = await _cluster.LeaderAsync();

        await _cluster.KillAsync(old);
        var next = await _cluster.LeaderAsync();
        Assert.NotEqual(old, next);
        Assert.False(_cluster.IsRunning(old));

        // The client still names the dead member; the call must get through to a survivor.
        var appended = await Eventually.UntilAsync(ct => AppendAsync(client, expectedSize: "0", "entry one", ct), _ => true,
            "a compare-and-swap append after the leader's death", Wait, () => _cluster.Diagnostics());
        Assert.True(appended.Succeeded, $"the append comparing size 0 was refused: {appended}");

        // A proposer that still believes the size is 0 is refused, and sees what the size is now.
        var stale = await AnsweredAsync(ct => AppendAsync(client, expectedSize: "0", "stale entry", ct), "the stale compare-and-swap");
        Assert.False(stale.Succeeded, "a compare-and-swap on an outdated size committed");
        Assert.Equal("1", stale.Responses.Single().ResponseRange.Kvs.Single().Value.ToStringUtf8());

        using var survivor = _cluster.Client(next);
        Assert.Equal("1", await AnsweredAsync(ct => survivor.GetValAsync("t/size", deadline: Deadline(), cancellationToken: ct), "GetVal t/size through survivor"));
        Assert.Equal("entry one", await AnsweredAsync(ct => survivor.GetValAsync("t/entries/1", deadline: Deadline(), cancellationToken: ct), "GetVal t/entries/1 through survivor"));
    });

    [Fact]
    public Task LeaderPaused_TheOtherTwoElectAndCommit_AfterResumeItCatchesUp() => ObservedAsync(async () =>
    {
        var paused = await _cluster.LeaderAsync();
        var others = Enumerable.Range(0, _cluster.Count).Where(i => i != paused).ToArray();
        _cluster.Pause(paused);

        var next = await _cluster.LeaderAsync();
        Assert.Contains(next, others);
        using var survivors = _cluster.Client(others);
        for (var n = 1; n <= 5; n++)
        {
            var value = $"reading {n}";
            await Eventually.UntilAsync(async ct => await survivors.PutAsync("t/latest", value, deadline: Deadline(), cancellationToken: ct), _ => true,
                $"put {n} through the two members that still run", Wait, () => _cluster.Diagnostics());
        }
        Assert.Equal("reading 5", await AnsweredAsync(ct => survivors.GetValAsync("t/latest", deadline: Deadline(), cancellationToken: ct), "GetVal t/latest through survivors"));

        _cluster.Resume(paused);
        await Eventually.UntilAsync(ct => LocalValueAsync(paused, "t/latest", ct), v => v == "reading 5",
            $"the resumed member {paused}'s serializable read of the latest value", Wait, () => _cluster.Diagnostics());
        // One leader for all three again.
        Assert.Contains(await _cluster.LeaderAsync(), Enumerable.Range(0, _cluster.Count));
    });

    [Fact]
    public Task KilledMember_RestartedOnItsData_RejoinsAndCatchesUp() => ObservedAsync(async () =>
    {
        var leader = await _cluster.LeaderAsync();
        var victim = (leader + 1) % _cluster.Count;
        using (var before = _cluster.Client())
        {
            await AnsweredAsync(ct => before.PutAsync("t/before-kill", "held", deadline: Deadline(), cancellationToken: ct), "Put t/before-kill through before");
        }
        await _cluster.KillAsync(victim);

        var others = Enumerable.Range(0, _cluster.Count).Where(i => i != victim).ToArray();
        using (var survivors = _cluster.Client(others))
        {
            await Eventually.UntilAsync(async ct => await survivors.PutAsync("t/while-down", "missed", deadline: Deadline(), cancellationToken: ct), _ => true,
                "a put while one member is down", Wait, () => _cluster.Diagnostics());
        }

        await _cluster.RestartAsync(victim);
        Assert.True(_cluster.IsRunning(victim));
        await Eventually.UntilAsync(ct => LocalValueAsync(victim, "t/while-down", ct), v => v == "missed",
            $"the restarted member {victim}'s serializable read of what it missed", Wait, () => _cluster.Diagnostics());
        Assert.Equal("held", await AnsweredAsync(ct => LocalValueAsync(victim, "t/before-kill", ct), "the restarted member's own copy of what it had"));

        // It is a full member again: a write through it commits and the others read it.
        using var rejoined = _cluster.Client(victim);
        await AnsweredAsync(ct => rejoined.PutAsync("t/through-rejoined", "yes", deadline: Deadline(), cancellationToken: ct), "Put t/through-rejoined through rejoined");
        using var other = _cluster.Client(others[0]);
        Assert.Equal("yes", await AnsweredAsync(ct => other.GetValAsync("t/through-rejoined", deadline: Deadline(), cancellationToken: ct), "GetVal t/through-rejoined through other"));
        var members = await AnsweredAsync(ct => rejoined.MemberListAsync(new MemberListRequest(), deadline: Deadline(), cancellationToken: ct), "MemberList through rejoined");
        Assert.Equal(_cluster.Count, members.Members.Count);
    });

    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(5);

    // A call that a busy machine may see fail once (an election started by a late heartbeat): repeated
    // until it is answered. Only for calls that may be repeated (puts of a fixed value, reads, a CAS that is refused anyway).
    private Task<T> AnsweredAsync<T>(Func<CancellationToken, Task<T>> call, string what) =>
        Eventually.UntilAsync(call, _ => true, what, Wait, () => _cluster.Diagnostics());

    // The sequencer's append: if the size is still what the proposer read, write the entry and the new
    // size in one transaction; otherwise return the size as it is.
    private static Task<TxnResponse> AppendAsync(EtcdClient client, string expectedSize, string entry, CancellationToken cancellationToken)
    {
        var next = (int.Parse(expectedSize, System.Globalization.CultureInfo.InvariantCulture) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var request = new TxnRequest();
        request.Compare.Add(new Compare
        {
            Key = ByteString.CopyFromUtf8("t/size"),
            Target = Compare.Types.CompareTarget.Value,
            Result = Compare.Types.CompareResult.Equal,
            Value = ByteString.CopyFromUtf8(expectedSize),
        });
        request.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8("t/entries/" + next), Value = ByteString.CopyFromUtf8(entry) } });
        request.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8("t/size"), Value = ByteString.CopyFromUtf8(next) } });
        request.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = ByteString.CopyFromUtf8("t/size") } });
        return client.TransactionAsync(request, deadline: Deadline(), cancellationToken: cancellationToken);
    }

    // A serializable read: the member answers from its own store, without the leader, so it shows
    // whether that member has caught up.
    private async Task<string> LocalValueAsync(int member, string key, CancellationToken cancellationToken)
    {
        using var client = _cluster.Client(member);
        var response = await client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(key), Serializable = true }, deadline: Deadline(), cancellationToken: cancellationToken);
        return response.Kvs.Count == 0 ? "" : response.Kvs[0].Value.ToStringUtf8();
    }

    private async Task ObservedAsync(Func<Task> test)
    {
        try
        {
            await test();
        }
        catch
        {
            output.WriteLine(_cluster.Diagnostics(lines: 80));
            throw;
        }
    }
}
