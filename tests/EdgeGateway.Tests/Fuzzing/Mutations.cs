using System.Text;
using CsCheck;

namespace EdgeGateway.Tests.Fuzzing;

/// <summary>
/// Inputs for the parser properties: random bytes and text, and valid samples mutated the way a
/// fuzzer does (spans deleted, duplicated, replaced by random bytes or by tokens that parsers tend
/// to mishandle: huge and negative numbers, NaN, nesting, control characters, quotes).
/// </summary>
internal static class Mutations
{
    /// <summary>Iterations of each property in the default run: together well under a minute.</summary>
    public const int DefaultIterations = 10_000;

    /// <summary>Seconds each property runs in the soak (<c>./test.sh --soak</c>).</summary>
    public const int SoakSeconds = 60;

    private static readonly string[] Tokens =
    [
        "null", "true", "false", "0", "-0", "-1", "1e309", "-1e309", "NaN", "Infinity", "1.7976931348623157e308",
        "9223372036854775808", "-9223372036854775809", "99999999999999999999999999999", "0.0000001", "\"\"",
        "\"\\u0000\"", "\"\\ud800\"", "\"\u202e\"", "{}", "[]", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        "{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":{\"a\":1}}}}}}}}}}}}}}}}}",
        "\"", "{", "}", "[", "]", ",", ":", "//", "/*", "\n", "\r\n", "\t", "\0", "\u00ff", "\\", "+", "#", "/",
        new string('x', 300), new string('9', 400),
    ];

    /// <summary>Random bytes, up to <paramref name="max"/> long.</summary>
    public static Gen<byte[]> Bytes(int max) => Gen.Byte.Array[0, max];

    /// <summary>Random text of any characters, up to <paramref name="max"/> long.</summary>
    public static Gen<string> Text(int max) => Gen.String[Gen.Char, 0, max];

    /// <summary><paramref name="samples"/> with 1 to 6 random edits each.</summary>
    public static Gen<string> Of(params string[] samples) =>
        Gen.Int[0, samples.Length - 1].SelectMany(i => Edits(samples[i].Length).Select(edits => Apply(samples[i], edits)));

    /// <summary>UTF-8 bytes of mutated <paramref name="samples"/>, or random bytes.</summary>
    public static Gen<byte[]> BytesOf(params string[] samples) =>
        Gen.Frequency((4, Of(samples).Select(s => Encoding.UTF8.GetBytes(s))), (1, Bytes(2048)));

    private readonly record struct Edit(int Kind, int At, int Length, string Insert);

    private static Gen<Edit[]> Edits(int length) =>
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, Math.Max(0, length)], Gen.Int[0, 40],
                Gen.Frequency((3, Gen.Int[0, Tokens.Length - 1].Select(t => Tokens[t])), (2, Text(12))),
                (kind, at, len, insert) => new Edit(kind, at, len, insert))
            .Array[1, 6];

    private static string Apply(string sample, Edit[] edits)
    {
        var text = new StringBuilder(sample);
        foreach (var e in edits)
        {
            var at = Math.Min(e.At, text.Length);
            var length = Math.Min(e.Length, text.Length - at);
            switch (e.Kind)
            {
                case 0: // delete a span
                    text.Remove(at, length);
                    break;
                case 1: // insert a token or random text
                    text.Insert(at, e.Insert);
                    break;
                case 2: // replace a span
                    text.Remove(at, length).Insert(at, e.Insert);
                    break;
                case 3: // duplicate a span
                    text.Insert(at, text.ToString(at, length));
                    break;
                default: // cut the end off
                    text.Length = at;
                    break;
            }
        }
        return text.ToString();
    }
}
