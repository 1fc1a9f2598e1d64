using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EdgeGateway.Mqtt.Broker;

/// <summary>
/// Usernames and passwords the embedded broker accepts. The file format is mosquitto's password file: one
/// <c>name:secret</c> per line, where the secret is a <c>mosquitto_passwd</c> hash (<c>$7$</c>: PBKDF2-HMAC-SHA512)
/// or, for a quick start, the password itself; blank lines and lines starting with <c>#</c> are skipped.
/// Passwords are compared in constant time.
/// </summary>
public sealed class BrokerUsers
{
    private const string Pbkdf2Sha512 = "$7$";
    private readonly Dictionary<string, Secret> _users;

    private BrokerUsers(Dictionary<string, Secret> users) => _users = users;

    /// <summary>Nobody.</summary>
    public static BrokerUsers None { get; } = new(new Dictionary<string, Secret>(StringComparer.Ordinal));

    /// <summary>The usernames.</summary>
    public IReadOnlyCollection<string> Names => _users.Keys;

    /// <summary>Users with plain passwords (tests, and the gateway's own client).</summary>
    public static BrokerUsers FromPasswords(IReadOnlyDictionary<string, string> passwords)
    {
        ArgumentNullException.ThrowIfNull(passwords);
        return new BrokerUsers(passwords.ToDictionary(p => p.Key, p => Secret.Plain(p.Value), StringComparer.Ordinal));
    }

    /// <summary>Reads a password file.</summary>
    /// <exception cref="FormatException">Naming the line that is not <c>name:secret</c> or holds a malformed hash.</exception>
    public static BrokerUsers Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var users = new Dictionary<string, Secret>(StringComparer.Ordinal);
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == line.Length - 1)
            {
                throw new FormatException($"line {number} is not 'name:password' (or name:$7$… as mosquitto_passwd writes it)");
            }
            var name = line[..colon];
            var secret = line[(colon + 1)..];
            if (!users.TryAdd(name, secret.StartsWith(Pbkdf2Sha512, StringComparison.Ordinal) ? Secret.Hashed(secret, number) : Secret.Plain(secret)))
            {
                throw new FormatException($"line {number}: user '{name}' is listed twice");
            }
        }
        return new BrokerUsers(users);
    }

    /// <summary>These users and one more (replacing a user of the same name).</summary>
    public BrokerUsers With(string name, string password)
    {
        var users = new Dictionary<string, Secret>(_users, StringComparer.Ordinal) { [name] = Secret.Plain(password) };
        return new BrokerUsers(users);
    }

    /// <summary>Whether <paramref name="name"/> exists and <paramref name="password"/> is its password.</summary>
    public bool Check(string? name, string? password) =>
        name is not null && password is not null && _users.TryGetValue(name, out var secret) && secret.Matches(password);

    private sealed class Secret
    {
        private readonly byte[] _expected;
        private readonly byte[]? _salt;
        private readonly int _iterations;

        private Secret(byte[] expected, byte[]? salt, int iterations)
        {
            _expected = expected;
            _salt = salt;
            _iterations = iterations;
        }

        public static Secret Plain(string password) => new(Encoding.UTF8.GetBytes(password), null, 0);

        // $7$<iterations>$<base64 salt>$<base64 PBKDF2-HMAC-SHA512 of 64 bytes>, as mosquitto_passwd 2.0 writes it.
        public static Secret Hashed(string secret, int line)
        {
            var parts = secret.Split('$');
            try
            {
                if (parts.Length == 5 && int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var iterations) && iterations > 0)
                {
                    var hash = Convert.FromBase64String(parts[4]);
                    if (hash.Length == 64) return new Secret(hash, Convert.FromBase64String(parts[3]), iterations);
                }
            }
            catch (FormatException)
            {
                // Reported below.
            }
            throw new FormatException($"line {line} holds a malformed $7$ hash; make it again with mosquitto_passwd");
        }

        public bool Matches(string password)
        {
            var given = _salt is null
                ? Encoding.UTF8.GetBytes(password)
                : Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), _salt, _iterations, HashAlgorithmName.SHA512, _expected.Length);
            return CryptographicOperations.FixedTimeEquals(given, _expected);
        }
    }
}
