using Firmware.Contracts;
using Firmware.Contracts.Conditions;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;

namespace Firmware.Contracts.Tests.Inventory;

/// <summary>
/// The value grammars of docs/spec-ledger.md §1 (free text) and §3.1 ("Values:"), each example of
/// the text checked against the code, and the statement parsers refusing what the writers refuse.
/// </summary>
public class ValueGrammarTests
{
    private static readonly byte[] Nonce = new byte[Statement.NonceLength];

    [Theory]
    [InlineData("returned  to depositor")]
    [InlineData("冷链 — pallet 3, «intact»")]
    [InlineData("sealed 🧊 ok")]
    [InlineData("x")]
    public void Text_AsSpecified_IsAccepted(string text) => Assert.Null(FieldReader.TextProblem(text));

    [Theory]
    [InlineData("", "empty")]
    [InlineData(" leading", "white space")]
    [InlineData("trailing ", "white space")]
    [InlineData("trailing\u00a0", "white space")]
    [InlineData("\u3000ideographic", "white space")]
    [InlineData("tab\there", "control")]
    [InlineData("nul\0here", "control")]
    [InlineData("line\nbreak", "control")]
    [InlineData("del\u007fhere", "control")]
    [InlineData("c1\u0085here", "control")]
    [InlineData("rlo\u202ehere", "bidirectional")]
    [InlineData("lre\u202ahere", "bidirectional")]
    [InlineData("pdf\u202chere", "bidirectional")]
    [InlineData("lri\u2066here\u2069", "bidirectional")]
    [InlineData("rlm\u200fhere", "bidirectional")]
    [InlineData("alm\u061chere", "bidirectional")]
    [InlineData("ls\u2028here", "separators")]
    [InlineData("ps\u2029here", "separators")]
    public void Text_BreakingARule_IsRefused_NamingTheRule(string text, string rule) =>
        Assert.Contains(rule, FieldReader.TextProblem(text), StringComparison.Ordinal);

