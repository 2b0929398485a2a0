using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sympozium.LocalCluster.Security;

/// <summary>
/// The cluster CA and the API server's serving certificate (SANs 127.0.0.1, ::1, localhost),
/// generated once per state directory and reused on restart so an existing kubeconfig stays
/// valid. Also the bearer token clients present.
/// </summary>
internal sealed class ClusterCertificates : IDisposable
{
    private ClusterCertificates(X509Certificate2 ca, X509Certificate2 serving, string token)
    {
        Ca = ca;
        Serving = serving;
        Token = token;
    }

    public X509Certificate2 Ca { get; }

    /// <summary>The serving certificate with its private key.</summary>
    public X509Certificate2 Serving { get; }

    public string Token { get; }

    public static ClusterCertificates LoadOrCreate(string directory)
    {
        var caPath = Path.Combine(directory, "ca.crt");
        var certPath = Path.Combine(directory, "apiserver.crt");
        var keyPath = Path.Combine(directory, "apiserver.key");
        var tokenPath = Path.Combine(directory, "token");
        if (!File.Exists(caPath) || !File.Exists(certPath) || !File.Exists(keyPath) || !File.Exists(tokenPath))
        {
            Create(caPath, certPath, keyPath, tokenPath);
        }

        var ca = X509CertificateLoader.LoadCertificateFromFile(caPath);
        using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        // Kestrel on Linux wants a certificate whose key is not ephemeral: round-trip through PKCS#12.
        var serving = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        return new ClusterCertificates(ca, serving, File.ReadAllText(tokenPath).Trim());
    }

    private static void Create(string caPath, string certPath, string keyPath, string tokenPath)
    {
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=sympozium-local-cluster-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now, now.AddYears(10));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=kube-apiserver", key, HashAlgorithmName.SHA256);
        var sans = new SubjectAlternativeNameBuilder();
        sans.AddIpAddress(IPAddress.Loopback);
        sans.AddIpAddress(IPAddress.IPv6Loopback);
        sans.AddDnsName("localhost");
        sans.AddDnsName("kubernetes.default.svc");
        request.CertificateExtensions.Add(sans.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var serving = request.Create(ca, now, now.AddYears(10), serial);

        File.WriteAllText(caPath, ca.ExportCertificatePem());
        File.WriteAllText(certPath, serving.ExportCertificatePem());
        WritePrivate(keyPath, key.ExportPkcs8PrivateKeyPem());
        WritePrivate(tokenPath, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
    }

    private static void WritePrivate(string path, string content)
    {
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    public void Dispose()
    {
        Ca.Dispose();
        Serving.Dispose();
    }
}
