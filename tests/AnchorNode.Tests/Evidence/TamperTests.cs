using System.Net;
using AnchorNode.Storage;
using AnchorNode.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace AnchorNode.Tests.Evidence;

/// <summary>
/// Someone with write access to the node's database changes what it holds; the bundle the node then
/// exports fails the real Verifier, which names the break.
/// </summary>
public class TamperTests(TestNode node) : IClassFixture<TestNode>
{
    private async Task<(SimulatedDevice Device, long Enrolment, long Anchor)> AnchoredAsync(string id)
    {
        var device = new SimulatedDevice(id, seed: id.Length).Add(12);
        var enrolment = await node.EnrolAsync(device);
        await node.AnchorAsync(device, 0);
        device.Add(12);
        var receipt = await node.AnchorAsync(device, 12);
        await node.CosignAsync();
        return (device, enrolment, receipt.LedgerIndex);
    }

    private void Tamper(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection($"Data Source={node.Runtime.Database.Path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        Assert.True(command.ExecuteNonQuery() > 0, $"the tampering changed nothing: {sql}");
    }

    /// <summary>Rewrites the stored chunk (one upload's leaves) that holds <paramref name="seq"/>.</summary>
    private void EditReadings(string deviceId, long seq, Func<List<StoredLeaf>, List<StoredLeaf>> edit)
    {
        using var connection = new SqliteConnection($"Data Source={node.Runtime.Database.Path}");
        connection.Open();
        using var select = connection.CreateCommand();
        select.CommandText = "SELECT id, leaves FROM leaf_chunks WHERE log = (SELECT log FROM device_logs WHERE device = $device) AND first_seq <= $seq AND first_seq + count > $seq";
        select.Parameters.AddWithValue("$device", deviceId);
        select.Parameters.AddWithValue("$seq", seq);
        long id;
        byte[] chunk;
        using (var reader = select.ExecuteReader())
        {
            Assert.True(reader.Read(), $"no stored chunk holds reading {seq}");
            id = reader.GetInt64(0);
            chunk = (byte[])reader.GetValue(1);
        }
        using var update = connection.CreateCommand();
        update.CommandText = "UPDATE leaf_chunks SET leaves = $leaves WHERE id = $id";
        update.Parameters.AddWithValue("$leaves", LeafChunk.Encode(edit(LeafChunk.Decode(chunk))));
        update.Parameters.AddWithValue("$id", id);
        Assert.Equal(1, update.ExecuteNonQuery());
    }

    private async Task<Programs.Run> VerifyExportAsync(string deviceId)
    {
        using var client = node.Client(node.AuditorKey);
        using var response = await client.GetAsync($"v1/devices/{deviceId}/bundle");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var path = Path.Combine(node.Root, deviceId + ".evidence.json");
        await File.WriteAllBytesAsync(path, await response.Content.ReadAsByteArrayAsync());
        return await Programs.RunAsync(Programs.Verifier, ["bundle", path, .. node.VerifierKeyArgs]);
    }

    // The node's own export stops at damage it can see and names it: it cannot prove what it lacks.
    private async Task RefusesToExport(string deviceId, string expected)
    {
        using var client = node.Client(node.AuditorKey);
        using var response = await client.GetAsync($"v1/devices/{deviceId}/bundle");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.InternalServerError, body);
        Assert.Contains("damaged-store", body, StringComparison.Ordinal);
        Assert.Contains(expected, body, StringComparison.Ordinal);
    }

    private static void FailsNaming(Programs.Run run, string expected)
    {
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("failed: ", run.Output, StringComparison.Ordinal);
        Assert.Contains(expected, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Untampered_Verifies()
    {
        var (device, _, _) = await AnchoredAsync("gw-clean");
        var run = await VerifyExportAsync(device.Id);
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
    }

    [Fact]
    public async Task ChangedReading_NamesTheReading()
    {
        var (device, _, _) = await AnchoredAsync("gw-changed");
        var altered = device.Leaves[5].ToString().Replace("\"v\":", "\"v\":1", StringComparison.Ordinal);
        EditReadings(device.Id, 5, leaves => leaves.Select(l => l.Seq == 5 ? l with { Bytes = System.Text.Encoding.UTF8.GetBytes(altered) } : l).ToList());

        FailsNaming(await VerifyExportAsync(device.Id), "failed: root-mismatch: device gw-changed: readings 0..23 are not included in device checkpoint");
    }

    [Fact]
    public async Task DeletedReading_IsAGap()
    {
        var (device, _, _) = await AnchoredAsync("gw-deleted");
        EditReadings(device.Id, 7, leaves => leaves.Where(l => l.Seq != 7).ToList());

        await RefusesToExport(device.Id, "readings 0..23 is damaged or incomplete");
    }

    [Fact]
    public async Task ReorderedReadings_NameTheFirstMisplaced()
    {
        var (device, _, _) = await AnchoredAsync("gw-reordered");
        EditReadings(device.Id, 3, leaves =>
        {
            (leaves[3], leaves[4]) = (leaves[3] with { Bytes = leaves[4].Bytes }, leaves[4] with { Bytes = leaves[3].Bytes });
            return leaves;
        });

        FailsNaming(await VerifyExportAsync(device.Id), "failed: reading-sequence: reading 3 of gw-reordered: the leaf says it is reading 4");
    }

    [Fact]
    public async Task SwappedDeviceCheckpoint_InTheAnchor_NamesTheEntry()
    {
        var (device, _, anchor) = await AnchoredAsync("gw-swapped");
        // The anchor now carries the device's earlier checkpoint (size 12) instead of size 24.
        var older = device.Checkpoint(12, device.Log.Reader.Root(12)).ToString();
        using var lease = node.Runtime.Readers.Rent();
        var entry = System.Text.Encoding.UTF8.GetString(lease.Reader.Entry(anchor)!);
        var swapped = entry[..(entry.IndexOf("\n\n", StringComparison.Ordinal) + 2)] + older;
        Tamper("UPDATE entries SET bytes = $bytes WHERE idx = $idx", ("$idx", anchor), ("$bytes", System.Text.Encoding.UTF8.GetBytes(swapped)));

        FailsNaming(await VerifyExportAsync(device.Id), $"ledger entry {anchor} (anchor): not included in the ledger checkpoint");
    }

    [Fact]
    public async Task SwappedLedgerCheckpoint_NamesTheFirstEntryThatNoLongerFits()
    {
        var (device, _, _) = await AnchoredAsync("gw-ledger-swap");
        using var lease = node.Runtime.Readers.Rent();
        var latest = lease.Reader.LatestCheckpoint()!;
        var older = lease.Reader.CheckpointsAfter(0, 1).Single();
        Assert.NotEqual(older.Size, latest.Size);
        Tamper("UPDATE checkpoints SET note = $note WHERE size = $size", ("$note", older.Note), ("$size", latest.Size));
        try
        {
            await RefusesToExport(device.Id, $"the stored ledger checkpoint of size {latest.Size} does not match the stored ledger state");
        }
        finally
        {
            Tamper("UPDATE checkpoints SET note = $note WHERE size = $size", ("$note", latest.Note), ("$size", latest.Size));
        }
    }

    [Fact]
    public async Task DroppedEnrolment_IsNamed()
    {
        var (device, enrolment, _) = await AnchoredAsync("gw-unenrolled");
        Tamper("DELETE FROM entries WHERE idx = $idx", ("$idx", enrolment));

        await RefusesToExport(device.Id, $"ledger entry {enrolment} is not its enrolment");
    }
}
