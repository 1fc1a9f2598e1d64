using System.Globalization;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Notes;

namespace AnchorNode.Cli;

/// <summary>Parsing of the values inventory commands take, with messages that say what was expected.</summary>
internal static class CliValues
{
    public static long? Time(string? text, string option)
    {
        if (text is null)
        {
            return null;
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.ToUnixTimeMilliseconds()
            : throw new UsageException($"{option} {text}: expected an ISO 8601 time such as 2026-03-01T00:00:00Z");
    }

    public static decimal Decimal(string text, string option) =>
        decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new UsageException($"{option} {text}: expected a decimal number such as 120 or 2500.5");

    public static StorageBand Band(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 3 || !StorageBand.Quantities.Contains(parts[0]))
        {
            throw new UsageException($"--band {text}: expected QUANTITY:MIN:MAX with quantity temperature or humidity, e.g. temperature:2:8");
        }
        var band = new StorageBand(parts[0], Decimal(parts[1], "--band"), Decimal(parts[2], "--band"));
        return band.Min < band.Max ? band : throw new UsageException($"--band {text}: the minimum must be below the maximum");
    }

    public static Covenant Covenant(string text)
    {
        var covenant = Firmware.Contracts.Conditions.Covenant.Parse(text);
        return covenant.Succeeded ? covenant.Value : throw new UsageException($"--covenant {text}: {covenant.Failure!.Message}");
    }

    /// <summary>Reads a P-256 private key (PKCS#8 PEM) for signing as <paramref name="keyName"/>.</summary>
    public static EcdsaNoteSigner Signer(string file, string keyName)
    {
        if (!File.Exists(file))
        {
            throw new UsageException($"--key {file}: no such file");
        }
        try
        {
            return EcdsaNoteSigner.FromPkcs8Pem(keyName, File.ReadAllText(file));
        }
        catch (ArgumentException e)
        {
            throw new UsageException($"--key {file}: {e.Message}");
        }
    }

    /// <summary>Writes a new private key readable by its owner only (0600); refuses to replace a file.</summary>
    public static void WriteKey(string file, string pem)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            using var stream = new FileStream(file, options);
            using var writer = new StreamWriter(stream);
            writer.Write(pem);
        }
        catch (IOException) when (File.Exists(file))
        {
            throw new UsageException($"--out {file} exists; a key file is never replaced");
        }
    }

    /// <summary>Signs <paramref name="text"/> (bare statement text, or a note that already has signatures) with <paramref name="signer"/>.</summary>
    public static SignedNote AddSignature(string text, INoteSigner signer)
    {
        var note = SignedNote.Parse(text);
        if (note.Succeeded)
        {
            return note.Value.WithSignature(signer);
        }
        if (Firmware.Contracts.Ledger.Statement.Parse(text) is { Succeeded: false } bad)
        {
            throw new UsageException($"--in: neither a signed note nor statement text ({bad.Failure!.Message})");
        }
        return SignedNote.Sign(text, signer);
    }

    public static string PartyKeyName(string party) =>
        InventoryNames.IsValidPartyId(party) ? InventoryNames.PartyKeyName(party) : throw new UsageException($"--party {party}: 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit");
}
