using System.Diagnostics.CodeAnalysis;
using Firmware.Contracts.Epc;

namespace EdgeGateway.Sensors.Rfid;

/// <summary>
/// The value a <see cref="TagObservation"/> carries for a tag id as read: the EPC pure-identity
/// URI when the id is an SGTIN-96 (24 hex digits, header 0x30), otherwise <c>raw:</c> followed by
/// the id in upper-case hex (a 13.56 MHz UID, a 125 kHz card number, an EPC of another scheme); an
/// EPC URI an HF tag stores in an NDEF record is taken as written when it is an SGTIN URI.
/// </summary>
public static class RfidTagValue
{
    /// <summary>Prefix of a value that is not an EPC.</summary>
    public const string RawPrefix = "raw:";

    /// <summary>Interprets one read; fails with a reason for reads that are not a hex id.</summary>
    public static bool TryInterpret(RawTagRead read, [NotNullWhen(true)] out string? value, [NotNullWhen(false)] out string? error)
    {
        value = null;
        var text = read.Text.Trim();
        if (read.Problem is not null)
        {
            error = $"Reader sent '{Printable(text)}': {read.Problem}.";
            return false;
        }
        if (text.Length == 0)
        {
            error = "Reader sent an empty tag id.";
            return false;
        }
        if (read.IsEpcUri)
        {
            // Only the one spelling of an SGTIN URI is a value (docs/spec.md §2.6); anything else the tag holds is no EPC of ours.
            if (Sgtin.TryParseEpcUri(text, out var sgtin, out var why) && sgtin.ToEpcUri() == text)
            {
                value = text;
                error = null;
                return true;
            }
            error = $"The tag's NDEF URI '{Printable(text)}' is not an SGTIN pure-identity EPC URI in its canonical spelling{(why is null ? "" : $" ({why})")}.";
            return false;
        }
        if (!text.All(char.IsAsciiHexDigit))
        {
            error = $"Reader sent '{Printable(text)}', which is not a hexadecimal tag id; check the reader's output format setting.";
            return false;
        }
        var upper = text.ToUpperInvariant();
        value = upper.Length == 24 && Sgtin96.TryDecode(upper, out var tag, out _)
            ? tag.Sgtin.ToEpcUri()
            : RawPrefix + upper;
        error = null;
        return true;
    }

    private static string Printable(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
