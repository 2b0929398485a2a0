using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sympozium.Webhook.Certificates;

/// <summary>The certificate Kestrel serves and the CA the API server must trust (PEM, null when unknown).</summary>
public sealed class ServingCertificate(X509Certificate2 certificate, string certificatePem, string keyPem, string? caPem) : IDisposable
{
    /// <summary>How long a generated certificate is valid.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(365);

    /// <summary>A stored certificate this close to expiry is replaced at start.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    public X509Certificate2 Certificate => certificate;

    public string CertificatePem => certificatePem;

    public string KeyPem => keyPem;

    public string? CaPem => caPem;

    /// <summary>A new CA (ECDSA P-256) and a serving certificate it signs for <paramref name="hosts"/> (DNS names or IP addresses).</summary>
    public static ServingCertificate Generate(IEnumerable<string> hosts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var names = hosts.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=sympozium-webhook-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now + Lifetime + TimeSpan.FromDays(1));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + (names.FirstOrDefault() ?? "sympozium-webhook"), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var host in names)
        {
            if (IPAddress.TryParse(host, out var ip))
            {
                san.AddIpAddress(ip);
            }
            else
            {
                san.AddDnsName(host);
            }
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var signed = request.Create(ca, now.AddMinutes(-5), now + Lifetime, serial);
        return FromPem(signed.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem(), ca.ExportCertificatePem());
    }

    /// <summary>Loads PEM text (certificate chain first entry, PKCS#8 or SEC1 key).</summary>
    public static ServingCertificate FromPem(string certificatePem, string keyPem, string? caPem)
    {
        using var ephemeral = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        // Re-imported so the private key is a persisted one, which TLS on every platform accepts.
        var certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        return new ServingCertificate(certificate, certificatePem, keyPem, caPem);
    }

    /// <summary>True when the certificate covers every host and is not close to expiry.</summary>
    public bool Covers(IEnumerable<string> hosts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        if (certificate.NotAfter.ToUniversalTime() - now.UtcDateTime < RenewBefore)
        {
            return false;
        }

        return hosts.All(host => IPAddress.TryParse(host, out _)
            ? certificate.MatchesHostname(host, allowWildcards: false, allowCommonName: false)
            : certificate.MatchesHostname(host, allowWildcards: true, allowCommonName: false));
    }

    public void Dispose() => certificate.Dispose();
}
