using System.Collections.Concurrent;
using System.Globalization;
using Consortium.Tests.Support;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Xunit.Abstractions;

namespace Consortium.Tests.Etcd;

/// <summary>
/// The ordering the consortium builds on, under a random schedule of faults: three appenders, each with
/// a client of every member, append to one sequence with compare-and-swap on its size (as the ledger's
/// etcd sequencer does), while one member at a time is killed and restarted, paused and resumed, or
/// the leader is killed. Appends go on during every fault (a majority remains); at the end the
/// sequence has no gap and no entry twice, holds every acknowledged append at the index it was
/// acknowledged at, and every member has caught up with it.
/// </summary>
[Trait("Category", "Consortium")]
public sealed class CompareAndSwapUnderFaultsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Prefix = "cas/";
    private EtcdCluster _cluster = null!;
    private int _refusedButCommitted;

    /// <param name="Rounds">Faults, one after another, each healed before the next.</param>
    /// <param name="Seed">Chooses each fault, its member and how long it lasts (printed).</param>
    public sealed record Plan(int Rounds, int Seed);

    public async Task InitializeAsync() => _cluster = await EtcdCluster.StartAsync(3);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public Task RandomFaults_SixRounds_SequenceHasNoGapNoDuplicateAndEveryAcknowledgedAppend() =>
        RunAsync(new Plan(Rounds: 6, Seed: 20261208));

    [Fact]
    [Trait("Category", "Soak")]
    public Task RandomFaults_SixtyRounds_SequenceHasNoGapNoDuplicateAndEveryAcknowledgedAppend() =>
        RunAsync(new Plan(Rounds: 60, Seed: 16));

    private async Task RunAsync(Plan plan)
    {
        output.WriteLine($"seed {plan.Seed}: {plan.Rounds} rounds");
        var random = new Random(plan.Seed);
        var acknowledged = new ConcurrentDictionary<long, string>();
        var uncertain = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var appenders = Enumerable.Range(0, 3).Select(a => Task.Run(() => AppendUntilStoppedAsync(a, acknowledged, uncertain, stop.Token))).ToList();
        var faults = new List<string>();
        try
        {
            for (var round = 1; round <= plan.Rounds; round++)
            {
                var before = acknowledged.Count;
                var leader = await _cluster.LeaderAsync();
                var member = random.Next(_cluster.Count);
                var lasting = TimeSpan.FromMilliseconds(random.Next(200, 1500));
                switch (random.Next(3))
                {
                    case 0:
                        faults.Add($"kill leader {leader}");
                        await _cluster.KillAsync(leader);
                        await AppendsGoOnAsync(before, acknowledged, $"round {round}: after the leader {leader} was killed");
                        await Task.Delay(lasting);
                        await _cluster.RestartAsync(leader);
                        break;
                    case 1:
                        faults.Add($"kill {member}");
                        await _cluster.KillAsync(member);
                        await AppendsGoOnAsync(before, acknowledged, $"round {round}: after member {member} was killed");
                        await Task.Delay(lasting);
                        await _cluster.RestartAsync(member);
                        break;
                    default:
                        faults.Add($"pause {member}{(member == leader ? " (leader)" : "")}");
                        _cluster.Pause(member);
                        await AppendsGoOnAsync(before, acknowledged, $"round {round}: while member {member} was paused");
                        await Task.Delay(lasting);
                        _cluster.Resume(member);
                        break;
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(appenders);
        }

        try
        {
            await AssertSequenceAsync(acknowledged, uncertain);
        }
        catch
        {
            output.WriteLine(_cluster.Diagnostics(lines: 80));
            throw;
        }
        output.WriteLine($"faults: {string.Join(", ", faults)}");
        output.WriteLine($"acknowledged appends: {acknowledged.Count} ({_refusedButCommitted} refused by their own earlier attempt), "
            + $"unanswered (may or may not be in): {uncertain.Count}");
    }

    private Task AppendsGoOnAsync(int before, ConcurrentDictionary<long, string> acknowledged, string when) =>
        Eventually.UntilAsync(_ => Task.FromResult(acknowledged.Count), count => count >= before + 3,
            $"three more acknowledged appends {when}", EtcdCluster.WaitLimit, () => _cluster.Diagnostics());

    // Reads the size, then appends at size+1 if the size is unchanged; refused → read again. An append
    // whose answer never came may or may not have committed; its value is never proposed again.
    // dotnet-etcd reports a passed deadline as an OperationCanceledException, not an RpcException.
    // A refusal is not proof that the value is not in: dotnet-etcd's channel retries a call that failed
    // as Unavailable (a member killed as it answered), so the transaction may have committed on the first
    // attempt and been refused on the retry by its own write. The refusal returns the entry at the index
    // it aimed at; if that is the value, it was appended (without this check the sequence holds it twice).
    private async Task AppendUntilStoppedAsync(int appender, ConcurrentDictionary<long, string> acknowledged, ConcurrentBag<string> uncertain, CancellationToken stop)
    {
        using var client = _cluster.Client();
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var value = $"appender {appender} #{n}";
            while (!stop.IsCancellationRequested)
            {
                long size;
                try
                {
                    size = await SizeAsync(client, stop);
                }
                catch (Exception ex) when (ex is RpcException or OperationCanceledException)
                {
                    continue;
                }
                try
                {
                    var response = await client.TransactionAsync(Append(size, value), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: stop);
                    var ours = !response.Succeeded && response.Responses.Single().ResponseRange.Kvs is [var held] && held.Value.ToStringUtf8() == value;
                    if (ours)
                    {
                        Interlocked.Increment(ref _refusedButCommitted);
                    }
                    if (response.Succeeded || ours)
                    {
                        Assert.True(acknowledged.TryAdd(size + 1, value), $"index {size + 1} acknowledged twice: {acknowledged.GetValueOrDefault(size + 1)} and {value}");
                        break;
                    }
                }
                catch (Exception ex) when (ex is RpcException or OperationCanceledException)
                {
                    uncertain.Add(value);
                    break;
                }
            }
        }
    }

    private async Task AssertSequenceAsync(ConcurrentDictionary<long, string> acknowledged, ConcurrentBag<string> uncertain)
    {
        await _cluster.LeaderAsync();
        using var client = _cluster.Client();
        // Right after the last fault is healed a read may still meet an election: read until one answers.
        var (size, range) = await Eventually.UntilAsync(async ct => (await SizeAsync(client, ct), await client.GetRangeAsync(Prefix + "entries/", deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: ct)),
            _ => true, "the final size and entries", EtcdCluster.WaitLimit, () => _cluster.Diagnostics());
        var entries = range.Kvs.ToDictionary(kv => long.Parse(kv.Key.ToStringUtf8()[(Prefix + "entries/").Length..], CultureInfo.InvariantCulture), kv => kv.Value.ToStringUtf8());

        Assert.True(size >= acknowledged.Count, $"size {size} below the {acknowledged.Count} acknowledged appends");
        var gaps = Enumerable.Range(1, (int)size).Where(i => !entries.ContainsKey(i)).ToList();
        Assert.True(gaps.Count == 0, $"no entry at {string.Join(", ", gaps)} of size {size}");
        Assert.Equal(size, entries.Count);
        var twice = entries.Values.GroupBy(v => v).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"appended twice: {string.Join("; ", twice)}");
        foreach (var (index, value) in acknowledged)
        {
            Assert.True(entries.TryGetValue(index, out var held) && held == value, $"acknowledged {value} at {index}, but the sequence holds {held ?? "nothing"} there");
        }
        var known = acknowledged.Values.Concat(uncertain).ToHashSet();
        Assert.All(entries.Values, v => Assert.Contains(v, known));

        for (var member = 0; member < _cluster.Count; member++)
        {
            var at = member;
            await Eventually.UntilAsync(ct => LocalSizeAsync(at, ct), s => s == size, $"member {at}'s own copy of the size reaching {size}",
                EtcdCluster.WaitLimit, () => _cluster.Diagnostics());
        }
    }

    private static async Task<long> SizeAsync(EtcdClient client, CancellationToken cancellationToken)
    {
        var value = await client.GetValAsync(Prefix + "size", deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken);
        return value.Length == 0 ? 0 : long.Parse(value, CultureInfo.InvariantCulture);
    }

    private async Task<long> LocalSizeAsync(int member, CancellationToken cancellationToken)
    {
        using var client = _cluster.Client(member);
        var response = await client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(Prefix + "size"), Serializable = true },
            deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken);
        return response.Kvs.Count == 0 ? 0 : long.Parse(response.Kvs[0].Value.ToStringUtf8(), CultureInfo.InvariantCulture);
    }

    // Compares the size key's version (0 when it does not exist yet) or value, then writes entry and size together;
    // refused, it returns the entry at the index it aimed at.
    private static TxnRequest Append(long size, string value)
    {
        var sizeKey = ByteString.CopyFromUtf8(Prefix + "size");
        var next = (size + 1).ToString(CultureInfo.InvariantCulture);
        var request = new TxnRequest();
        request.Compare.Add(size == 0
            ? new Compare { Key = sizeKey, Target = Compare.Types.CompareTarget.Version, Result = Compare.Types.CompareResult.Equal, Version = 0 }
            : new Compare { Key = sizeKey, Target = Compare.Types.CompareTarget.Value, Result = Compare.Types.CompareResult.Equal, Value = ByteString.CopyFromUtf8(size.ToString(CultureInfo.InvariantCulture)) });
        request.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = ByteString.CopyFromUtf8(Prefix + "entries/" + next), Value = ByteString.CopyFromUtf8(value) } });
        request.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = sizeKey, Value = ByteString.CopyFromUtf8(next) } });
        request.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = ByteString.CopyFromUtf8(Prefix + "entries/" + next) } });
        return request;
    }
}
