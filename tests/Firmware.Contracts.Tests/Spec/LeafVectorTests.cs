using System.Globalization;
using System.Text;
using Firmware.Contracts.Readings;

namespace Firmware.Contracts.Tests.Spec;

/// <summary>
/// docs/vectors/leaves-accept.txt and leaves-refuse.txt, the cases docs/spec.md §2 decides, held
/// against the reference reader line by line, so that the text, the vectors and the code agree.
/// </summary>
public class LeafVectorTests
{
    private const string Separator = " | ";

    public static TheoryData<int, string, string, string> Accepted() => Cases("leaves-accept.txt", 3);

    public static TheoryData<int, string, string, string> Refused() => Cases("leaves-refuse.txt", 2);

    [Theory]
    [MemberData(nameof(Accepted))]
    public void AcceptVector_IsAccepted_WithTheExpectedTimeAndValue(int line, string why, string expect, string leaf)
    {
        var bytes = Bytes(leaf);
        var parsed = ReadingLeaf.Parse(bytes);
        Assert.True(parsed.Succeeded, $"leaves-accept.txt line {line} ({why}): {parsed.Failure}");
        Assert.Equal(bytes, parsed.Value.Bytes.ToArray());
        var expected = expect.Split(' ').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(long.Parse(expected["ms"], CultureInfo.InvariantCulture), parsed.Value.Content.TimeMs);
        if (expected.TryGetValue("v", out var v))
        {
            Assert.Equal(double.Parse(v, CultureInfo.InvariantCulture), parsed.Value.Content.Value);
        }
        else
        {
            Assert.Null(parsed.Value.Content.Value);
        }
        Assert.All(expected.Keys, k => Assert.Contains(k, new[] { "ms", "v" }));
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public void RefuseVector_IsRefused(int line, string why, string expect, string leaf)
    {
        Assert.Equal("", expect);
        var parsed = ReadingLeaf.Parse(Bytes(leaf));
        Assert.False(parsed.Succeeded, $"leaves-refuse.txt line {line} ({why}) was accepted");
    }

    [Fact]
    public void VectorFiles_CoverTheCasesTheSpecNames()
    {
        var refused = string.Join('\n', Cases("leaves-refuse.txt", 2).Select(c => (string)c[1]));
        var accepted = string.Join('\n', Cases("leaves-accept.txt", 3).Select(c => (string)c[1]));
        foreach (var topic in new[] { "white space before", "white space after", "ver 1.0", "seq -0", "t with four decimals", "t without decimals", "DEL", "C1", "lower-case escape", "fault of a quantity" })
        {
            Assert.Contains(topic, refused, StringComparison.Ordinal);
        }
        foreach (var topic in new[] { "spaces between tokens", "v = 1.0", "v = 1e3", "v = -0", "raw:", "2048 bytes" })
        {
            Assert.Contains(topic, accepted, StringComparison.Ordinal);
        }
    }

    // Each case as (line number, WHY, EXPECT or "", LEAF).
    private static TheoryData<int, string, string, string> Cases(string file, int columns)
    {
        var data = new TheoryData<int, string, string, string>();
        var lines = File.ReadAllText(Path.Combine(SpecVectorTests.VectorsDirectory, file)).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var text = lines[i];
            if (text.Length == 0 || text.StartsWith('#'))
            {
                continue;
            }
            var why = text[..text.IndexOf(Separator, StringComparison.Ordinal)];
            var rest = text[(why.Length + Separator.Length)..];
            var expect = "";
            if (columns == 3)
            {
                expect = rest[..rest.IndexOf(Separator, StringComparison.Ordinal)];
                rest = rest[(expect.Length + Separator.Length)..];
            }
            data.Add(i + 1, why, expect, rest);
        }
        Assert.True(data.Count > 10, $"{file} holds only {data.Count} cases");
        return data;
    }

    private static byte[] Bytes(string leaf) =>
        leaf.StartsWith("hex:", StringComparison.Ordinal) ? Convert.FromHexString(leaf[4..]) : Encoding.UTF8.GetBytes(leaf);
}
