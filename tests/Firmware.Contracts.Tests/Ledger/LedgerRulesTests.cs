using Firmware.Contracts.Hashing;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Merkle;
using Firmware.Contracts.Notes;
using static Firmware.Contracts.Tests.TestKeys;

namespace Firmware.Contracts.Tests.Ledger;

public class LedgerRulesTests
{
    private static string Code<T>(Result<T> result) => result.Failure?.Code ?? "ok";

    [Fact]
    public void Genesis_SetsMembersAndQuorum()
    {
        var ledger = new TestLedger().WithGenesis(quorum: 2);
        Assert.Equal(1, ledger.State.Size);
        Assert.Equal(2, ledger.State.Quorum);
        Assert.Equal(["warehouse", "bank", "auditor"], ledger.State.Members().Select(m => m.Name));
        Assert.Equal(MemberRoles.Operator, ledger.State.Member("warehouse")!.Roles);
    }

    [Fact]
    public void FirstEntry_NotGenesis_IsRefused()
    {
        var ledger = new TestLedger();
        var enrol = ledger.Signed(EntryKinds.Enrol, new EnrolStatement { DeviceId = "gw-01", PublicKey = Convert.ToBase64String(ledger.Bank.PublicKey.Span) }.ToBody(), ledger.Warehouse);
        Assert.Equal(LedgerFailures.Genesis, Code(ledger.Append(enrol)));
        Assert.Equal(0, ledger.State.Size);
    }

    [Fact]
    public void SecondGenesis_IsRefused()
    {
        var ledger = new TestLedger().WithGenesis();
        var again = ledger.Signed(EntryKinds.Genesis, new GenesisStatement(1, [ledger.Info(ledger.Bank, MemberRoles.Operator)]).ToBody(), ledger.Bank);
        Assert.Equal(LedgerFailures.Genesis, Code(ledger.Append(again)));
    }

    [Fact]
    public void Genesis_SignedByAnOutsider_IsRefused()
    {
        var ledger = new TestLedger();
        var genesis = ledger.Signed(EntryKinds.Genesis, new GenesisStatement(1, [ledger.Info(ledger.Warehouse, MemberRoles.Operator)]).ToBody(), ledger.Bank);
        Assert.Equal(LedgerFailures.NotAMember, Code(ledger.Append(genesis)));
    }

    [Fact]
    public void Statement_ForAnotherConsortium_IsRefused()
    {
        var ledger = new TestLedger();
        var statement = ledger.NewStatement(EntryKinds.Genesis, new GenesisStatement(1, [ledger.Info(ledger.Warehouse, MemberRoles.Operator)]).ToBody(), consortium: "other");
        var entry = LedgerEntry.Create(EntryKinds.Genesis, [], SignedNote.Sign(statement.Text, ledger.Warehouse));
        Assert.Equal(LedgerFailures.WrongConsortium, Code(ledger.Append(entry)));
    }

    [Fact]
    public void Admit_NeedsQuorumOfCurrentMembers()
    {
        var ledger = new TestLedger().WithGenesis(quorum: 2);
        using var newcomer = EcdsaNoteSigner.Generate("insurer");
        var body = new AdmitStatement(ledger.Info(newcomer, MemberRoles.Auditor)).ToBody().ToList();
        Assert.Equal(LedgerFailures.QuorumNotMet, Code(ledger.Append(ledger.Signed(EntryKinds.Admit, body, ledger.Warehouse))));
        Assert.Equal(LedgerFailures.NotAMember, Code(ledger.Append(ledger.Signed(EntryKinds.Admit, body, ledger.Warehouse, newcomer))));
        TestLedger.Ok(ledger.Append(ledger.Signed(EntryKinds.Admit, body, ledger.Warehouse, ledger.Bank)));
        Assert.Equal(1, ledger.State.Member("insurer")!.AdmittedAt);
        Assert.Equal(LedgerFailures.MemberExists, Code(ledger.Append(ledger.Signed(EntryKinds.Admit, body, ledger.Warehouse, ledger.Bank))));
    }

