using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using AnchorNode.Configuration;
using AnchorNode.Storage;
using Microsoft.Data.Sqlite;

namespace AnchorNode.Auth;

/// <summary>The roles of API clients.</summary>
public static class Roles
{
    /// <summary>Enrols and revokes devices, registers lots.</summary>
    public const string Operator = "operator";

    /// <summary>Pledges and reads reports.</summary>
    public const string Lender = "lender";

    /// <summary>Reads everything.</summary>
    public const string Auditor = "auditor";

    /// <summary>Freezes and unfreezes receipts (a supervisor or a court's agent); reads everything.</summary>
    public const string Regulator = "regulator";

    /// <summary>Every role.</summary>
    public static readonly IReadOnlyList<string> All = [Operator, Lender, Auditor, Regulator];
}

/// <summary>An organisation allowed to call the API.</summary>
/// <param name="Name">Its name.</param>
/// <param name="Role">Its role.</param>
public sealed record Organisation(string Name, string Role);

/// <summary>
/// Organisations and their API keys. A key is <c>etk_&lt;12 hex id&gt;_&lt;43 base64url secret&gt;</c>
/// (256 random bits); only SHA-256 of the secret is stored and it is compared in constant time.
/// A brute-force guess has to find a 256-bit preimage, so no slow hash is needed.
/// </summary>
public sealed partial class OrganisationStore
{
    private readonly NodeDatabase _database;
    private readonly IRandomSource _random;
    private readonly TimeProvider _time;

    /// <summary>A store in <paramref name="database"/>.</summary>
    public OrganisationStore(NodeDatabase database, IRandomSource random, TimeProvider time)
    {
        _database = database;
        _random = random;
        _time = time;
    }

    /// <summary>Checks an organisation name: 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit.</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    /// <summary>Adds an organisation and returns its first API key (shown once; only its hash is kept).</summary>
    /// <exception cref="ArgumentException">When the name or role is invalid or the name is taken.</exception>
    public string Add(string name, string role)
    {
        if (!IsValidName(name))
        {
            throw new ArgumentException($"organisation name '{name}' must be 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit", nameof(name));
        }
        if (!Roles.All.Contains(role))
        {
            throw new ArgumentException($"role '{role}' must be one of {string.Join(", ", Roles.All)}", nameof(role));
        }
        using var connection = _database.OpenWriter();
        using var tx = connection.BeginTransaction();
        using (var exists = connection.CreateCommand())
        {
            exists.Transaction = tx;
            exists.CommandText = "SELECT 1 FROM orgs WHERE name = $name";
            exists.Parameters.AddWithValue("$name", name);
            if (exists.ExecuteScalar() is not null)
            {
                throw new ArgumentException($"organisation '{name}' exists; use 'org add-key' to give it another key", nameof(name));
            }
        }
        using (var insert = connection.CreateCommand())
        {
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO orgs (name, role, created_ms) VALUES ($name, $role, $now)";
            insert.Parameters.AddWithValue("$name", name);
            insert.Parameters.AddWithValue("$role", role);
            insert.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
            insert.ExecuteNonQuery();
        }
        var key = NewKey(connection, tx, name);
        tx.Commit();
        return key;
    }

    /// <summary>Issues another API key for an existing organisation.</summary>
    /// <exception cref="ArgumentException">When the organisation does not exist.</exception>
    public string AddKey(string name)
    {
        using var connection = _database.OpenWriter();
        using var tx = connection.BeginTransaction();
        using (var exists = connection.CreateCommand())
        {
            exists.Transaction = tx;
            exists.CommandText = "SELECT 1 FROM orgs WHERE name = $name";
            exists.Parameters.AddWithValue("$name", name);
            if (exists.ExecuteScalar() is null)
            {
                throw new ArgumentException($"no organisation '{name}'; add it with 'org add'", nameof(name));
            }
        }
        var key = NewKey(connection, tx, name);
        tx.Commit();
        return key;
    }

    /// <summary>Revokes a key by its id (the 12 hex digits after <c>etk_</c>); false when there is no such active key.</summary>
    public bool RevokeKey(string keyId)
    {
        using var connection = _database.OpenWriter();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE api_keys SET revoked_ms = $now WHERE key_id = $id AND revoked_ms IS NULL";
        command.Parameters.AddWithValue("$id", keyId);
        command.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        return command.ExecuteNonQuery() == 1;
    }

    /// <summary>Every organisation with its active key ids.</summary>
    public List<(Organisation Organisation, List<string> KeyIds)> List()
    {
        using var connection = _database.OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT o.name, o.role, k.key_id FROM orgs o LEFT JOIN api_keys k ON k.org = o.name AND k.revoked_ms IS NULL ORDER BY o.name, k.created_ms";
        using var reader = command.ExecuteReader();
        var list = new List<(Organisation, List<string>)>();
        while (reader.Read())
        {
            var name = reader.GetString(0);
            if (list.Count == 0 || list[^1].Item1.Name != name)
            {
                list.Add((new Organisation(name, reader.GetString(1)), []));
            }
            if (!reader.IsDBNull(2))
            {
                list[^1].Item2.Add(reader.GetString(2));
            }
        }
        return list;
    }

    /// <summary>The organisation an API key belongs to, or null when the key is unknown, revoked or malformed.</summary>
    public Organisation? Authenticate(NodeReader reader, string apiKey)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var match = KeyPattern().Match(apiKey ?? "");
        if (!match.Success)
        {
            return null;
        }
        var command = reader.Command("SELECT k.secret_sha256, o.name, o.role FROM api_keys k JOIN orgs o ON o.name = k.org WHERE k.key_id = $p0 AND k.revoked_ms IS NULL", 1);
        command.Parameters[0].Value = match.Groups[1].Value;
        using var rows = command.ExecuteReader();
        var presented = SHA256.HashData(Encoding.ASCII.GetBytes(match.Groups[2].Value));
        if (!rows.Read())
        {
            // Spend the same work as a found key, so timing does not tell key ids apart.
            CryptographicOperations.FixedTimeEquals(presented, new byte[32]);
            return null;
        }
        var stored = (byte[])rows.GetValue(0);
        return CryptographicOperations.FixedTimeEquals(presented, stored) ? new Organisation(rows.GetString(1), rows.GetString(2)) : null;
    }

    private string NewKey(SqliteConnection connection, SqliteTransaction tx, string org)
    {
        Span<byte> id = stackalloc byte[6];
        Span<byte> secret = stackalloc byte[32];
        _random.Fill(id);
        _random.Fill(secret);
        var keyId = Convert.ToHexStringLower(id);
        var secretText = Convert.ToBase64String(secret).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        using var insert = connection.CreateCommand();
        insert.Transaction = tx;
        insert.CommandText = "INSERT INTO api_keys (key_id, org, secret_sha256, created_ms) VALUES ($id, $org, $hash, $now)";
        insert.Parameters.AddWithValue("$id", keyId);
        insert.Parameters.AddWithValue("$org", org);
        insert.Parameters.AddWithValue("$hash", SHA256.HashData(Encoding.ASCII.GetBytes(secretText)));
        insert.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        insert.ExecuteNonQuery();
        return $"etk_{keyId}_{secretText}";
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\\z")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^etk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})\\z")]
    private static partial Regex KeyPattern();
}
