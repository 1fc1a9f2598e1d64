using AnchorNode.Runtime;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using AnchorNode.Configuration;
using AnchorNode.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AnchorNode.Tests.Hosting;

/// <summary>HTTPS comes from Kestrel configuration in the data folder, as docs/anchor-node.md describes.</summary>
public sealed class HttpsTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "edgetrace-https-tests", Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task KestrelEndpointInAppsettings_ServesTheApiOverTls()
    {
        var folder = new DataFolder(Path.Combine(_root, "node"));
        folder.Initialise(new NodeConfig { Consortium = "tls", Member = "solo" }).Dispose();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "node.crt"), certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "node.key"), key.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(Path.Combine(folder.Path, "appsettings.json"), $$"""
            {
              "Kestrel": {
                "Endpoints": {
                  "Https": {
                    "Url": "https://127.0.0.1:0",
                    "Certificate": { "Path": "{{Path.Combine(folder.Path, "node.crt")}}", "KeyPath": "{{Path.Combine(folder.Path, "node.key")}}" }
                  }
                }
              }
            }
            """);

        await using var node = NodeRuntime.Open(folder, NullLoggerFactory.Instance);
        Assert.True((await node.Founding.CreateGenesisAsync(1, CancellationToken.None)).Succeeded);
        var app = NodeHost.Build(node, [], builder => builder.Logging.ClearProviders());
        await app.StartAsync();
        try
        {
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
            Assert.StartsWith("https://127.0.0.1:", address, StringComparison.Ordinal);
            using var handler = new HttpClientHandler
            {
                // Trust exactly the node's certificate, nothing else.
                ServerCertificateCustomValidationCallback = (_, presented, _, _) => presented is not null && presented.Thumbprint == certificate.Thumbprint,
            };
            using var client = new HttpClient(handler) { BaseAddress = new Uri(address) };
            var members = await client.GetStringAsync("v1/members");
            Assert.Contains("\"consortium\":\"tls\"", members, StringComparison.Ordinal);
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
