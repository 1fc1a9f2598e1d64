using System.Text;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Tests.Spec;

namespace Firmware.Contracts.Tests.Evidence;

/// <summary>
/// The JSON form of an evidence bundle (docs/spec-ledger.md §7): every spelling the text refuses is
/// refused with <c>bundle-format</c>, never thrown, starting from the published device bundle.
/// </summary>
public sealed class BundleJsonFormTests
{
    private static readonly string DeviceBundle = File.ReadAllText(Path.Combine(SpecPaths.Vectors, "ledger-example-bundle.json"));

    private static EvidencePolicy Keys() =>
        new([TestKeys.Verifier("warehouse", TestKeys.AlphaSpki), TestKeys.Verifier("bank", TestKeys.BetaSpki)]);

    private static string Mutate(string from, string to)
    {
        Assert.Contains(from, DeviceBundle, StringComparison.Ordinal);
        var at = DeviceBundle.IndexOf(from, StringComparison.Ordinal);
        return string.Concat(DeviceBundle.AsSpan(0, at), to, DeviceBundle.AsSpan(at + from.Length));
    }

    [Fact]
    public void ThePublishedBundle_Verifies() =>
        Assert.True(EvidenceVerifier.Verify(Encoding.UTF8.GetBytes(DeviceBundle), Keys()).Succeeded);

    [Theory]
    [InlineData("\"format\"", "\"\\ud800format\"")]                         // a lone high surrogate in a member name
    [InlineData("\"format\":\"edgetrace", "\"format\":\"\\udc00edgetrace")]  // a lone low surrogate in a string
    [InlineData("\"origin\":\"edgetrace", "\"origin\":\"\\ud83dedgetrace")]   // a high surrogate not followed by a low one
    [InlineData("\"index\":1,", "\"index\":1.0,")]                          // an integer with a fraction
    [InlineData("\"index\":1,", "\"index\":1e0,")]                          // an integer with an exponent
    [InlineData("\"index\":1,", "\"index\":\"1\",")]                        // an integer as a string
    [InlineData("\"first\":0,", "\"first\":-0,")]                           // a sign
    [InlineData("\"index\":1,", "\"index\":-1,")]                           // a negative index
    [InlineData("\"enrolment\":1,", "\"enrolment\":-1,")]                   // a negative index
    [InlineData("\"index\":1,", "\"index\":9223372036854775808,")]          // above 2^63 - 1
    [InlineData("\"format\":", "\"Format\":")]                              // another letter case
    [InlineData("\"origin\":", "\"Origin\":")]                              // another letter case, nested
    [InlineData("\"origin\":", "\"extra\":1,\"origin\":")]                  // an unknown member, nested
    [InlineData("\"index\":1,", "\"index\":1,\"extra\":1,")]                // an unknown member in an entry
    [InlineData("\"format\":", "\"format\":\"edgetrace-evidence/v2\",\"format\":")] // a duplicate member
    [InlineData("\"index\":1,", "\"index\":1,\"index\":1,")]                // a duplicate member, nested
    public void Parse_RefusedSpelling_IsBundleFormat(string from, string to)
    {
        var json = Encoding.UTF8.GetBytes(Mutate(from, to));
        var result = EvidenceVerifier.Verify(json, Keys());
        Assert.False(result.Succeeded);
        Assert.Equal("bundle-format", result.Failure!.Code);
    }

    [Fact]
    public void Verify_LeafInNonCanonicalBase64_IsBundleFormat()
    {
        // .NET's Convert.FromBase64String skips white space: the same bytes, another spelling.
        var bundle = EvidenceBundle.Parse(Encoding.UTF8.GetBytes(DeviceBundle)).Value;
        var leaf = bundle.Devices[0].Leaves[0];
        var json = Mutate(leaf, string.Concat(leaf.AsSpan(0, 4), " ", leaf.AsSpan(4)));
        var result = EvidenceVerifier.Verify(Encoding.UTF8.GetBytes(json), Keys());
        Assert.False(result.Succeeded);
        Assert.Equal("bundle-format", result.Failure!.Code);
    }
}
