using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;

namespace EdgeGateway.Mqtt;

// TLS: the broker's certificate must chain to the configured CA (or, without one, to the system's trust
// store) and name the host; the client certificate, if any, is loaded once. Why a handshake was refused is
// kept per attempt, so that the failure can say which check failed instead of .NET's generic "rejected by
// the validation callback".
public sealed partial class MqttNetClient
{
    private volatile string? _tlsProblem;

    private MqttClientTlsOptions TlsOptions(TlsSettings tls) => new MqttClientTlsOptionsBuilder()
        .UseTls()
        .WithTargetHost(_options.Host)
        .WithCertificateValidationHandler(e => ValidateBroker(tls, e.Certificate, e.SslPolicyErrors))
        .WithClientCertificates(tls.ClientCertificates)
        .Build();

    private bool ValidateBroker(TlsSettings tls, X509Certificate? certificate, SslPolicyErrors errors)
    {
        var problem = tls.Check(certificate, errors, _options.Host);
        _tlsProblem = problem;
        return problem is null;
    }

    /// <summary>The CA certificates and the client certificate of <see cref="MqttTlsOptions"/>, loaded once.</summary>
    internal sealed class TlsSettings
    {
        private readonly X509Certificate2Collection? _authorities;
        private readonly string? _caFile;

        private TlsSettings(X509Certificate2Collection? authorities, string? caFile, X509Certificate2Collection clientCertificates)
        {
            _authorities = authorities;
            _caFile = caFile;
            ClientCertificates = clientCertificates;
        }

        public X509Certificate2Collection ClientCertificates { get; }

        /// <exception cref="ArgumentException">A file is not a PEM certificate or key (the message names the field).</exception>
        public static TlsSettings Load(MqttTlsOptions options)
        {
            X509Certificate2Collection? authorities = null;
            if (!string.IsNullOrEmpty(options.CaFile))
            {
                authorities = [];
                try
                {
                    authorities.ImportFromPemFile(options.CaFile);
                }
                catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
                {
                    throw new ArgumentException($"MqttOptions.Tls.CaFile '{options.CaFile}' cannot be used: {e.Message}", e);
                }
                if (authorities.Count == 0)
                {
                    throw new ArgumentException($"MqttOptions.Tls.CaFile '{options.CaFile}' holds no PEM certificate.");
                }
            }
            var client = new X509Certificate2Collection();
            if (options.CertFile is { } certFile && options.KeyFile is { } keyFile)
            {
                try
                {
                    client.Add(X509Certificate2.CreateFromPemFile(certFile, keyFile));
                }
                catch (Exception e) when (e is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
                {
                    throw new ArgumentException(
                        $"MqttOptions.Tls.CertFile '{certFile}' and KeyFile '{keyFile}' cannot be used as the client certificate (the key must be an unencrypted PEM key of that certificate): {e.Message}", e);
                }
            }
            return new TlsSettings(authorities, options.CaFile, client);
        }

        /// <returns>Why the broker's certificate is not accepted, or null when it is.</returns>
        public string? Check(X509Certificate? presented, SslPolicyErrors errors, string host)
        {
            if (presented is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            {
                return "the broker presented no certificate";
            }
            using var certificate = new X509Certificate2(presented);
            if (_authorities is null)
            {
                if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
                {
                    return "its certificate does not chain to a CA in the system's trust store; give the CA that signed it in MqttOptions.Tls.CaFile";
                }
            }
            else
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(_authorities);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                if (!chain.Build(certificate))
                {
                    var status = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct());
                    return $"its certificate does not chain to a CA in MqttOptions.Tls.CaFile ('{_caFile}') ({status})";
                }
            }
            if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
            {
                var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()
                    .SelectMany(san => san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(ip => ip.ToString())))
                    .ToList();
                return $"its certificate does not name '{host}' (it names {(names.Count == 0 ? certificate.Subject : string.Join(", ", names))}); " +
                    "connect by a name the certificate carries (MqttOptions.Host), or have the broker's certificate reissued";
            }
            return null;
        }
    }
}
