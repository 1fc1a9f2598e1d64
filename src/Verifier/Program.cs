using System.CommandLine;
using Verifier.Commands;

// The offline verifier a lender, auditor or another implementation runs. It needs no network and
// trusts nothing but the keys given on its command line. Exit codes: 0 verified, 1 verification
// failed (the reason is printed), 2 bad arguments (usage is printed).
var root = new RootCommand("EdgeTrace offline verifier: Merkle proofs, signed notes, tlog-proofs and evidence bundles.");
MerkleCommands.AddTo(root);
NoteCommands.AddTo(root);
ProofCommands.AddTo(root);
BundleCommands.AddTo(root);
ReportCommands.AddTo(root);
return Cli.Run(root, args);
