using System.Net;
using System.Text.Json;
using Firmware.Contracts.Uplink;

namespace AnchorNode.Tests.Infrastructure;

/// <summary>An RFC 9457 problem as a client reads it.</summary>
public sealed record Problem(HttpStatusCode Status, string? Code, string? Detail, JsonElement Body)
{
    public static async Task<Problem> ReadAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        var type = body.TryGetProperty("type", out var t) ? t.GetString() : null;
        Assert.Equal((int)response.StatusCode, body.GetProperty("status").GetInt32());
        return new Problem(response.StatusCode, ProblemTypes.CodeOf(type), body.TryGetProperty("detail", out var d) ? d.GetString() : null, body);
    }
}
