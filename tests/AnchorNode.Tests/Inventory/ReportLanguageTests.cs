using System.Net;
using System.Net.Http.Json;
using AnchorNode.Endpoints;
using AnchorNode.Inventory;
using AnchorNode.Tests.Infrastructure;

namespace AnchorNode.Tests.Inventory;

/// <summary>
/// The condition report in Chinese as a credit officer reads it, on the page (?lang=zh or
/// Accept-Language) and in the PDF (?lang=zh, and 'lot report-pdf --lang zh'), checked through
/// poppler's pdftotext and pdffonts: the verdict, the covenant in words, grouped numbers with the
/// currency, the parties named once, and a CJK font embedded.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class ReportLanguageTests(WarehouseScenario scenario) : IClassFixture<WarehouseScenario>
{
    private const string Covenant = "已违反：温度高于 8 °C，连续超过 30 分钟";

    [Fact]
    public async Task ReportPage_InChinese_ByAcceptLanguageOrLang_SaysTheVerdictCovenantAndAmount()
    {
        var url = await LinkAsync();
        using var anonymous = scenario.Node.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.AcceptLanguage.ParseAdd("zh-CN,zh;q=0.9,en;q=0.5");
        using var response = await anonymous.SendAsync(request);
        // As a browser shows it (the page writes ° as &#176;).
        var page = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.True(response.StatusCode == HttpStatusCode.OK, page);
        Assert.Equal("zh-CN", response.Content.Headers.ContentLanguage.Single());

        Assert.Contains("<html lang=\"zh-CN\">", page, StringComparison.Ordinal);
        Assert.Contains($"货物状况报告 <span class=\"receipt\">{WarehouseScenario.Chilled}</span>", page, StringComparison.Ordinal);
        Assert.Contains(">违反约定条款</p>", page, StringComparison.Ordinal);
        Assert.Contains("<b>已违反</b> 温度高于 8 °C，连续超过 30 分钟", page, StringComparison.Ordinal);
        Assert.Contains("人民币 1,234,567.89 元", page, StringComparison.Ordinal);
        Assert.Contains("<th>存货人兼所有人</th><td>acme-foods</td>", page, StringComparison.Ordinal);
        Assert.Contains("最高读数", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Covenant breached", page, StringComparison.Ordinal);

        // ?lang= wins over the browser's languages.
        using var english = new HttpRequestMessage(HttpMethod.Get, url + "&lang=en");
        english.Headers.AcceptLanguage.ParseAdd("zh-CN");
        using var englishResponse = await anonymous.SendAsync(english);
        var englishPage = await englishResponse.Content.ReadAsStringAsync();
        Assert.Contains(">Covenant breached</p>", englishPage, StringComparison.Ordinal);
        Assert.Contains("CNY 1,234,567.89", englishPage, StringComparison.Ordinal);
        Assert.DoesNotContain("违反约定条款", englishPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportPage_UnknownLanguage_IsRefused()
    {
        using var anonymous = scenario.Node.Anonymous();
        using var response = await anonymous.GetAsync(await LinkAsync() + "&lang=fr");
        var problem = await Problem.ReadAsync(response);
        Assert.Equal((HttpStatusCode.BadRequest, RequestProblemTypes.InvalidField), (problem.Status, problem.Code));
        Assert.Equal("lang", problem.Body.GetProperty("field").GetString());
    }

    [Fact]
    public async Task ReportPdf_InChinese_HasTheVerdictCovenantAndAmount_InAnEmbeddedCjkFont()
    {
        using var anonymous = scenario.Node.Anonymous();
        using var response = await anonymous.GetAsync((await LinkAsync()).Replace("/report.html", "/report.pdf", StringComparison.Ordinal) + "&lang=zh");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        var folder = Directory.CreateTempSubdirectory("edgetrace-pdf-zh-").FullName;
        var pdf = Path.Combine(folder, "report.pdf");
        await File.WriteAllBytesAsync(pdf, await response.Content.ReadAsByteArrayAsync());

        var words = await TextAsync(pdf);
        Assert.Contains($"货物状况报告 {WarehouseScenario.Chilled}", words, StringComparison.Ordinal);
        Assert.Contains("违反约定条款", words, StringComparison.Ordinal);
        Assert.Contains(Covenant, words, StringComparison.Ordinal);
        Assert.Contains("人民币 1,234,567.89 元", words, StringComparison.Ordinal);
        Assert.Contains("存货人兼所有人：acme-foods；数量 ", words, StringComparison.Ordinal);
        Assert.Contains("结论截至 ", words, StringComparison.Ordinal);
        Assert.Contains("签名（各签名的含义）", words, StringComparison.Ordinal);
        Assert.Contains("质权人按上述条款和约定条款接受货物质押", words, StringComparison.Ordinal);

        var fonts = await Programs.Tool("pdffonts", pdf);
        Assert.Equal(0, fonts.ExitCode);
        Assert.Matches(@"(?m)^\S*WenQuanYi\S*\s.*\byes\s+yes\b", fonts.Output);
        var png = await Programs.Tool("pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", pdf, Path.Combine(folder, "page"));
        Assert.Equal(0, png.ExitCode);
        Assert.True(new FileInfo(Path.Combine(folder, "page-1.png")).Length > 10_000, "page 1 renders to a PNG with something on it");
        Directory.Delete(folder, recursive: true);
    }

    [Fact]
    public async Task ReportPdfCommand_WithLangZh_WritesTheChineseReport_AndRefusesAnotherLanguage()
    {
        var pdf = Path.Combine(scenario.Node.Root, "report-zh.pdf");
        var run = await Programs.RunAsync(Programs.AnchorNode, "lot", "report-pdf", "--data", scenario.Node.Folder.Path, "--receipt", WarehouseScenario.Chilled, "--out", pdf, "--lang", "zh");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("verdict: 违反约定条款", run.Output, StringComparison.Ordinal);
        var words = await TextAsync(pdf);
        Assert.Contains(Covenant, words, StringComparison.Ordinal);
        Assert.Contains("人民币 1,234,567.89 元", words, StringComparison.Ordinal);

        var refused = await Programs.RunAsync(Programs.AnchorNode, "lot", "report-pdf", "--data", scenario.Node.Folder.Path, "--receipt", WarehouseScenario.Chilled, "--out", pdf, "--lang", "fr");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--lang fr: en or zh", refused.Error, StringComparison.Ordinal);
    }

    private async Task<string> LinkAsync()
    {
        using var link = await scenario.Lots.Lender.PostAsync($"v1/lots/{WarehouseScenario.Chilled}/report-links?hours=1", null);
        return (await link.Content.ReadFromJsonAsync(InventoryJsonContext.Default.ReportLinkView))!.Url;
    }

    // pdftotext's words, one space between them.
    private static async Task<string> TextAsync(string pdf)
    {
        var text = await Programs.Tool("pdftotext", "-layout", pdf, "-");
        Assert.Equal(0, text.ExitCode);
        return string.Join(' ', text.Output.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
    }
}
