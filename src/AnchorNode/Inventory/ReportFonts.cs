using System.Buffers.Binary;
using PdfSharp.Fonts;

namespace AnchorNode.Inventory;

/// <summary>A report language needs a font this system does not have; the message names the Debian package.</summary>
public sealed class ReportFontMissingException : Exception
{
    /// <summary>An exception with <paramref name="message"/>.</summary>
    public ReportFontMissingException(string message) : base(message)
    {
    }

    /// <summary>An exception without a message.</summary>
    public ReportFontMissingException()
    {
    }

    /// <summary>An exception with <paramref name="message"/> and its cause.</summary>
    public ReportFontMissingException(string message, Exception inner) : base(message, inner)
    {
    }
}

/// <summary>
/// The PDF report's fonts, from the system's font folders, which PDFsharp embeds: DejaVu (Debian:
/// fonts-dejavu-core) for English, and for Chinese a TrueType font with CJK glyphs (Debian:
/// fonts-wqy-zenhei; fonts-wqy-microhei or fonts-droid-fallback also do). Debian ships the WenQuanYi
/// fonts as TrueType collections, which PDFsharp does not read: the first face is taken out of the
/// collection as a font of its own.
/// </summary>
public sealed class ReportFonts : IFontResolver
{
    /// <summary>The family name the PDF writer asks for Chinese text (it has Latin letters and digits too).</summary>
    public const string CjkFamily = "EdgeTrace CJK";

    /// <summary>The Debian package the node names when no CJK font is found.</summary>
    public const string CjkPackage = "fonts-wqy-zenhei";

    private const string CjkFace = "cjk";

    private static readonly string[] DejaVuFolders = ["/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts"];

    private static readonly string[] CjkFiles =
    [
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    ];

    /// <summary>The CJK font file this system has, or null.</summary>
    public static string? CjkFile => CjkFiles.FirstOrDefault(File.Exists);

    /// <summary>Throws, naming the package to install, when there is no CJK font.</summary>
    /// <exception cref="ReportFontMissingException">When none of the known CJK fonts is installed.</exception>
    public static void RequireCjk()
    {
        if (CjkFile is null)
        {
            throw new ReportFontMissingException(
                $"a Chinese PDF report needs a font with CJK glyphs and none was found (looked for {string.Join(", ", CjkFiles)}): install Debian's {CjkPackage} (apt-get install {CjkPackage})");
        }
    }

    /// <inheritdoc/>
    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        familyName == CjkFamily ? new FontResolverInfo(CjkFace, mustSimulateBold: bold, mustSimulateItalic: false)
        : new(familyName.Contains("Mono", StringComparison.Ordinal) ? "DejaVuSansMono" : bold ? "DejaVuSans-Bold" : "DejaVuSans");

    /// <inheritdoc/>
    public byte[]? GetFont(string faceName)
    {
        if (faceName == CjkFace)
        {
            RequireCjk();
            return FirstFace(File.ReadAllBytes(CjkFile!));
        }
        return DejaVuFolders.Select(f => Path.Combine(f, faceName + ".ttf")).FirstOrDefault(File.Exists) is { } file
            ? File.ReadAllBytes(file)
            : throw new ReportFontMissingException($"font {faceName}.ttf not found in {string.Join(", ", DejaVuFolders)} (install fonts-dejavu-core)");
    }

    /// <summary>
    /// The first font of a TrueType collection ('ttcf') as a font file of its own: its table directory,
    /// with each table's offset moved to where the table now lies (OpenType spec, "Font Collections").
    /// A font that is not a collection is returned as it is.
    /// </summary>
    public static byte[] FirstFace(byte[] font)
    {
        ArgumentNullException.ThrowIfNull(font);
        if (font.Length < 16 || !font.AsSpan(0, 4).SequenceEqual("ttcf"u8))
        {
            return font;
        }
        var face = checked((int)BinaryPrimitives.ReadUInt32BigEndian(font.AsSpan(12)));
        var count = BinaryPrimitives.ReadUInt16BigEndian(font.AsSpan(face + 4));
        var directory = 12 + 16 * count;
        var tables = Enumerable.Range(0, count).Select(i => face + 12 + 16 * i)
            .Select(r => (Record: r, Offset: checked((int)BinaryPrimitives.ReadUInt32BigEndian(font.AsSpan(r + 8))), Length: checked((int)BinaryPrimitives.ReadUInt32BigEndian(font.AsSpan(r + 12)))))
            .ToList();
        var output = new byte[directory + tables.Sum(t => (t.Length + 3) & ~3)];
        font.AsSpan(face, directory).CopyTo(output);
        var at = directory;
        for (var i = 0; i < tables.Count; i++)
        {
            var (_, offset, length) = tables[i];
            BinaryPrimitives.WriteUInt32BigEndian(output.AsSpan(12 + 16 * i + 8), (uint)at);
            font.AsSpan(offset, length).CopyTo(output.AsSpan(at));
            at += (length + 3) & ~3;
        }
        return output;
    }
}
