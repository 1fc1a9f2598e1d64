using System.Text;
using Firmware.Contracts.Hashing;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;

namespace Firmware.Contracts.Tests.Ledger;

public class LedgerEntryTests
{
    private static readonly TestLedger Ledger = new();

    [Fact]
    public void Create_WritesKindHeaderBlankLineAndNote()
    {
        var device = new TestDevice("gw-01", TestKeys.BetaPem).Add(4);
        var note = device.Checkpoint();
        var entry = AnchorEntry.Create(1_795_428_100_000, 3, 7, [Hash32.Sha256("a"u8), Hash32.Sha256("b"u8)], note);
        var expected = "edgetrace/entry/v1 anchor\n"
            + "received 1795428100000\n"
            + "enrolment 3\n"
            + "previous 7\n"
            + $"consistency {Hash32.Sha256("a"u8).ToBase64()}\n"
            + $"consistency {Hash32.Sha256("b"u8).ToBase64()}\n"
            + "\n"
            + note;
        Assert.Equal(expected, entry.ToString());
    }

    [Fact]
    public void Parse_RoundTripsEveryKind()
    {
        var genesis = Ledger.Signed(EntryKinds.Genesis, new GenesisStatement(1, [Ledger.Info(Ledger.Warehouse, MemberRoles.Operator)]).ToBody(), Ledger.Warehouse);
        var parsed = LedgerEntry.Parse(genesis.Bytes.Span);
        Assert.True(parsed.Succeeded, parsed.ToString());
        Assert.Equal(EntryKinds.Genesis, parsed.Value.Kind);
        Assert.Empty(parsed.Value.Header);
        Assert.Equal(genesis.LeafHash, parsed.Value.LeafHash);
        Assert.Equal(genesis.Note.Text, parsed.Value.Note.Text);
    }

    [Theory]
    [InlineData("edgetrace/entry/v2 anchor\n\n")]
    [InlineData("edgetrace/entry/v1 Anchor\n\n")]
    [InlineData("edgetrace/entry/v1 anchor\nreceived  1\n\n")]
    [InlineData("edgetrace/entry/v1 anchor\nreceived\n\n")]
    [InlineData("edgetrace/entry/v1 anchor\r\nreceived 1\n\n")]
    [InlineData("edgetrace/entry/v1 anchor\nreceived 1\n")]
    public void Parse_MalformedHead_Fails(string head)
    {
        var note = new TestDevice("gw-01", TestKeys.BetaPem).Add(1).Checkpoint().ToString();
        Assert.Equal("entry-format", LedgerEntry.Parse(Encoding.UTF8.GetBytes(head + note)).Failure?.Code);
    }

    [Fact]
    public void Parse_NonCanonicalSignatureBase64_Fails()
    {
        // DER signatures vary in length; sign until the signature line's base64 ends in padding,
        // then flip an unused low bit of its last character: same bytes, other text.
        var device = new TestDevice("gw-01", TestKeys.BetaPem).Add(1);
        string entry, line;
        var tries = 0;
        do
        {
            entry = AnchorEntry.Create(1, 1, null, [], device.Checkpoint()).ToString();
            line = entry.Split('\n')[^2];
        }
        while (!line.EndsWith('=') && ++tries < 100);
        Assert.EndsWith("=", line, StringComparison.Ordinal);
        var altered = entry.Replace(line, FlipUnusedBit(line), StringComparison.Ordinal);
        Assert.NotEqual(entry, altered);
        Assert.Equal("entry-format", LedgerEntry.Parse(Encoding.UTF8.GetBytes(altered)).Failure?.Code);
    }

    [Fact]
    public void Parse_NonCanonicalHashInHeader_FailsAsField()
    {
        var device = new TestDevice("gw-01", TestKeys.BetaPem).Add(2);
        var hash = Hash32.Sha256("a"u8).ToBase64();
        var entry = AnchorEntry.Create(1, 1, 0, [Hash32.Sha256("a"u8)], device.Checkpoint()).ToString();
        var altered = LedgerEntry.Parse(Encoding.UTF8.GetBytes(entry.Replace(hash, FlipUnusedBit(hash), StringComparison.Ordinal)));
        Assert.True(altered.Succeeded, altered.ToString());
        Assert.Equal("entry-field", AnchorEntry.From(altered.Value).Failure?.Code);
    }