    [Fact]
    public void Enrol_ByAMemberWithoutOperatorRole_IsRefused()
    {
        var ledger = new TestLedger().WithGenesis();
        var device = new TestDevice("gw-01", BetaPem);
        var enrol = new EnrolStatement { DeviceId = device.Id, PublicKey = Convert.ToBase64String(device.Key.PublicKey.Span) };
        Assert.Equal(LedgerFailures.RoleRequired, Code(ledger.Append(ledger.Signed(EntryKinds.Enrol, enrol.ToBody(), ledger.Bank))));
        Assert.Null(ledger.State.Device(device.Id));
    }

    [Fact]
    public void Enrol_WhileEnrolled_IsRefused_AfterRevocation_IsAllowed()
    {
        var ledger = new TestLedger().WithGenesis();
        var device = new TestDevice("gw-01", BetaPem);
        var first = ledger.Enrol(device);
        var again = new EnrolStatement { DeviceId = device.Id, PublicKey = Convert.ToBase64String(device.Key.PublicKey.Span) };
        Assert.Equal(LedgerFailures.DeviceEnrolled, Code(ledger.Append(ledger.Signed(EntryKinds.Enrol, again.ToBody(), ledger.Warehouse))));
        TestLedger.Ok(ledger.Append(ledger.Signed(EntryKinds.Revoke, new RevokeStatement(device.Id, first, "moved").ToBody(), ledger.Warehouse)));
        TestLedger.Ok(ledger.Append(ledger.Signed(EntryKinds.Enrol, again.ToBody(), ledger.Warehouse)));
        Assert.True(ledger.State.Device(device.Id)!.IsActive);
    }

    [Fact]
    public void ReplayedStatement_IsRefused()
    {
        var ledger = new TestLedger().WithGenesis();
        var device = new TestDevice("gw-01", BetaPem);
        var enrolment = ledger.Enrol(device);
        TestLedger.Ok(ledger.Append(ledger.Signed(EntryKinds.Revoke, new RevokeStatement(device.Id, enrolment, null).ToBody(), ledger.Warehouse)));
        // The old enrolment, appended again verbatim, must not bring the device back.
        Assert.Equal(LedgerFailures.DuplicateStatement, Code(ledger.Append(ledger.Entries[(int)enrolment])));
        Assert.False(ledger.State.Device(device.Id)!.IsActive);
    }

    [Fact]
    public void Revoke_NamingAnotherEnrolment_IsRefused()
    {
        var ledger = new TestLedger().WithGenesis();
        var device = new TestDevice("gw-01", BetaPem);
        var enrolment = ledger.Enrol(device);
        Assert.Equal(LedgerFailures.StaleReference, Code(ledger.Append(ledger.Signed(EntryKinds.Revoke, new RevokeStatement(device.Id, enrolment + 5, null).ToBody(), ledger.Warehouse))));
    }

    [Fact]
    public void Anchors_MustExtendTheLastAnchoredCheckpoint()
    {
        var ledger = new TestLedger().WithGenesis();
        var device = new TestDevice("gw-01", BetaPem).Add(5);
        ledger.Enrol(device);
        var first = ledger.Anchor(device);
        Assert.Equal(5, ledger.State.Device(device.Id)!.AnchoredSize);
        device.Add(3);
        var second = ledger.Anchor(device);
        var record = ledger.State.Device(device.Id)!;
        Assert.Equal((second, 8L, device.Log.Root()), (record.AnchorIndex!.Value, record.AnchoredSize, record.AnchoredRoot));
        var anchor = AnchorEntry.From(ledger.Entries[(int)second]).Value;
        Assert.Equal(first, anchor.PreviousIndex);
        Assert.NotEmpty(anchor.Consistency);
    }

    [Fact]
    public void Anchor_NotGrowing_IsStale()
    {
        var ledger = new TestLedger().WithGenesis();
        var device = new TestDevice("gw-01", BetaPem).Add(5);
        ledger.Enrol(device);
        var stale = ledger.AnchorEntry(device);
        ledger.Anchor(device);
        var record = ledger.State.Device(device.Id)!;
        var again = AnchorEntry.Create(1, record.EnrolmentIndex, record.AnchorIndex, [], device.Checkpoint());
        Assert.Equal(LedgerFailures.StaleCheckpoint, Code(ledger.Append(again)));
        Assert.Equal(LedgerFailures.StaleReference, Code(ledger.Append(stale)));
    }

