using System.Text.RegularExpressions;

namespace Firmware.Contracts.Ledger;

/// <summary>Names and identifiers of the consortium ledger and the parties on it.</summary>
public static partial class LedgerNames
{
    private const string OriginPrefix = "edgetrace/ledger/";

    /// <summary>The checkpoint origin of a consortium's ledger: <c>edgetrace/ledger/&lt;consortium&gt;</c>.</summary>
    public static string Origin(string consortium) => OriginPrefix + consortium;

    /// <summary>The consortium in an origin made by <see cref="Origin"/>, or null.</summary>
    public static string? ConsortiumOf(string origin) =>
        origin.StartsWith(OriginPrefix, StringComparison.Ordinal) && IsValidConsortium(origin[OriginPrefix.Length..])
            ? origin[OriginPrefix.Length..]
            : null;

    /// <summary>A consortium id: 1-64 of a-z 0-9 . _ - starting with a letter or digit.</summary>
    public static bool IsValidConsortium(string? id) => id is not null && ConsortiumPattern().IsMatch(id);

    /// <summary>
    /// A member name, also the key name in the member's signature lines: 1-64 of A-Z a-z 0-9 . _ -
    /// starting with a letter or digit.
    /// </summary>
    public static bool IsValidMemberName(string? name) => name is not null && IdPattern().IsMatch(name);

    /// <summary>A device id, as reading leaves carry it: 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit.</summary>
    public static bool IsValidDeviceId(string? id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>A zone or site id: the same characters as a device id.</summary>
    public static bool IsValidZone(string? id) => id is not null && IdPattern().IsMatch(id);

    /// <summary>A sensor id, as reading leaves carry it: 1-128 of A-Z a-z 0-9 . _ - : / starting with a letter or digit.</summary>
    public static bool IsValidSensorId(string? id) => id is not null && SensorPattern().IsMatch(id);

    /// <summary>
    /// A warehouse receipt number: 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit. It is
    /// unique in the consortium and names the lot in URLs, so it has no '/' or spaces.
    /// </summary>
    public static bool IsValidReceipt(string? receipt) => receipt is not null && IdPattern().IsMatch(receipt);

    /// <summary>A quantity name such as <c>temperature</c>.</summary>
    public static bool IsValidQuantity(string? quantity) => quantity is not null && QuantityPattern().IsMatch(quantity);

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}\\z")]
    private static partial Regex ConsortiumPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\z")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}\\z")]
    private static partial Regex SensorPattern();

    [GeneratedRegex("^[a-z][a-z0-9_-]{0,31}\\z")]
    private static partial Regex QuantityPattern();
}
