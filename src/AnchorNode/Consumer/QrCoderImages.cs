using QRCoder;

namespace AnchorNode.Consumer;

/// <summary>
/// QR codes of Digital Link URIs, drawn by QRCoder: SVG for print and screens, PNG for anything
/// else. Error correction level M (15 %) survives the scuffs of a carton label while keeping a
/// typical Digital Link URI at QR version 4-6, large modules at label size. The 4-module quiet
/// zone the QR standard requires is part of the image.
/// </summary>
public static class QrCoderImages
{
    /// <summary>The largest PNG module size served.</summary>
    public const int MaxPixelsPerModule = 40;

    /// <summary>A standalone SVG document (scalable; black on white).</summary>
    public static string Svg(string content)
    {
        using var data = Encode(content);
        return new SvgQRCode(data).GetGraphic(1, "#000000", "#ffffff", true, SvgQRCode.SizingMode.ViewBoxAttribute);
    }

    /// <summary>A PNG with <paramref name="pixelsPerModule"/> pixels per module.</summary>
    public static byte[] Png(string content, int pixelsPerModule)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pixelsPerModule, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pixelsPerModule, MaxPixelsPerModule);
        using var data = Encode(content);
        return new PngByteQRCode(data).GetGraphic(pixelsPerModule);
    }

    /// <summary>
    /// The code as an SVG <c>&lt;symbol&gt;</c> with <paramref name="id"/>, for pages that show the
    /// same code many times (<c>&lt;use href="#id"/&gt;</c>) without repeating its drawing.
    /// </summary>
    public static string SvgSymbol(string content, string id)
    {
        var svg = Svg(content);
        // QRCoder writes <svg … viewBox="…" …>drawing</svg>; the drawing moves into the symbol.
        var open = svg.IndexOf('>', StringComparison.Ordinal);
        var close = svg.LastIndexOf("</svg>", StringComparison.Ordinal);
        var viewBoxAt = svg.IndexOf("viewBox=\"", StringComparison.Ordinal);
        if (open < 0 || close < open || viewBoxAt < 0 || viewBoxAt > open)
        {
            throw new InvalidOperationException("QRCoder's SVG output no longer has the expected <svg viewBox=…>…</svg> shape");
        }
        var viewBoxEnd = svg.IndexOf('"', viewBoxAt + 9);
        var viewBox = svg[(viewBoxAt + 9)..viewBoxEnd];
        return $"<symbol id=\"{id}\" viewBox=\"{viewBox}\" shape-rendering=\"crispEdges\">{svg[(open + 1)..close]}</symbol>";
    }

    private static QRCodeData Encode(string content)
    {
        ArgumentException.ThrowIfNullOrEmpty(content);
        using var generator = new QRCodeGenerator();
        return generator.CreateQrCode(content, QRCodeGenerator.ECCLevel.M);
    }
}