    [Fact]
    public void Anchor_WithWrongProof_IsInconsistent()
    {
        var ledger = new TestLedger().WithGenesis();
        var device = new TestDevice("gw-01", BetaPem).Add(5);
        ledger.Enrol(device);
        ledger.Anchor(device);
        device.Add(3);
        var record = ledger.State.Device(device.Id)!;
        var proof = device.Log.Reader.ConsistencyProof(5, 8);
        proof[0] = Hash32.Sha256("tampered"u8);
        var entry = AnchorEntry.Create(1, record.EnrolmentIndex, record.AnchorIndex, proof, device.Checkpoint());
        Assert.Equal(LedgerFailures.InconsistentCheckpoint, Code(ledger.Append(entry)));
    }

    [Fact]
    public void Anchor_SignedWithAnotherKey_IsBadSignature()
    {
        var ledger = new TestLedger().WithGenesis();
        var device = new TestDevice("gw-01", BetaPem).Add(5);
        ledger.Enrol(device);
        var impostor = new TestDevice("gw-01", GammaPem).Add(5);
        Assert.Equal(LedgerFailures.BadSignature, Code(ledger.Append(ledger.AnchorEntry(device, impostor.Checkpoint()))));
    }

    [Fact]
    public void Anchor_ForRevokedOrUnknownDevice_IsRefused()
    {
        var ledger = new TestLedger().WithGenesis();
        var device = new TestDevice("gw-01", BetaPem).Add(5);
        var enrolment = ledger.Enrol(device);
        var entry = ledger.AnchorEntry(device);
        TestLedger.Ok(ledger.Append(ledger.Signed(EntryKinds.Revoke, new RevokeStatement(device.Id, enrolment, null).ToBody(), ledger.Warehouse)));
        Assert.Equal(LedgerFailures.RevokedDevice, Code(ledger.Append(entry)));
        var stranger = new TestDevice("gw-02", GammaPem).Add(1);
        Assert.Equal(LedgerFailures.UnknownDevice, Code(ledger.Append(AnchorEntry.Create(1, 1, null, [], stranger.Checkpoint()))));
    }

    [Fact]
    public void Equivocation_SameSizeOtherRoot_FlagsAndBlocksAnchors_UntilCleared()
    {
        var ledger = new TestLedger().WithGenesis();
        var device = new TestDevice("gw-01", BetaPem).Add(5);
        ledger.Enrol(device);
        var anchor = ledger.Anchor(device);
        var fork = new TestDevice("gw-01", BetaPem, seed: 99).Add(5);
        var evidence = EquivocationEntry.Create(2, anchor, null, [], device.Checkpoint(fork.Log.Size, fork.Log.Root()));
        TestLedger.Ok(ledger.Append(evidence));
        var flagged = ledger.State.Size - 1;
        Assert.Equal(flagged, ledger.State.Device(device.Id)!.EquivocationIndex);

        device.Add(2);
        Assert.Equal(LedgerFailures.Equivocation, Code(ledger.Append(ledger.AnchorEntry(device))));
        Assert.Equal(LedgerFailures.StaleReference, Code(ledger.Append(ledger.Signed(EntryKinds.Clear, new ClearStatement(device.Id, flagged + 1, "reviewed").ToBody(), ledger.Warehouse))));
        TestLedger.Ok(ledger.Append(ledger.Signed(EntryKinds.Clear, new ClearStatement(device.Id, flagged, "gateway restored from backup; fork discarded").ToBody(), ledger.Warehouse)));
        TestLedger.Ok(ledger.Append(ledger.AnchorEntry(device)));
    }

    [Fact]
    public void Equivocation_SmallerSize_IsShownByConsistencyProof()
    {
        var ledger = new TestLedger().WithGenesis();
        var device = new TestDevice("gw-01", BetaPem).Add(8);
        ledger.Enrol(device);
        var anchor = ledger.Anchor(device);
        var fork = new TestDevice("gw-01", BetaPem, seed: 99).Add(5);
        var conflicting = device.Checkpoint(5, fork.Log.Root());
        var proof = device.Log.Reader.ConsistencyProof(5, 8);
        TestLedger.Ok(ledger.Append(EquivocationEntry.Create(2, anchor, device.Log.Reader.Root(5), proof, conflicting)));
    }

