using System.CommandLine;
using AnchorNode.Configuration;
using Firmware.Contracts.Ledger;
using Firmware.Contracts.Notes;

namespace AnchorNode.Cli;

/// <summary><c>init</c>, <c>members</c>, <c>genesis</c> and <c>org</c>: setting a node and its consortium up.</summary>
internal static class SetupCommands
{
    public static void AddTo(RootCommand root)
    {
        root.Subcommands.Add(Init());
        root.Subcommands.Add(Members());
        root.Subcommands.Add(Genesis());
        root.Subcommands.Add(Organisations());
    }

    private static Command Init()
    {
        var data = NodeCli.DataOption();
        var consortium = new Option<string>("--consortium") { Description = "The consortium id (a-z 0-9 . _ -); every member uses the same", Required = true };
        var member = new Option<string>("--member") { Description = "This member's name, also its key name in signatures", Required = true };
        var role = new Option<string>("--role") { Description = "This member's roles if it founds the consortium: operator, lender, auditor, regulator (comma-separated) or none", DefaultValueFactory = _ => "operator" };
        var etcd = new Option<string?>("--etcd") { Description = "The consortium's etcd client URLs, comma-separated (http://host:2379,...): entries are then ordered by that cluster for every member node (docs/consortium.md); without it this node orders alone" };
        var command = new Command("init", "Create a data folder: a new P-256 member key (mode 0600), node.json and the database. Prints the member's key name and public key.")
        {
            data, consortium, member, role, etcd,
        };
        command.SetAction(parse =>
        {
            var folder = new DataFolder(parse.GetValue(data)!);
            var config = new NodeConfig { Consortium = parse.GetValue(consortium)!, Member = parse.GetValue(member)!, Roles = parse.GetValue(role)! };
            if (parse.GetValue(etcd) is { } endpoints)
            {
                config.Etcd = new EtcdSettings { Endpoints = endpoints.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) };
            }
            if (config.Problem() is { } problem)
            {
                throw new UsageException(problem);
            }
            if (File.Exists(folder.ConfigFile) || File.Exists(folder.KeyFile))
            {
                throw new UsageException($"--data {folder.Path} is initialised already; use another folder (a member key is never replaced)");
            }
            using var signer = folder.Initialise(config);
            NodeCli.Print("consortium", config.Consortium);
            NodeCli.Print("origin", config.Origin);
            NodeCli.Print("member", config.Member);
            NodeCli.Print("roles", config.Roles);
            NodeCli.Print("ordering", config.Etcd is { } ordered ? $"etcd {string.Join(',', ordered.Endpoints)} (prefix {ordered.PrefixFor(config.Consortium)})" : "this node (SQLite)");
            NodeCli.Print("key-id", signer.KeyId.ToString("x8", System.Globalization.CultureInfo.InvariantCulture));
            NodeCli.Print("public-key", Convert.ToBase64String(signer.PublicKey.Span));
            NodeCli.Print("verifier-key", $"{config.Member}={Convert.ToBase64String(signer.PublicKey.Span)}");
            return NodeCli.Ok;
        });
        return command;
    }

    private static Command Members()
    {
        var members = new Command("members", "The consortium's members: list them, or name founding members before the genesis.");

        var data = NodeCli.DataOption();
        var name = new Option<string>("--name") { Description = "The member's name (its key name)", Required = true };
        var key = new Option<string>("--key") { Description = "The member's public key, base64 DER SPKI (as its 'init' printed it)", Required = true };
        var role = new Option<string>("--role") { Description = "Its roles: operator, lender, auditor, regulator (comma-separated, in that order) or none", DefaultValueFactory = _ => "none" };
        var add = new Command("add", "Name a founding member for the genesis entry (before 'genesis' only).") { data, name, key, role };
        add.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var added = node.Founding.AddFounder(parse.GetValue(name)!, parse.GetValue(role)!, parse.GetValue(key)!);
            if (!added.Succeeded)
            {
                return added.Failure!.Code == LedgerFailures.EntryField ? throw new UsageException(added.Failure.Message) : NodeCli.Fail(added.Failure);
            }
            NodeCli.Print("founder", parse.GetValue(name));
            return NodeCli.Ok;
        });
        members.Subcommands.Add(add);

        var data2 = NodeCli.DataOption();
        var list = new Command("list", "List the ledger's members (or, before the genesis, the founders named so far).") { data2 };
        list.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data2)!);
            using var lease = node.Readers.Rent();
            var state = lease.Reader.State;
            if (state.Quorum == 0)
            {
                NodeCli.Print("genesis", "not yet written");
                foreach (var founder in node.Founding.Founders())
                {
                    NodeCli.Print("founder", founder.ToValue());
                }
                return NodeCli.Ok;
            }
            NodeCli.Print("quorum", state.Quorum);
            foreach (var member in state.Members())
            {
                NodeCli.Print("member", $"{member.Name} {MemberRoleNames.Format(member.Roles)} {member.PublicKey} admitted-at {member.AdmittedAt}");
            }
            return NodeCli.Ok;
        });
        members.Subcommands.Add(list);
        return members;
    }

    private static Command Genesis()
    {
        var data = NodeCli.DataOption();
        var quorum = new Option<int?>("--quorum") { Description = "Member signatures needed to admit a new member later (default: a majority of the founders)" };
        var command = new Command("genesis", "Write the genesis entry: this member and the founders named with 'members add', signed with this member's key.") { data, quorum };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            var result = await node.Founding.CreateGenesisAsync(parse.GetValue(quorum), cancellationToken);
            if (!result.Succeeded)
            {
                return result.Failure!.Code == LedgerFailures.EntryField ? throw new UsageException(result.Failure.Message) : NodeCli.Fail(result.Failure);
            }
            var signed = await node.Checkpointer.SignIfGrownAsync(cancellationToken);
            NodeCli.Print("ledger-index", result.Value.Index);
            foreach (var founder in node.Founding.Founders())
            {
                NodeCli.Print("member", founder.ToValue());
            }
            NodeCli.Print("checkpoint-size", signed?.Size);
            return NodeCli.Ok;
        });
        return command;
    }

    private static Command Organisations()
    {
        var org = new Command("org", "Organisations that call the API, each with one role, and their API keys.");

        var data = NodeCli.DataOption();
        var name = new Option<string>("--name") { Description = "The organisation's name", Required = true };
        var role = new Option<string>("--role") { Description = "operator, lender, auditor or regulator", Required = true };
        var add = new Command("add", "Add an organisation and print its first API key (shown once: only its hash is stored).") { data, name, role };
        add.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data)!);
            string key;
            try
            {
                key = node.Organisations.Add(parse.GetValue(name)!, parse.GetValue(role)!);
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }
            NodeCli.Print("org", parse.GetValue(name));
            NodeCli.Print("role", parse.GetValue(role));
            NodeCli.Print("api-key", key);
            return NodeCli.Ok;
        });
        org.Subcommands.Add(add);

        var data2 = NodeCli.DataOption();
        var name2 = new Option<string>("--name") { Description = "The organisation's name", Required = true };
        var addKey = new Command("add-key", "Issue another API key for an organisation (e.g. to rotate keys).") { data2, name2 };
        addKey.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data2)!);
            string key;
            try
            {
                key = node.Organisations.AddKey(parse.GetValue(name2)!);
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }
            NodeCli.Print("org", parse.GetValue(name2));
            NodeCli.Print("api-key", key);
            return NodeCli.Ok;
        });
        org.Subcommands.Add(addKey);

        var data3 = NodeCli.DataOption();
        var keyId = new Option<string>("--key-id") { Description = "The key id: the 12 hex digits after 'etk_'", Required = true };
        var revoke = new Command("revoke-key", "Revoke an API key; requests with it get 401 from then on.") { data3, keyId };
        revoke.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data3)!);
            if (!node.Organisations.RevokeKey(parse.GetValue(keyId)!))
            {
                throw new UsageException($"no active API key with id '{parse.GetValue(keyId)}'; see 'org list'");
            }
            NodeCli.Print("revoked", parse.GetValue(keyId));
            return NodeCli.Ok;
        });
        org.Subcommands.Add(revoke);

        var data4 = NodeCli.DataOption();
        var list = new Command("list", "List organisations, roles and active key ids.") { data4 };
        list.SetAction(async (parse, cancellationToken) =>
        {
            await using var node = NodeCli.Open(parse.GetValue(data4)!);
            foreach (var (organisation, keys) in node.Organisations.List())
            {
                NodeCli.Print("org", $"{organisation.Name} {organisation.Role} keys={string.Join(',', keys)}");
            }
            return NodeCli.Ok;
        });
        org.Subcommands.Add(list);
        return org;
    }
}
