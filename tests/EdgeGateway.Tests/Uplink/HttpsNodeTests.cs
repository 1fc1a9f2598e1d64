using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeGateway.Tests.Support;
using EdgeGateway.Uplink;
using Firmware.Contracts.Notes;
using Firmware.Contracts.Uplink;

namespace EdgeGateway.Tests.Uplink;

/// <summary>
/// A node behind HTTPS with a certificate from a private CA (what a consortium usually runs): the
/// gateway trusts it only through <c>node.caCertificateFile</c>, and only for the node's own name.
/// </summary>
public sealed class HttpsNodeTests : IAsyncLifetime, IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private X509Certificate2 _ca = null!;
    private string _caFile = null!;

    public Task InitializeAsync()
    {
        var request = new CertificateRequest("CN=EdgeTrace test consortium CA", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        _caFile = _temp.File("consortium-ca.pem");
        File.WriteAllText(_caFile, _ca.ExportCertificatePem());
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _ca.Dispose();
        _caKey.Dispose();
        _temp.Dispose();
    }

    // A server certificate issued by the test CA, for 127.0.0.1 or for another name.
    private X509Certificate2 ServerCertificate(bool forLoopback)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(forLoopback ? "CN=127.0.0.1" : "CN=node.example", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        if (forLoopback)
        {
            names.AddIpAddress(IPAddress.Loopback);
        }
        else
        {
            names.AddDnsName("node.example");
        }
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = request.Create(_ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(key);
        // Kestrel wants a certificate whose key it can use for the whole server lifetime.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    [Fact]
    public async Task Upload_NodeCertificateFromThePrivateCa_IsTrustedThroughTheCaFile()
    {
        using var folder = await GatewayFolder.CreateAsync("gw-tls");
        using var signer = folder.LoadSigner();
        UplinkHarness.Fill(folder, signer, 300, sealEvery: 100);
        using var certificate = ServerCertificate(forLoopback: true);
        await using var node = await TestAnchorNode.StartAsync(certificate);
        using var key = folder.VerifierKey();
        node.Enrol("gw-tls", key);

        using var client = HttpAnchorClient.Create(node.Url, TimeSpan.FromSeconds(30), _caFile);
        var status = await client.GetStatusAsync("gw-tls", CancellationToken.None);
        Assert.Null(status.Problem);
        Assert.True(status.Value!.Enrolled);

        await using (UplinkHarness.Start(folder, node.Url, UplinkHarness.QuickRetries, _caFile))
        {
            await WriterHarness.WaitUntilAsync(() => node.CommittedSize("gw-tls") == 300, "the upload over HTTPS");
        }
        Assert.StartsWith("https://", node.Url.AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_PrivateCaNotConfigured_IsRefusedAsANetworkFailure()
    {
        using var certificate = ServerCertificate(forLoopback: true);
        await using var node = await TestAnchorNode.StartAsync(certificate);
        using var client = HttpAnchorClient.Create(node.Url, TimeSpan.FromSeconds(30), caCertificateFile: null);
        var status = await client.GetStatusAsync("gw-tls", CancellationToken.None);
        Assert.Equal(UplinkFailureKind.Network, status.Problem!.Kind);
        Assert.Empty(node.Requests);
    }

    [Fact]
    public async Task Status_CertificateFromTheCaForAnotherName_IsRefused()
    {
        using var certificate = ServerCertificate(forLoopback: false);
        await using var node = await TestAnchorNode.StartAsync(certificate);
        using var client = HttpAnchorClient.Create(node.Url, TimeSpan.FromSeconds(30), _caFile);
        var status = await client.GetStatusAsync("gw-tls", CancellationToken.None);
        Assert.Equal(UplinkFailureKind.Network, status.Problem!.Kind);
        Assert.Empty(node.Requests);
    }
}
