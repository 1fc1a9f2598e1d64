using AnchorNode.Cli;

// The consortium node. Commands: init, members, genesis, org, serve, enroll, revoke,
// clear-equivocation, checkpoint, cosign, export-bundle, status, party, lot, cargo, pledge, sign, demo. Exit codes: 0 done, 1 refused
// (reason printed), 2 bad arguments.
return await NodeCli.RunAsync(args);
