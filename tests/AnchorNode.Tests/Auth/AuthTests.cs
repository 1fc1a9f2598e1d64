using System.Net;
using System.Text;
using AnchorNode.Tests.Infrastructure;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Tests.Auth;

/// <summary>API keys: no or bad key is 401, the wrong role 403, and neither changes anything.</summary>
public class AuthTests(TestNode node) : IClassFixture<TestNode>
{
    private static StringContent Enrolment(string id, string key) =>
        new($"{{\"deviceId\":\"{id}\",\"publicKey\":\"{key}\",\"zone\":\"cold-a\"}}", Encoding.UTF8, "application/json");

    private static StringContent Reason => new("{\"reason\":\"test\"}", Encoding.UTF8, "application/json");

    public static TheoryData<string, string> ProtectedReads => new()
    {
        { "GET", "v1/devices" },
        { "GET", "v1/devices/gw-auth" },
        { "GET", "v1/devices/gw-auth/readings" },
        { "GET", "v1/devices/gw-auth/readings/0/proof" },
        { "GET", "v1/devices/gw-auth/bundle" },
        { "GET", "v1/ledger/entries" },
        { "GET", "v1/ledger/entries/0" },
        { "GET", "v1/ledger/entries/0/proof" },
    };

    [Theory]
    [MemberData(nameof(ProtectedReads))]
    public async Task Reads_WithoutKey_Are401(string method, string path)
    {
        using var client = node.Anonymous();
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(ProblemTypes.Unauthenticated, (await Problem.ReadAsync(response)).Code);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("etk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("not-a-key")]
    [InlineData("")]
    public async Task Reads_WithUnknownKey_Are401(string key)
    {
        using var client = node.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/devices");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task KeyWithAnotherOrganisationsSecret_Is401()
    {
        // The id of the operator's key with the lender's secret must not authenticate.
        var forged = node.OperatorKey[..17] + node.LenderKey[17..];
        using var client = node.Client(forged);
        using var response = await client.GetAsync("v1/devices");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("lender")]
    [InlineData("auditor")]
    public async Task Enrolment_ByNonOperator_Is403_AndChangesNothing(string role)
    {
        var device = new SimulatedDevice($"gw-by-{role}");
        var ledger = node.LedgerSize;
        using var client = node.Client(role == "lender" ? node.LenderKey : node.AuditorKey);
        using var response = await client.PostAsync("v1/devices", Enrolment(device.Id, device.PublicKey));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(ProblemTypes.Forbidden, (await Problem.ReadAsync(response)).Code);
        Assert.Equal(ledger, node.LedgerSize);
        using var lease = node.Runtime.Readers.Rent();
        Assert.Null(lease.Reader.State.Device(device.Id));
    }

    [Fact]
    public async Task OperatorWrites_WithoutKey_Are401_AndChangeNothing()
    {
        var device = new SimulatedDevice("gw-nokey").Add(3);
        await node.EnrolAsync(device);
        var ledger = node.LedgerSize;
        using var client = node.Anonymous();
        foreach (var (path, body) in new[] { ("v1/devices", Enrolment("gw-x", device.PublicKey)), ($"v1/devices/{device.Id}/revoke", Reason), ($"v1/devices/{device.Id}/equivocation/clear", Reason) })
        {
            using var response = await client.PostAsync(path, body);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        Assert.Equal(ledger, node.LedgerSize);
        using var lease = node.Runtime.Readers.Rent();
        Assert.True(lease.Reader.State.Device(device.Id)!.IsActive);
    }

    [Fact]
    public async Task Revoke_ByLender_Is403_AndTheDeviceStaysEnrolled()
    {
        var device = new SimulatedDevice("gw-keep").Add(3);
        await node.EnrolAsync(device);
        using var client = node.Client(node.LenderKey);
        using var response = await client.PostAsync($"v1/devices/{device.Id}/revoke", Reason);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await node.AnchorAsync(device, 0);
    }

    [Fact]
    public async Task EveryRole_MayRead()
    {
        foreach (var key in new[] { node.OperatorKey, node.LenderKey, node.AuditorKey })
        {
            using var client = node.Client(key);
            using var response = await client.GetAsync("v1/devices");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task RevokedKey_Is401()
    {
        var key = node.Runtime.Organisations.Add("short-lived", "auditor");
        using var client = node.Client(key);
        using (var before = await client.GetAsync("v1/devices"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }
        Assert.True(node.Runtime.Organisations.RevokeKey(key[4..16]));
        using var after = await client.GetAsync("v1/devices");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task PublicEndpoints_NeedNoKey()
    {
        await node.WaitForCheckpointAsync();
        using var client = node.Anonymous();
        foreach (var path in new[] { "v1/ledger/checkpoint", "v1/ledger/checkpoints", "v1/members", "openapi/v1.json" })
        {
            using var response = await client.GetAsync(path);
            Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public void KeysAreStoredHashed()
    {
        using var connection = node.Runtime.Database.OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT group_concat(hex(secret_sha256)) || group_concat(key_id) FROM api_keys";
        var stored = (string)command.ExecuteScalar()!;
        var secret = node.OperatorKey[17..];
        Assert.DoesNotContain(secret, stored, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.ASCII.GetBytes(secret))), stored, StringComparison.Ordinal);
    }
}
