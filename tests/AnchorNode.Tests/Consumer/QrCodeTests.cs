using System.Diagnostics;
using System.Net;
using System.Xml.Linq;
using AnchorNode.Consumer;
using AnchorNode.Tests.Infrastructure;

namespace AnchorNode.Tests.Consumer;

/// <summary>QR codes decoded by a real decoder (zbarimg from Debian's zbar-tools) and label sheets.</summary>
public sealed class QrCodeTests(ConsumerSite site) : IClassFixture<ConsumerSite>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgetrace-qr-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("/qr/01/09521234543213/10/L2026-11.png", "https://trace.example.com/t/01/09521234543213/10/L2026-11")]
    [InlineData("/qr/01/09521234543213/10/L2026%2F12.png", "https://trace.example.com/t/01/09521234543213/10/L2026%2F12")]
    [InlineData("/qr/01/9521234543213/10/L2026-11/21/SN%2B0001.png?px=4", "https://trace.example.com/t/01/09521234543213/10/L2026-11/21/SN%2B0001")]
    public async Task PngQrCode_DecodedByZbarimg_IsTheExactDigitalLink(string path, string expected)
    {
        using var client = site.Node.Anonymous();
        using var response = await client.GetAsync(site.Url(path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        var file = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".png");
        await File.WriteAllBytesAsync(file, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(expected, await ZbarimgAsync(file));
    }

    [Fact]
    public async Task DefaultBaseUrl_IsTheListeningAddress()
    {
        await using var node = new TestNode();
        await node.InitializeAsync();
        using var client = node.Anonymous();
        var file = Path.Combine(_dir, "default.png");
        await File.WriteAllBytesAsync(file, await client.GetByteArrayAsync("qr/01/09521234543213/10/L1.png"));
        Assert.Equal(node.BaseAddress.GetLeftPart(UriPartial.Authority) + "/01/09521234543213/10/L1", await ZbarimgAsync(file));
    }

    [Fact]
    public async Task SvgQrCode_IsAStandaloneSvgWithoutScript_AndDecodes()
    {
        using var client = site.Node.Anonymous();
        using var response = await client.GetAsync(site.Url("/qr/01/09521234543213/10/L2026-11.svg"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
        var svg = await response.Content.ReadAsStringAsync();
        var root = XDocument.Parse(svg).Root!;
        Assert.Equal("svg", root.Name.LocalName);
        Assert.DoesNotContain(root.Descendants(), e => e.Name.LocalName is "script" or "image" or "foreignObject");
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        // Rasterise the same code through the PNG route at a size zbar reads, and compare the payloads:
        // both routes must encode the same URI.
        var png = Path.Combine(_dir, "svg-twin.png");
        await File.WriteAllBytesAsync(png, await client.GetByteArrayAsync(site.Url("/qr/01/09521234543213/10/L2026-11.png")));
        Assert.Equal("https://trace.example.com/t/01/09521234543213/10/L2026-11", await ZbarimgAsync(png));
        Assert.Equal(QrCoderImages.Svg("https://trace.example.com/t/01/09521234543213/10/L2026-11"), svg);
    }

    [Theory]
    [InlineData("/qr/01/09521234543214/10/L1.png", HttpStatusCode.BadRequest)]
    [InlineData("/qr/01/09521234543213/10/L1.gif", HttpStatusCode.BadRequest)]
    [InlineData("/qr/01/09521234543213/10/L1", HttpStatusCode.BadRequest)]
    [InlineData("/qr/01/0952123454321/10/L1.svg", HttpStatusCode.BadRequest)]
    public async Task QrCode_OfAMalformedCode_IsRefused(string path, HttpStatusCode expected)
    {
        using var client = site.Node.Anonymous();
        using var response = await client.GetAsync(site.Url(path));
        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task LabelSheet_HasTheLabelsWithNameLotGtinUrlAndOneQrSymbol()
    {
        using var client = site.Node.Anonymous();
        using var response = await client.GetAsync(site.Url("/labels/01/09521234543213/10/L2026%2F12?count=30"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("@page{size:A4;margin:0}", html, StringComparison.Ordinal);
        Assert.Equal(30, Count(html, "<div class=\"label\">"));
        Assert.Equal(2, Count(html, "<div class=\"sheet\">"));
        Assert.Equal(1, Count(html, "<symbol id=\"qr\""));
        Assert.Equal(30, Count(html, "<use href=\"#qr\""));
        Assert.Contains("Fresh whole milk 1 L", html, StringComparison.Ordinal);
        Assert.Contains("<b>L2026/12</b>", html, StringComparison.Ordinal);
        Assert.Contains("GTIN 09521234543213", html, StringComparison.Ordinal);
        Assert.Contains("https://trace.example.com/t/01/09521234543213/10/L2026%2F12", html, StringComparison.Ordinal);

        using var unknown = await client.GetAsync(site.Url("/labels/01/09521234543213/10/NOPE"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private static int Count(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;

    /// <summary>Decodes with <c>zbarimg --raw -q</c>; returns the payload without the trailing newline.</summary>
    internal static async Task<string> ZbarimgAsync(string file)
    {
        var info = new ProcessStartInfo("zbarimg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--raw", "-q", file })
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("zbarimg did not start; ./test.sh installs zbar-tools");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"zbarimg exited {process.ExitCode}: {await error}");
        return (await output).TrimEnd('\n');
    }
}
