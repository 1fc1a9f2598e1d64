using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Firmware.Contracts.Calibration;
using Firmware.Contracts.Uplink;

namespace EdgeGateway.Uplink;

/// <summary>
/// <see cref="IAnchorClient"/> over HTTP(S) with <see cref="HttpClient"/>. Failures are values, not
/// exceptions: network errors and timeouts, 5xx answers, and RFC 9457 problems with their
/// <see cref="ProblemTypes"/> code.
/// </summary>
public sealed class HttpAnchorClient : IAnchorClient, ICalibrationSource, IDisposable
{
    private const int MaxErrorBodyBytes = 64 * 1024;
    private readonly HttpClient _http;
    private readonly bool _ownsClient;

    /// <summary>A client for the node at <paramref name="http"/>'s base address.</summary>
    public HttpAnchorClient(HttpClient http, bool ownsClient = false)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null)
        {
            throw new ArgumentException("the HttpClient needs the node's base address", nameof(http));
        }
        _http = http;
        _ownsClient = ownsClient;
    }

    /// <summary>
    /// A client for <paramref name="baseUrl"/> with its own connection pool; when
    /// <paramref name="caCertificateFile"/> is given, the node's certificate must chain to that CA
    /// (and only to it).
    /// </summary>
    public static HttpAnchorClient Create(Uri baseUrl, TimeSpan requestTimeout, string? caCertificateFile)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(15),
            // New connections now and then, so that a node that moved (DNS) is found again.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
        };
        if (caCertificateFile is not null)
        {
            var authority = X509CertificateLoader.LoadCertificateFromFile(caCertificateFile);
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
                    {
                        return false;
                    }
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(authority);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(certificate));
                },
            };
        }
        var baseAddress = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        var http = new HttpClient(handler, disposeHandler: true) { BaseAddress = baseAddress, Timeout = requestTimeout };
        return new HttpAnchorClient(http, ownsClient: true);
    }

    /// <inheritdoc/>
    public Uri Node => _http.BaseAddress!;

    /// <inheritdoc/>
    public async Task<AnchorResult<DeviceLogStatus>> GetStatusAsync(string deviceId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Relative(UplinkRoutes.DeviceLogPath(deviceId)));
        return await SendAsync(request, UplinkJsonContext.Default.DeviceLogStatus, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<AnchorResult<UplinkReceipt>> UploadAsync(string deviceId, UplinkBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        using var request = new HttpRequestMessage(HttpMethod.Post, Relative(UplinkRoutes.UploadPath(deviceId)))
        {
            Content = new UplinkRequestContent(batch),
        };
        return await SendAsync(request, UplinkJsonContext.Default.UplinkReceipt, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<AnchorResult<StatusReceipt>> PostStatusAsync(string deviceId, string signedNote, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Relative(UplinkRoutes.StatusPath(deviceId)))
        {
            Content = new StringContent(signedNote, System.Text.Encoding.UTF8, "text/plain"),
        };
        return await SendAsync(request, UplinkJsonContext.Default.StatusReceipt, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<AnchorResult<DeviceCalibrations>> GetCalibrationsAsync(string deviceId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Relative(DeviceCalibrations.Path(deviceId)));
        return await SendAsync(request, CalibrationJsonContext.Default.DeviceCalibrations, cancellationToken);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_ownsClient)
        {
            _http.Dispose();
        }
    }

    // Routes start with '/'; relative to a base address with a path prefix they must not.
    private static Uri Relative(string path) => new(path.TrimStart('/'), UriKind.Relative);

    private async Task<AnchorResult<T>> SendAsync<T>(HttpRequestMessage request, JsonTypeInfo<T> type, CancellationToken cancellationToken)
        where T : class
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return AnchorResult<T>.Fail(new UplinkProblem(UplinkFailureKind.Network, null, null, Describe(e)));
        }
        using (response)
        {
            var status = (int)response.StatusCode;
            try
            {
                if (response.IsSuccessStatusCode)
                {
                    await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                    var value = await JsonSerializer.DeserializeAsync(body, type, cancellationToken);
                    return value is null
                        ? AnchorResult<T>.Fail(new UplinkProblem(UplinkFailureKind.Protocol, status, null, "the node answered with an empty body"))
                        : AnchorResult<T>.Ok(value);
                }
                var (code, detail, last) = await ReadProblemAsync(response, cancellationToken);
                var kind = status >= 500 ? UplinkFailureKind.Server : UplinkFailureKind.Refused;
                return AnchorResult<T>.Fail(new UplinkProblem(kind, status, code, detail) { LastGatewayTimeMs = last });
            }
            catch (JsonException e)
            {
                return AnchorResult<T>.Fail(new UplinkProblem(UplinkFailureKind.Protocol, status, null, $"the node's answer is not the expected JSON: {e.Message}"));
            }
            catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return AnchorResult<T>.Fail(new UplinkProblem(UplinkFailureKind.Network, status, null, Describe(e)));
            }
        }
    }

    private static async Task<(string? Code, string Detail, long? LastGatewayTimeMs)> ReadProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var bytes = await ReadLimitedAsync(response.Content, cancellationToken);
        var fallback = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        if (bytes.Length == 0)
        {
            return (null, fallback, null);
        }
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, fallback, null);
            }
            string? Text(string name) => root.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            var code = ProblemTypes.CodeOf(Text("type"));
            var detail = Text("detail") ?? Text("title") ?? fallback;
            long? last = root.TryGetProperty("lastGatewayTimeMs", out var l) && l.ValueKind == JsonValueKind.Number && l.TryGetInt64(out var ms) ? ms : null;
            return (code, detail, last);
        }
        catch (JsonException)
        {
            return (null, fallback, null);
        }
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, Math.Min(read, MaxErrorBodyBytes - (int)buffer.Length));
            if (buffer.Length >= MaxErrorBodyBytes)
            {
                break;
            }
        }
        return buffer.ToArray();
    }

    private static string Describe(Exception e) => e switch
    {
        TaskCanceledException => "the request timed out",
        HttpRequestException { InnerException: { } inner } h => $"{h.Message} ({inner.Message})",
        _ => e.Message,
    };
}
