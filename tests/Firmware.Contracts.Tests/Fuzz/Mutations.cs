using CsCheck;

namespace Firmware.Contracts.Tests.Fuzz;

/// <summary>
/// Mutated inputs for fuzzing: a valid sample with a few random edits (a byte flipped, a range cut,
/// doubled or truncated, a hostile token inserted), or bytes made up from nothing. Edits near valid
/// input reach deep into a parser; made-up bytes cover its first checks. Shared by the pure parser
/// tests and the node's HTTP tests (linked into both projects).
/// </summary>
public static class Mutations
{
    /// <summary>Tokens parsers and endpoints treat specially: separators, controls, bidi, numbers at the edges, JSON syntax.</summary>
    public static readonly string[] Tokens =
    [
        "\n", "\n\n", "\r\n", " ", "\t", "\0", "\u007f", "\u0085", "\u202e", "\u2066", "\u2028", "\ufeff", "\ud800", "—", "冷",
        "0", "-1", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "1e400", "0.0000001", "1.0", "NaN",
        "{", "}", "[", "]", "\"", "\\", "\\u0000", "\\ud800", ",", ":", "null", "true", "[]", "{}", "\"a\":1,",
        "=", "==", "/", "+", "— ", "edgetrace/", " 1", "AAAA", "%", "%00",
    ];

    private static readonly Gen<(int Op, int At, int Length, int Token)> Edit =
        Gen.Select(Gen.Int[0, 6], Gen.Int[0, int.MaxValue - 1], Gen.Int[1, 64], Gen.Int[0, Tokens.Length - 1]);

    /// <summary>One of <paramref name="samples"/> with 1 to <paramref name="maxEdits"/> edits, as UTF-8 bytes.</summary>
    public static Gen<byte[]> Of(IReadOnlyList<byte[]> samples, int maxEdits = 6) =>
        Gen.Select(Gen.Int[0, samples.Count - 1], Edit.Array[1, maxEdits], (i, edits) => Apply(samples[i], edits));

    /// <summary>As <see cref="Of"/>, for text.</summary>
    public static Gen<string> Of(IReadOnlyList<string> samples, int maxEdits = 6) =>
        Of(samples.Select(System.Text.Encoding.UTF8.GetBytes).ToList(), maxEdits).Select(b => System.Text.Encoding.UTF8.GetString(b));

    /// <summary>Mostly mutated samples, sometimes arbitrary bytes.</summary>
    public static Gen<byte[]> Bytes(IReadOnlyList<byte[]> samples) =>
        Gen.Frequency((8, Of(samples)), (1, Gen.Byte.Array[0, 512]), (1, Gen.Const(Array.Empty<byte>())));

    private static byte[] Apply(byte[] sample, (int Op, int At, int Length, int Token)[] edits)
    {
        var bytes = new List<byte>(sample);
        foreach (var (op, at, length, token) in edits)
        {
            var i = bytes.Count == 0 ? 0 : at % (bytes.Count + 1);
            var n = Math.Min(length, bytes.Count - i);
            switch (op)
            {
                case 0 when i < bytes.Count:
                    bytes[i] ^= (byte)(1 << (at % 8));
                    break;
                case 1:
                    bytes.RemoveRange(i, n);
                    break;
                case 2:
                    bytes.InsertRange(i, bytes.GetRange(i, n));
                    break;
                case 3:
                    bytes.RemoveRange(i, bytes.Count - i);
                    break;
                case 4 when i < bytes.Count:
                    bytes[i] = (byte)length;
                    break;
                default:
                    bytes.InsertRange(i, System.Text.Encoding.UTF8.GetBytes(Tokens[token]));
                    break;
            }
        }
        return [.. bytes];
    }
}
