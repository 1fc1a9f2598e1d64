using System.CommandLine;
using System.Globalization;
using Firmware.Contracts;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Evidence;
using Firmware.Contracts.Notes;

namespace Verifier.Commands;

/// <summary>Bad arguments: the message says which and how; the process exits 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>Runs commands with the verifier's exit-code contract and shared argument parsing.</summary>
internal static class Cli
{
    public const int Verified = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    /// <summary>The bundle verified, but the evidence does not cover the window: a verdict cannot be given.</summary>
    public const int CannotBeEvaluated = 3;

    public static int Run(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            EdgeTrace.CommandLine.ParseErrors.Write(parse, Console.Error, EdgeTrace.CommandLine.Programs.Verify);
            return Usage;
        }
        try
        {
            // Our exceptions carry the exit code; the library's own handler would print a stack trace and exit 1.
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine("Run with --help for usage.");
            return Usage;
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Usage;
        }
        catch (UnauthorizedAccessException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return Usage;
        }
    }

    /// <summary>Prints <c>ok</c> or the failure, and returns the exit code.</summary>
    public static int Report(Result result)
    {
        if (result.Succeeded)
        {
            Console.WriteLine("ok");
            return Verified;
        }
        Console.WriteLine($"failed: {result.Failure}");
        return Failed;
    }

    public static Hash32 ParseHash(string text, string option) =>
        Hash32.TryFromHex(text.Trim(), out var hash)
            ? hash
            : throw new UsageException($"{option} must be 64 hex digits (a SHA-256 hash), got '{Shorten(text)}'");

    public static Hash32[] ParseHashList(string? text, string option)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }
        return text.Split(',').Select((h, i) => Hash32.TryFromHex(h.Trim(), out var hash)
            ? hash
            : throw new UsageException($"{option} element {i + 1} must be 64 hex digits, got '{Shorten(h)}'")).ToArray();
    }

    public static byte[] ParseHex(string text, string option)
    {
        var trimmed = text.Trim();
        if (trimmed.Length % 2 != 0)
        {
            throw new UsageException($"{option} must be an even number of hex digits, got {trimmed.Length}");
        }
        try
        {
            return Convert.FromHexString(trimmed);
        }
        catch (FormatException)
        {
            throw new UsageException($"{option} must be hex digits, got '{Shorten(trimmed)}'");
        }
    }

    public static TrustPolicy ParsePolicy(IReadOnlyList<string>? keys, int? threshold)
    {
        if (keys is null || keys.Count == 0)
        {
            throw new UsageException("give at least one trusted key with --key NAME=BASE64_SPKI");
        }
        var parsed = keys.Select(k => NoteVerifierKey.Parse(k) is { Succeeded: true } r
            ? r.Value
            : throw new UsageException($"--key {Shorten(k)}: {NoteVerifierKey.Parse(k).Failure!.Message}")).ToList();
        var k = threshold ?? 1;
        var distinct = parsed.Select(p => p.PublicKeyBase64).Distinct(StringComparer.Ordinal).Count();
        if (k < 1 || k > distinct)
        {
            throw new UsageException($"--threshold must be between 1 and the {distinct} distinct keys given, got {k}");
        }
        return new TrustPolicy(parsed, k);
    }

    /// <summary>A bundle reader's policy: the keys, a threshold only when asked for (else the consortium's quorum), and --not-before.</summary>
    public static EvidencePolicy ParseEvidencePolicy(IReadOnlyList<string>? keys, int? threshold, string? notBefore)
    {
        if (keys is null || keys.Count == 0)
        {
            throw new UsageException("give the trusted member keys with --key NAME=BASE64_SPKI (one per member you trust)");
        }
        var parsed = keys.Select(k => NoteVerifierKey.Parse(k) is { Succeeded: true } r
            ? r.Value
            : throw new UsageException($"--key {Shorten(k)}: {NoteVerifierKey.Parse(k).Failure!.Message}")).ToList();
        var distinct = parsed.Select(p => p.PublicKeyBase64).Distinct(StringComparer.Ordinal).Count();
        if (threshold is { } k && (k < 1 || k > distinct))
        {
            throw new UsageException($"--threshold must be between 1 and the {distinct} distinct keys given, got {k}");
        }
        long? notBeforeMs = null;
        if (notBefore is not null)
        {
            notBeforeMs = DateTimeOffset.TryParse(notBefore, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
                ? time.ToUnixTimeMilliseconds()
                : throw new UsageException($"--not-before {Shorten(notBefore)}: expected an ISO 8601 time such as 2026-12-01T00:00:00Z");
        }
        return new EvidencePolicy(parsed, threshold, notBeforeMs);
    }

    public static string ReadFile(string path, string option)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"{option}: no such file '{path}'");
        }
        return File.ReadAllText(path);
    }

    /// <summary>
    /// Reads a leaves file: one leaf per line as hex; an empty line is the empty leaf; a final
    /// newline does not start another leaf.
    /// </summary>
    public static List<byte[]> ReadLeaves(string path)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"--leaves: no such file '{path}'");
        }
        var leaves = new List<byte[]>();
        var lineNumber = 0;
        using var reader = new StreamReader(path);
        var text = reader.ReadToEnd();
        if (text.Length == 0)
        {
            return leaves;
        }
        if (text.EndsWith('\n'))
        {
            text = text[..^1];
        }
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.TrimEnd('\r').Trim();
            try
            {
                leaves.Add(Convert.FromHexString(line));
            }
            catch (FormatException)
            {
                throw new UsageException($"--leaves {path}: line {lineNumber.ToString(CultureInfo.InvariantCulture)} is not hex");
            }
        }
        return leaves;
    }

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..77] + "...";
}
