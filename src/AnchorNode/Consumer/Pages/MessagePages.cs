using Firmware.Contracts.Epc;
using static AnchorNode.Consumer.Pages.PageLayout;

namespace AnchorNode.Consumer.Pages;

/// <summary>
/// The pages that are not a trace: a product without a lot, a code that is not known (one page for
/// every unknown code, whatever part of it is unknown), a malformed code, too many requests.
/// </summary>
public static class MessagePages
{
    /// <summary>The longest piece of a request path echoed back on an error page.</summary>
    public const int MaxEcho = 120;

    /// <summary>A product code without a lot: the product's name and a form for the lot printed on the pack.</summary>
    public static string Product(PublicProduct product, PageContext context)
    {
        ArgumentNullException.ThrowIfNull(product);
        ArgumentNullException.ThrowIfNull(context);
        var text = context.Text;
        return Render(context, product.Name, html =>
        {
            html.Append("<section id=\"product\" class=\"card\">\n<h1>").Append(Encode(product.Name)).Append("</h1>\n");
            if (product.Detail is not null)
            {
                html.Append("<p class=\"meta\">").Append(Encode(product.Detail)).Append("</p>\n");
            }
            html.Append("<p class=\"ids\"><span class=\"id\"><span>").Append(Encode(text.Gtin)).Append("</span> <strong id=\"gtin\">").Append(product.Gtin.Value).Append("</strong></span></p>\n")
                .Append("<p>").Append(Encode(text.ProductBody)).Append("</p>\n")
                .Append("<form method=\"get\" action=\"/01/").Append(product.Gtin.Value).Append("\">")
                .Append("<label for=\"lot-input\">").Append(Encode(text.LotInput)).Append("</label>")
                .Append("<input id=\"lot-input\" name=\"").Append(DigitalLink.LotAi).Append("\" maxlength=\"").Append(DigitalLink.MaxQualifierLength)
                .Append("\" required autocomplete=\"off\" autocapitalize=\"characters\" spellcheck=\"false\">")
                .Append("<button type=\"submit\">").Append(Encode(text.Show)).Append("</button></form>\n</section>\n");
        });
    }

    /// <summary>
    /// The page for a well-formed code nobody knows. It names the code as scanned and nothing else:
    /// an unknown GTIN and an unknown lot of a known GTIN give pages of the same shape.
    /// </summary>
    public static string NotFound(DigitalLink link, PageContext context)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(context);
        var text = context.Text;
        return Render(context, text.NotFoundTitle, html =>
            MessageCard(html, "not-found", text.NotFoundTitle, [text.NotFoundBody, ConsumerText.Format(text.ScannedCode, link.ToPath())]));
    }

    /// <summary>The page for a malformed code: what is wrong with it, in the page's language.</summary>
    public static string BadCode(DigitalLinkError error, string rawPath, PageContext context)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(context);
        var text = context.Text;
        var echo = rawPath.Length <= MaxEcho ? rawPath : rawPath[..MaxEcho] + "…";
        return Render(context, text.BadCodeTitle, html =>
            MessageCard(html, "bad-code", text.BadCodeTitle,
                [ConsumerText.Format(text.BadCodeBody, Reason(error, text)), text.BadCodeAdvice, ConsumerText.Format(text.ScannedCode, echo)]));
    }

    /// <summary>The page for a client over its request budget.</summary>
    public static string TooManyRequests(TimeSpan retryAfter, PageContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var text = context.Text;
        return Render(context, text.TooManyTitle, html =>
            MessageCard(html, "too-many", text.TooManyTitle, [ConsumerText.Format(text.TooManyBody, context.Format.Duration(retryAfter))]));
    }

    /// <summary>Why a code is malformed, as a sentence in <paramref name="text"/>'s language.</summary>
    public static string Reason(DigitalLinkError error, ConsumerText text)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(text);
        var name = error.Ai switch
        {
            DigitalLink.LotAi => text.NameLot,
            DigitalLink.SerialAi => text.NameSerial,
            _ => text.NameGtin,
        };
        var ai = error.Ai is { Length: <= 8 } a ? a : "…";
        return error.Kind switch
        {
            DigitalLinkErrorKind.MissingValue => ConsumerText.Format(text.ReasonMissingValue, ai),
            DigitalLinkErrorKind.GtinNotDigits => text.ReasonGtinNotDigits,
            DigitalLinkErrorKind.GtinLength => ConsumerText.Format(text.ReasonGtinLength, error.Length),
            DigitalLinkErrorKind.GtinCheckDigit => ConsumerText.Format(text.ReasonGtinCheckDigit, error.ExpectedCheckDigit, error.ActualCheckDigit),
            DigitalLinkErrorKind.UnsupportedQualifier => ConsumerText.Format(text.ReasonUnsupportedQualifier, ai),
            DigitalLinkErrorKind.QualifierOrder => text.ReasonQualifierOrder,
            DigitalLinkErrorKind.DuplicateQualifier => ConsumerText.Format(text.ReasonDuplicateQualifier, ai),
            DigitalLinkErrorKind.EmptyValue => ConsumerText.Format(text.ReasonEmptyValue, name),
            DigitalLinkErrorKind.ValueTooLong => ConsumerText.Format(text.ReasonValueTooLong, name, error.Length),
            DigitalLinkErrorKind.BadPercentEncoding => text.ReasonBadPercentEncoding,
            DigitalLinkErrorKind.CharacterNotAllowed => ConsumerText.Format(text.ReasonCharacterNotAllowed, name, Show(error.Character)),
            _ => text.ReasonNotADigitalLink,
        };
    }

    private static string Show(char? c) => c switch
    {
        null => "?",
        ' ' => "U+0020",
        // Letters, digits, punctuation and symbols are shown as themselves; anything invisible or
        // able to reorder text (controls, format characters such as bidi overrides) by code point.
        { } ch when char.IsLetterOrDigit(ch) || char.IsPunctuation(ch) || char.IsSymbol(ch) => $"“{ch}”",
        { } ch => $"U+{(int)ch:X4}",
    };
}
