using System.Text.RegularExpressions;
using Firmware.Contracts.Ledger;

namespace Firmware.Contracts.Inventory;

/// <summary>Identifiers of warehouse receipts (lots) and of the parties that deposit and own goods.</summary>
public static partial class InventoryNames
{
    /// <summary>The prefix of a party's key name in signature lines: <c>edgetrace/party/&lt;id&gt;</c>.</summary>
    public const string PartyKeyPrefix = "edgetrace/party/";

    // GS1 AI encodable character set 82 (GS1 General Specifications, figure 7.11-1): what a batch/lot (AI 10) may hold.
    private const string Cset82Punctuation = "!\"%&'()*+,-./:;<=>?_";

    /// <summary>The key name a party signs with.</summary>
    public static string PartyKeyName(string partyId) => PartyKeyPrefix + partyId;

    /// <inheritdoc cref="LedgerNames.IsValidReceipt"/>
    public static bool IsValidReceipt(string? receipt) => LedgerNames.IsValidReceipt(receipt);

    /// <summary>A party id (depositor or owner): the same characters as a member name.</summary>
    public static bool IsValidPartyId(string? id) => LedgerNames.IsValidMemberName(id);

    /// <summary>A batch/lot number as GS1 AI (10) allows it: 1-20 characters of GS1 character set 82.</summary>
    public static bool IsValidBatch(string? batch) =>
        batch is { Length: > 0 and <= 20 } && batch.All(c => char.IsAsciiLetterOrDigit(c) || Cset82Punctuation.Contains(c, StringComparison.Ordinal));

    /// <summary>An ISO 4217 alphabetic currency code: three upper-case letters.</summary>
    public static bool IsValidCurrency(string? currency) => currency is { Length: 3 } && currency.All(char.IsAsciiLetterUpper);

    /// <summary>A unit of quantity (e.g. <c>carton</c>, <c>kg</c>, <c>KGM</c>): a letter, then up to 31 of A-Z a-z 0-9 . _ -.</summary>
    public static bool IsValidUnit(string? unit) => unit is not null && UnitPattern().IsMatch(unit);

    /// <summary>Free text on one statement line, as <see cref="FieldReader.TextProblem"/> defines it.</summary>
    public static bool IsValidText(string? text, int maxLength = FieldReader.MaxTextLength) => FieldReader.TextProblem(text, maxLength) is null;

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9._-]{0,31}\\z")]
    private static partial Regex UnitPattern();
}
