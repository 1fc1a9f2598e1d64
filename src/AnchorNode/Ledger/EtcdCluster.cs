using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using AnchorNode.Configuration;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace AnchorNode.Ledger;

/// <summary>
/// The consortium's etcd cluster as this node reaches it: one client per member endpoint, used in
/// turn. A call that fails because its member is down, partitioned or slow moves to the next member;
/// every read here is linearizable and every write a transaction, so any member gives the same answer.
/// </summary>
internal sealed class EtcdCluster : IDisposable
{
    private readonly EtcdClient[] _clients;
    private readonly string[] _endpoints;
    private readonly TimeSpan _timeout;
    private int _current;

    public EtcdCluster(EtcdSettings settings, string prefix)
    {
        _endpoints = settings.Endpoints;
        _timeout = TimeSpan.FromMilliseconds(settings.TimeoutMs);
        Keys = new EtcdLedgerKeys(prefix);
        X509Certificate2Collection? trust;
        X509Certificate2? clientCertificate;
        try
        {
            trust = settings.CaFile is { } ca ? LoadCa(ca) : null;
            clientCertificate = settings.CertFile is { } cert ? X509Certificate2.CreateFromPemFile(cert, settings.KeyFile) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new InvalidDataException($"etcd.caFile/certFile/keyFile ({settings.CaFile ?? settings.CertFile}): the PEM file cannot be read: {e.Message}", e);
        }
        _clients = _endpoints.Select(endpoint => endpoint.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            ? new EtcdClient(endpoint, configureSslOptions: ssl => ConfigureTls(ssl, trust, clientCertificate))
            : new EtcdClient(endpoint, configureChannelOptions: options => options.Credentials = ChannelCredentials.Insecure)).ToArray();
    }

    /// <summary>Where the ledger lives in etcd.</summary>
    public EtcdLedgerKeys Keys { get; }

    /// <summary>The endpoint calls go to now.</summary>
    public string Current => _endpoints[Volatile.Read(ref _current) % _endpoints.Length];

    /// <summary>
    /// Runs <paramref name="call"/> on the current member, moving on to the next member when it fails
    /// for a reason another member may not have; after one round of members the last error is thrown.
    /// </summary>
    public async Task<T> CallAsync<T>(Func<EtcdClient, DateTime, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        Exception? last = null;
        for (var tried = 0; tried < _clients.Length; tried++)
        {
            var index = Volatile.Read(ref _current);
            try
            {
                return await call(_clients[index % _clients.Length], DateTime.UtcNow + _timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown or StatusCode.Aborted or StatusCode.ResourceExhausted && !cancellationToken.IsCancellationRequested)
            {
                last = e;
                Interlocked.CompareExchange(ref _current, (index + 1) % _clients.Length, index);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                // The client library reports a passed deadline as a cancellation.
                last = e;
                Interlocked.CompareExchange(ref _current, (index + 1) % _clients.Length, index);
            }
        }
        var detail = last is RpcException rpc ? rpc.Status.Detail : $"no answer within {_timeout.TotalMilliseconds:F0} ms";
        throw new EtcdUnavailableException($"no member of the etcd cluster answered ({string.Join(", ", _endpoints)}): {detail}", last);
    }

    /// <summary>A linearizable range read.</summary>
    public Task<RangeResponse> RangeAsync(RangeRequest request, CancellationToken cancellationToken) =>
        CallAsync((client, deadline, token) => client.GetAsync(request, null, deadline, token), cancellationToken);

    /// <summary>A transaction.</summary>
    public Task<TxnResponse> TxnAsync(TxnRequest request, CancellationToken cancellationToken) =>
        CallAsync((client, deadline, token) => client.TransactionAsync(request, null, deadline, token), cancellationToken);

    /// <summary>The value of one key, or null when it is absent.</summary>
    public async Task<ByteString?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var response = await RangeAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(key) }, cancellationToken).ConfigureAwait(false);
        return response.Kvs.Count == 0 ? null : response.Kvs[0].Value;
    }

    /// <summary>The ledger size etcd holds (0 before the genesis).</summary>
    public async Task<long> SizeAsync(CancellationToken cancellationToken) =>
        EtcdLedgerKeys.ParseNumber(await GetAsync(Keys.Size, cancellationToken).ConfigureAwait(false));

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }

    private static X509Certificate2Collection LoadCa(string path)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        return collection;
    }

    private static void ConfigureTls(SslClientAuthenticationOptions ssl, X509Certificate2Collection? trust, X509Certificate2? clientCertificate)
    {
        if (clientCertificate is not null)
        {
            ssl.ClientCertificates = [clientCertificate];
        }
        if (trust is null)
        {
            return;
        }
        // The consortium's own CA, not the system's: etcd peers are not public web servers.
        ssl.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
            {
                return false;
            }
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(trust);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(new X509Certificate2(certificate));
        };
    }
}

