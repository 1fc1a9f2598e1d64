using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace EdgeGateway.Mqtt.Broker;

/// <summary>How the gateway's embedded broker listens and whom it lets in.</summary>
public sealed record EmbeddedBrokerOptions
{
    /// <summary>The address both listeners bind to: <see cref="IPAddress.Any"/> for sensor nodes on the site's
    /// network, <see cref="IPAddress.Loopback"/> for this machine only.</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    /// <summary>Plain MQTT listener; null for none (TLS only).</summary>
    public int? Port { get; init; } = 1883;

    /// <summary>MQTT over TLS listener; null for none. Needs <see cref="Certificate"/>.</summary>
    public int? TlsPort { get; init; }

    /// <summary>The broker's certificate with its private key (TLS listener only).</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>CA certificates that sign client certificates; when set, a TLS client must present one that
    /// chains to them (and may then connect without a password).</summary>
    public X509Certificate2Collection? ClientCertificateAuthorities { get; init; }

    /// <summary>Who may connect with a username and password.</summary>
    public BrokerUsers Users { get; init; } = BrokerUsers.None;

    /// <summary>Let clients connect without a username (for a closed test network only).</summary>
    public bool AllowAnonymous { get; init; }

    /// <summary>Who may publish where: (username or null, topic) → allowed. A refused publish is dropped and
    /// its connection closed. Everything is allowed when null.</summary>
    public Func<string?, string, bool>? MayPublish { get; init; }

    /// <summary>Accept plain (non-TLS) connections from this machine only: with a TLS listener for the site's
    /// network, the plain listener is the gateway's own.</summary>
    public bool PlainLoopbackOnly { get; init; }

    /// <summary>Messages the broker keeps for one client that is slow or away (persistent session); the oldest
    /// go first beyond this.</summary>
    public int MaxPendingMessagesPerClient { get; init; } = 10_000;
}