    [Fact]
    public void Equivocation_LargerSize_AlternateHistory_IsShownByConsistencyProof()
    {
        var ledger = new TestLedger().WithGenesis();
        var device = new TestDevice("gw-01", BetaPem).Add(5);
        ledger.Enrol(device);
        var anchor = ledger.Anchor(device);
        var fork = new TestDevice("gw-01", BetaPem, seed: 99).Add(9);
        var conflicting = device.Checkpoint(9, fork.Log.Root());
        var evidence = EquivocationEntry.Create(2, anchor, fork.Log.Reader.Root(5), fork.Log.Reader.ConsistencyProof(5, 9), conflicting);
        TestLedger.Ok(ledger.Append(evidence));
    }

    [Fact]
    public void Equivocation_WithoutContradiction_IsRefused()
    {
        var ledger = new TestLedger().WithGenesis();
        var device = new TestDevice("gw-01", BetaPem).Add(8);
        ledger.Enrol(device);
        var anchor = ledger.Anchor(device);
        // A genuine older checkpoint is stale, not an equivocation.
        var older = device.Checkpoint(5, device.Log.Reader.Root(5));
        var entry = EquivocationEntry.Create(2, anchor, device.Log.Reader.Root(5), device.Log.Reader.ConsistencyProof(5, 8), older);
        Assert.Equal(LedgerFailures.NoEquivocation, Code(ledger.Append(entry)));
        // The same checkpoint as anchored is no equivocation either.
        Assert.Equal(LedgerFailures.NoEquivocation, Code(ledger.Append(EquivocationEntry.Create(2, anchor, null, [], device.Checkpoint()))));
        // A false alternate root does not survive the proof.
        var lie = EquivocationEntry.Create(2, anchor, Hash32.Sha256("x"u8), device.Log.Reader.ConsistencyProof(5, 8), older);
        Assert.Equal(LedgerFailures.NoEquivocation, Code(ledger.Append(lie)));
        Assert.Null(ledger.State.Device(device.Id)!.EquivocationIndex);
    }

    [Fact]
    public void UnknownKind_IsRefused()
    {
        var ledger = new TestLedger().WithGenesis();
        var entry = LedgerEntry.Create("appraisal", [], SignedNote.Sign(ledger.NewStatement("appraisal", [new EntryField("receipt", "R-1")]).Text, ledger.Warehouse));
        Assert.Equal(LedgerFailures.UnknownKind, Code(ledger.Append(entry)));
    }

    [Fact]
    public void Replay_OfTheSameProposals_ReachesTheSameStateAndDecisions()
    {
        var ledger = new TestLedger().WithGenesis();
        var device = new TestDevice("gw-01", BetaPem).Add(4);
        var proposals = new List<LedgerEntry> { ledger.Entries[0] };
        void Propose(LedgerEntry e)
        {
            proposals.Add(e);
            ledger.Append(e);
        }
        var enrol = ledger.Signed(EntryKinds.Enrol, new EnrolStatement { DeviceId = device.Id, PublicKey = Convert.ToBase64String(device.Key.PublicKey.Span) }.ToBody(), ledger.Warehouse);
        Propose(enrol);
        Propose(enrol);
        Propose(ledger.AnchorEntry(device));
        device.Add(3);
        Propose(ledger.AnchorEntry(device));
        Propose(ledger.AnchorEntry(device));
        Propose(ledger.Signed(EntryKinds.Enrol, new EnrolStatement { DeviceId = "gw-02", PublicKey = Convert.ToBase64String(device.Key.PublicKey.Span) }.ToBody(), ledger.Bank));

        var replica = new InMemoryLedgerState(TestLedger.Consortium);
        var rules = new LedgerRules();
        var log = new MerkleLog(new InMemoryMerkleHashStore());
        var decisions = new List<string>();
        foreach (var proposal in proposals)
        {
            var result = rules.Append(proposal.Bytes.Span, replica);
            decisions.Add(result.Failure?.Code ?? "appended");
            if (result.Succeeded)
            {
                log.Append(result.Value.LeafHash);
            }
        }
        Assert.Equal(["appended", "appended", LedgerFailures.DuplicateStatement, "appended", "appended", LedgerFailures.StaleCheckpoint, LedgerFailures.RoleRequired], decisions);
        Assert.Equal(ledger.State.Describe(), replica.Describe());
        Assert.Equal(ledger.Log.Root(), log.Root());
    }
}