/// <summary>
/// The keys of one consortium's ledger in etcd (docs/spec-ledger.md §6): <c>size</c>, the entries
/// <c>e/&lt;index&gt;</c>, the checkpoint seals <c>seal/&lt;size&gt;</c> and each member's signature
/// line on a sealed checkpoint <c>sig/&lt;size&gt;/&lt;member&gt;</c>. Numbers are 20 digits so that
/// keys sort as numbers.
/// </summary>
internal sealed class EtcdLedgerKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    public string Size { get; } = prefix + "size";

    /// <summary>The index below which entries (and seals and signatures) were deleted from etcd.</summary>
    public string Trimmed { get; } = prefix + "trimmed";

    /// <summary>The prefix of the signature lines on the checkpoint of size <paramref name="size"/>.</summary>
    public string Signatures(long size) => $"{Prefix}sig/{Number(size)}/";

    public string Entry(long index) => $"{Prefix}e/{Number(index)}";

    public string Seal(long size) => $"{Prefix}seal/{Number(size)}";

    public string Signature(long size, string member) => $"{Prefix}sig/{Number(size)}/{member}";

    /// <summary>The end of the prefix's range (the prefix with its last byte incremented).</summary>
    public ByteString RangeEnd => ByteString.CopyFromUtf8(EtcdClient.GetRangeEnd(Prefix));

    /// <summary>What a key under the prefix names.</summary>
    public (EtcdKeyKind Kind, long Number, string? Member) Parse(string key)
    {
        if (!key.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return (EtcdKeyKind.Other, 0, null);
        }
        var rest = key.AsSpan(Prefix.Length);
        if (rest.SequenceEqual("size"))
        {
            return (EtcdKeyKind.Size, 0, null);
        }
        if (rest.SequenceEqual("trimmed"))
        {
            return (EtcdKeyKind.Other, 0, null);
        }
        if (rest.StartsWith("e/") && long.TryParse(rest[2..], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
        {
            return (EtcdKeyKind.Entry, index, null);
        }
        if (rest.StartsWith("seal/") && long.TryParse(rest[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var sealedSize))
        {
            return (EtcdKeyKind.Seal, sealedSize, null);
        }
        if (rest.StartsWith("sig/") && rest[4..].IndexOf('/') is var slash and > 0
            && long.TryParse(rest[4..][..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var signedSize))
        {
            return (EtcdKeyKind.Signature, signedSize, rest[4..][(slash + 1)..].ToString());
        }
        return (EtcdKeyKind.Other, 0, null);
    }

    public static string Number(long value) => value.ToString("D20", CultureInfo.InvariantCulture);

    public static ByteString NumberValue(long value) => ByteString.CopyFromUtf8(value.ToString(CultureInfo.InvariantCulture));

    public static long ParseNumber(ByteString? value) =>
        value is null || value.IsEmpty ? 0 : long.Parse(value.ToStringUtf8(), NumberStyles.None, CultureInfo.InvariantCulture);
}

internal enum EtcdKeyKind
{
    Other,
    Size,
    Entry,
    Seal,
    Signature,
}

/// <summary>The etcd cluster could not be reached, or has no quorum; nothing was decided by this call.</summary>
public sealed class EtcdUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
