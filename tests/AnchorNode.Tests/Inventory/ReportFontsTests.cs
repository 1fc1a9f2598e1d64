using System.Buffers.Binary;
using AnchorNode.Inventory;

namespace AnchorNode.Tests.Inventory;

/// <summary>The CJK font the Chinese PDF embeds: Debian's WenQuanYi collection, cut down to its first face.</summary>
public sealed class ReportFontsTests
{
    [Fact]
    public void FirstFace_OfTheInstalledCollection_IsATrueTypeFontWithTheFirstFacesTables()
    {
        var file = ReportFonts.CjkFile;
        Assert.True(file is not null, $"no CJK font: install {ReportFonts.CjkPackage}");
        var collection = File.ReadAllBytes(file);
        Assert.Equal("ttcf"u8.ToArray(), collection[..4]);
        var face = (int)BinaryPrimitives.ReadUInt32BigEndian(collection.AsSpan(12));

        var font = ReportFonts.FirstFace(collection);

        Assert.Equal(0x00010000u, BinaryPrimitives.ReadUInt32BigEndian(font));
        var count = BinaryPrimitives.ReadUInt16BigEndian(font.AsSpan(4));
        Assert.Equal(BinaryPrimitives.ReadUInt16BigEndian(collection.AsSpan(face + 4)), count);
        Assert.Contains(Enumerable.Range(0, count), i => font.AsSpan(12 + 16 * i, 4).SequenceEqual("glyf"u8));
        for (var i = 0; i < count; i++)
        {
            var record = 12 + 16 * i;
            var original = face + 12 + 16 * i;
            Assert.True(font.AsSpan(record, 8).SequenceEqual(collection.AsSpan(original, 8)), "tag and checksum kept");
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(font.AsSpan(record + 12));
            var at = (int)BinaryPrimitives.ReadUInt32BigEndian(font.AsSpan(record + 8));
            var from = (int)BinaryPrimitives.ReadUInt32BigEndian(collection.AsSpan(original + 8));
            Assert.Equal(0, at % 4);
            Assert.True(font.AsSpan(at, length).SequenceEqual(collection.AsSpan(from, length)), $"table {i} copied whole");
        }
    }

    [Fact]
    public void FirstFace_OfAPlainFont_IsTheFontItself()
    {
        var font = new byte[] { 0, 1, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
        Assert.Same(font, ReportFonts.FirstFace(font));
    }
}