    private static string FlipUnusedBit(string base64)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        var body = base64.TrimEnd('=');
        var padding = base64.Length - body.Length;
        var twin = alphabet[alphabet.IndexOf(body[^1], StringComparison.Ordinal) ^ 1];
        Assert.True(padding > 0);
        return body[..^1] + twin + new string('=', padding);
    }

    [Fact]
    public void Parse_InvalidUtf8_Fails() =>
        Assert.Equal("entry-format", LedgerEntry.Parse([.. "edgetrace/entry/v1 anchor\n\n"u8, 0xff]).Failure?.Code);

    [Fact]
    public void Statement_FirstLineHasSpace_SoItIsNeverACheckpoint()
    {
        var statement = Ledger.NewStatement(EntryKinds.Enrol, [new EntryField("device", "gw-01")]);
        Assert.StartsWith("edgetrace/statement/v1 enrol\nconsortium demo\ntime ", statement.Text, StringComparison.Ordinal);
        Assert.False(Firmware.Contracts.Checkpoints.Checkpoint.ParseText(statement.Text).Succeeded);
        var parsed = Statement.Parse(statement.Text);
        Assert.True(parsed.Succeeded, parsed.ToString());
        Assert.Equal(statement.Hash, parsed.Value.Hash);
        Assert.Equal("gw-01", parsed.Value.Body.Single().Value);
    }

    [Theory]
    [InlineData("edgetrace/statement/v1 enrol\ntime 1\nconsortium demo\nnonce 00000000000000000000000000000000\n")]
    [InlineData("edgetrace/statement/v1 enrol\nconsortium demo\ntime 01\nnonce 00000000000000000000000000000000\n")]
    [InlineData("edgetrace/statement/v1 enrol\nconsortium demo\ntime 1\nnonce 0000000000000000000000000000000\n")]
    [InlineData("edgetrace/statement/v1 enrol\nconsortium Demo\ntime 1\nnonce 00000000000000000000000000000000\n")]
    [InlineData("edgetrace/statement/v1 enrol\nconsortium demo\ntime 1\nnonce 00000000000000000000000000000000\ndevice  gw\n")]
    public void Statement_Malformed_Fails(string text) => Assert.False(Statement.Parse(text).Succeeded);

    [Fact]
    public void Enrol_BodyOrderIsCanonical()
    {
        var statement = Ledger.NewStatement(EntryKinds.Enrol, [new EntryField("key", Convert.ToBase64String(Ledger.Bank.PublicKey.Span)), new EntryField("device", "gw-01")]);
        Assert.Equal("entry-field", EnrolStatement.From(statement).Failure?.Code);
    }

    [Fact]
    public void Enrol_KeyNotP256_Fails()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var statement = Ledger.NewStatement(EntryKinds.Enrol, [new EntryField("device", "gw-01"), new EntryField("key", Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo()))]);
        Assert.Equal("entry-field", EnrolStatement.From(statement).Failure?.Code);
    }

    [Theory]
    [InlineData("operator", MemberRoles.Operator)]
    [InlineData("operator,auditor", MemberRoles.Operator | MemberRoles.Auditor)]
    [InlineData("none", MemberRoles.None)]
    public void MemberRoles_RoundTrip(string text, MemberRoles roles)
    {
        Assert.True(MemberRoleNames.TryParse(text, out var parsed));
        Assert.Equal(roles, parsed);
        Assert.Equal(text, MemberRoleNames.Format(roles));
    }

    [Theory]
    [InlineData("auditor,operator")]
    [InlineData("operator,operator")]
    [InlineData("admin")]
    [InlineData("")]
    public void MemberRoles_NonCanonical_Fails(string text) => Assert.False(MemberRoleNames.TryParse(text, out _));

    [Fact]
    public void SignedNote_ByMember_IsNotAcceptedAsAnotherKind()
    {
        // A revoke statement's signature, moved into an enrol entry, is refused: the kinds differ.
        var ledger = new TestLedger().WithGenesis();
        var revoke = ledger.Signed(EntryKinds.Revoke, new RevokeStatement("gw-01", 1, null).ToBody(), ledger.Warehouse);
        var moved = LedgerEntry.Create(EntryKinds.Enrol, [], SignedNote.Parse(revoke.Note.ToString()).Value);
        Assert.Equal(LedgerFailures.EntryField, ledger.Append(moved).Failure?.Code);
    }
}