    [Fact]
    public void Text_WithAnUnpairedSurrogate_OrOverItsLimit_IsRefused()
    {
        Assert.Contains("well-formed", FieldReader.TextProblem("a\ud800b"), StringComparison.Ordinal);
        Assert.Contains("well-formed", FieldReader.TextProblem("a\udc00"), StringComparison.Ordinal);
        Assert.Null(FieldReader.TextProblem(new string('a', FieldReader.MaxTextLength)));
        Assert.Contains("at most 256", FieldReader.TextProblem(new string('a', FieldReader.MaxTextLength + 1)), StringComparison.Ordinal);
        Assert.Contains("at most 200", FieldReader.TextProblem(new string('a', 201), LotStatement.MaxProductLength), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(EntryKinds.Cancel, "reason")]
    [InlineData(EntryKinds.Enforce, "reason")]
    [InlineData(EntryKinds.Release, "reason")]
    [InlineData(EntryKinds.Revoke, "reason")]
    [InlineData(EntryKinds.Lot, "product")]
    [InlineData(EntryKinds.Title, "insurance")]
    public void StatementParsers_RefuseBidiControls_AsTheWritersDo(string kind, string field)
    {
        var parsed = Parse(kind, Statement.Create(kind, "demo", 1, Nonce, Body(kind, "ok \u202eevil"))).Failure;
        Assert.NotNull(parsed);
        Assert.Equal(LedgerFailures.EntryField, parsed.Code);
        Assert.Contains(field, parsed.Message, StringComparison.Ordinal);

        Assert.True(Parse(kind, Statement.Create(kind, "demo", 1, Nonce, Body(kind, "ok, fine"))).Succeeded);
    }

    [Fact]
    public void Decimals_AsSection31Says()
    {
        foreach (var good in new[] { "8", "-18.5", "1234567.89", "0", "0.000001", "999999999999999999" })
        {
            Assert.True(CanonicalValues.TryParseDecimal(good, out _), good);
        }
        foreach (var bad in new[] { "8.0", "1.0", "08", "+8", "-0", "0.0000001", "1000000000000000000" })
        {
            Assert.False(CanonicalValues.TryParseDecimal(bad, out _), bad);
        }
        // A JSON 1.0 is the value 1, written 1; seven decimals cannot be written at all.
        Assert.True(CanonicalValues.IsWritable(1.0m));
        Assert.Equal("1", CanonicalValues.Decimal(1.0m));
        Assert.False(CanonicalValues.IsWritable(0.0000001m));
        Assert.False(CanonicalValues.IsWritable(1e18m));
    }

    [Fact]
    public void DurationsUnitsCurrenciesAndBands_AsSection31Says()
    {
        foreach (var good in new[] { "2h", "90m", "45s", "1500ms", "0s" })
        {
            Assert.True(CanonicalValues.TryParseDuration(good, out _), good);
        }
        foreach (var bad in new[] { "120m", "60s", "0m", "0ms", "02h", "1.5h", "-1s" })
        {
            Assert.False(CanonicalValues.TryParseDuration(bad, out _), bad);
        }
        Assert.All(new[] { "carton", "kg", "KGM", "a.b_c-1" }, u => Assert.True(InventoryNames.IsValidUnit(u), u));
        Assert.All(new[] { "1kg", "", "kg ", "k g", new string('a', 33) }, u => Assert.False(InventoryNames.IsValidUnit(u), u));
        Assert.All(new[] { "CNY", "USD", "XAU" }, c => Assert.True(InventoryNames.IsValidCurrency(c), c));
        Assert.All(new[] { "cny", "CN", "CNYY", "C1Y", "ＣＮＹ" }, c => Assert.False(InventoryNames.IsValidCurrency(c), c));
        Assert.True(StorageBand.Parse("temperature 2 8").Succeeded);
        Assert.False(StorageBand.Parse("temperature 5 5").Succeeded);
        Assert.False(StorageBand.Parse("temperature 8 2").Succeeded);
        Assert.False(StorageBand.Parse("temperature 2.0 8").Succeeded);
    }

    private static Result Parse(string kind, Statement statement) => kind switch
    {
        EntryKinds.Cancel => Ok(CancelStatement.From(statement)),
        EntryKinds.Enforce => Ok(EnforceStatement.From(statement)),
        EntryKinds.Release => Ok(ReleaseStatement.From(statement)),
        EntryKinds.Revoke => Ok(RevokeStatement.From(statement)),
        EntryKinds.Lot => Ok(LotStatement.From(statement)),
        _ => Ok(TitleStatement.From(statement)),
    };

    private static Result Ok<T>(Result<T> result) => result.Succeeded ? Result.Ok : result.Failure!;

    private static IEnumerable<EntryField> Body(string kind, string text)
    {
        var lot = new LotReference("WR-1", 5, 6);
        return kind switch
        {
            EntryKinds.Cancel => new CancelStatement(lot, text).ToBody(),
            EntryKinds.Enforce => new EnforceStatement(lot, 7, 10, text).ToBody(),
            EntryKinds.Release => new ReleaseStatement(lot, 7, 10, text).ToBody(),
            EntryKinds.Revoke => new RevokeStatement("gw-01", 3, text).ToBody(),
            EntryKinds.Lot => new LotStatement
            {
                Receipt = "WR-1", Title = Firmware.Contracts.Hashing.Hash32.Sha256("t"u8), Site = "site-1", Zone = "chiller-1", Product = text, Gtin = "10614141007346", Batch = "SAL-1",
                Bands = [new StorageBand("temperature", 2, 8)], IssuedMs = 1, ValidUntilMs = 2,
            }.ToBody(),
            _ => new TitleStatement { Receipt = "WR-1", Depositor = "acme-foods", Owner = "acme-foods", Quantity = 1, Unit = "carton", Insurance = text }.ToBody(),
        };
    }
}
