using System.Diagnostics;

namespace EdgeGateway.Tests.Mqtt;

/// <summary>
/// A throw-away PKI made with the openssl command line at test time: a CA, a broker certificate for
/// 127.0.0.1 and localhost, a client certificate, and an unrelated second CA. P-256 keys, valid two days.
/// </summary>
internal sealed class TestPki : IDisposable
{
    private TestPki(string directory) => Directory = directory;

    public string Directory { get; }

    public string CaCert => File("ca.crt");

    public string ServerCert => File("server.crt");

    public string ServerKey => File("server.key");

    public string ClientCert => File("client.crt");

    public string ClientKey => File("client.key");

    /// <summary>A CA that signed nothing here: trusting only it must fail verification.</summary>
    public string OtherCaCert => File("other-ca.crt");

    /// <summary>A broker certificate signed by the CA but naming only <c>broker.invalid</c>.</summary>
    public string MisnamedServerCert => File("misnamed.crt");

    public string MisnamedServerKey => File("misnamed.key");

    public static async Task<TestPki> CreateAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "edgetrace-pki-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var pki = new TestPki(directory);
        try
        {
            await pki.CaAsync("ca", "EdgeTrace Test CA");
            await pki.CaAsync("other-ca", "Unrelated Test CA");
            await pki.LeafAsync("server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth");
            await pki.LeafAsync("misnamed", "broker.invalid", "subjectAltName=DNS:broker.invalid\nextendedKeyUsage=serverAuth");
            await pki.LeafAsync("client", "gateway-test", "extendedKeyUsage=clientAuth");
            return pki;
        }
        catch
        {
            pki.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string File(string name) => Path.Combine(Directory, name);

    private Task CaAsync(string name, string commonName) => OpenSslAsync(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", File(name + ".key"), "-out", File(name + ".crt"), "-days", "2", "-subj", "/CN=" + commonName,
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");

    private async Task LeafAsync(string name, string commonName, string extensions)
    {
        await OpenSslAsync(
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", File(name + ".key"), "-out", File(name + ".csr"), "-subj", "/CN=" + commonName);
        await System.IO.File.WriteAllTextAsync(File(name + ".ext"), "basicConstraints=CA:FALSE\n" + extensions + "\n");
        await OpenSslAsync(
            "x509", "-req", "-in", File(name + ".csr"), "-CA", CaCert, "-CAkey", File("ca.key"), "-CAcreateserial",
            "-out", File(name + ".crt"), "-days", "2", "-extfile", File(name + ".ext"));
    }

    private static async Task OpenSslAsync(params string[] arguments)
    {
        var psi = new ProcessStartInfo("openssl") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments) psi.ArgumentList.Add(argument);
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await output;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}");
        }
    }
}
