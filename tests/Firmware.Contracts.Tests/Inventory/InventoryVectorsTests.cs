using System.Text;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Inventory;
using Firmware.Contracts.Ledger;

namespace Firmware.Contracts.Tests.Inventory;

/// <summary>The worked example of docs/spec-ledger.md §3.4: a title statement's text and the commitment its lot carries.</summary>
public class InventoryVectorsTests
{
    private const string TitleText = """
        edgetrace/statement/v1 title
        consortium demo
        time 1767247200000
        nonce 000102030405060708090a0b0c0d0e0f
        receipt WR-2026-000123
        depositor acme-foods
        owner acme-foods
        quantity 360
        unit carton
        insurance PICC-2026-778

        """;

    [Fact]
    public void TitleStatement_IsWrittenAsTheSpecShowsIt_AndHashesToTheCommitment()
    {
        var title = new TitleStatement { Receipt = "WR-2026-000123", Depositor = "acme-foods", Owner = "acme-foods", Quantity = 360, Unit = "carton", Insurance = "PICC-2026-778" };
        var nonce = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");

        var statement = Statement.Create(EntryKinds.Title, "demo", 1_767_247_200_000, nonce, title.ToBody());

        Assert.Equal(TitleText.ReplaceLineEndings("\n"), statement.Text);
        // sha256sum title.txt (the text above, LF line ends)
        Assert.Equal("3e5af9616fa093b89015578104036593b0dbc2e7cce84099253168ae7e700544", statement.Hash.ToHex());
        Assert.Equal(Hash32.Sha256(Encoding.UTF8.GetBytes(statement.Text)), statement.Hash);
        Assert.Equal("title Plr5YW+gk7iQFVeBBANlk7DbwufM6ECZJTForn5wBUQ=", EntryField.Hash("title", statement.Hash).ToString());
        Assert.Equal(title, TitleStatement.From(Statement.Parse(statement.Text).Value).Value);
    }

    [Fact]
    public void Statements_OutOfCanonicalOrderOrForm_AreRefused()
    {
        var parsed = Statement.Parse(TitleText.ReplaceLineEndings("\n").Replace("quantity 360", "quantity 360.0", StringComparison.Ordinal)).Value;
        Assert.Equal(LedgerFailures.EntryField, TitleStatement.From(parsed).Failure?.Code);
        var swapped = Statement.Parse(TitleText.ReplaceLineEndings("\n").Replace("depositor acme-foods\nowner acme-foods", "owner acme-foods\ndepositor acme-foods", StringComparison.Ordinal)).Value;
        Assert.Equal(LedgerFailures.EntryField, TitleStatement.From(swapped).Failure?.Code);
    }
}
