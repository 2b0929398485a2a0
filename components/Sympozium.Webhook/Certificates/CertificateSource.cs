using System.Text;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Sympozium.Kubernetes.Client;
using Sympozium.Webhook.Internal;

namespace Sympozium.Webhook.Certificates;

/// <summary>Where the serving certificate came from, for the start-up log line.</summary>
public enum CertificateOrigin
{
    /// <summary>tls.crt/tls.key in the certificate directory (cert-manager or a mounted Secret).</summary>
    Directory,

    /// <summary>Generated earlier and kept in the certificate Secret.</summary>
    Secret,

    /// <summary>Generated now.</summary>
    Generated,
}

/// <summary>
/// Finds the serving certificate at start: files in the certificate directory win (cert-manager
/// mounts its Secret there); else the CA and certificate kept in the certificate Secret, so every
/// replica and restart serves one CA; else a new CA and certificate, stored in that Secret
/// (the first replica to create it wins, the others read it).
/// </summary>
public static class CertificateSource
{
    public const string CaKey = "ca.crt";
    public const string CertificateKey = "tls.crt";
    public const string PrivateKeyKey = "tls.key";

    public static async Task<(ServingCertificate Certificate, CertificateOrigin Origin)> LoadAsync(
        WebhookOptions options, KubernetesConnection? connection, ILogger logger, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var certificateFile = Path.Combine(options.CertificateDirectory, CertificateKey);
        var keyFile = Path.Combine(options.CertificateDirectory, PrivateKeyKey);
        if (File.Exists(certificateFile) && File.Exists(keyFile))
        {
            var caFile = Path.Combine(options.CertificateDirectory, CaKey);
            var ca = File.Exists(caFile) ? await File.ReadAllTextAsync(caFile, cancellationToken).ConfigureAwait(false) : null;
            return (ServingCertificate.FromPem(
                await File.ReadAllTextAsync(certificateFile, cancellationToken).ConfigureAwait(false),
                await File.ReadAllTextAsync(keyFile, cancellationToken).ConfigureAwait(false),
                string.IsNullOrWhiteSpace(ca) ? null : ca), CertificateOrigin.Directory);
        }

        var hosts = options.CertificateHosts;
        if (connection is null || string.IsNullOrEmpty(options.CertificateSecret))
        {
            return (ServingCertificate.Generate(hosts, time.GetUtcNow()), CertificateOrigin.Generated);
        }

        var secrets = new ResourceClient<V1Secret>(connection, ApiResource.Secrets, ResourceSerializer.FromKubernetesClient<V1Secret>());
        for (var attempt = 0; ; attempt++)
        {
            var existing = await secrets.GetAsync(options.Namespace, options.CertificateSecret, cancellationToken).ConfigureAwait(false);
            if (existing is not null && FromSecret(existing) is { } stored)
            {
                if (stored.Covers(hosts, time.GetUtcNow()))
                {
                    return (stored, CertificateOrigin.Secret);
                }

                stored.Dispose();
            }

            var generated = ServingCertificate.Generate(hosts, time.GetUtcNow());
            var secret = ToSecret(generated, options, existing);
            try
            {
                if (existing is null)
                {
                    await secrets.CreateAsync(options.Namespace, secret, cancellationToken).ConfigureAwait(false);
                    Log.CertificateStored(logger, "created", options.Namespace, options.CertificateSecret);
                }
                else
                {
                    await secrets.ReplaceAsync(options.Namespace, options.CertificateSecret, secret, cancellationToken).ConfigureAwait(false);
                    Log.CertificateStored(logger, "renewed", options.Namespace, options.CertificateSecret);
                }

                return (generated, CertificateOrigin.Generated);
            }
            catch (KubernetesApiException e) when ((e.IsAlreadyExists || e.IsConflict) && attempt < 5)
            {
                // Another replica stored one first: use theirs.
                generated.Dispose();
            }
        }
    }

    private static ServingCertificate? FromSecret(V1Secret secret)
    {
        if (secret.Data is not { } data
            || !data.TryGetValue(CertificateKey, out var certificate)
            || !data.TryGetValue(PrivateKeyKey, out var key))
        {
            return null;
        }

        try
        {
            var ca = data.TryGetValue(CaKey, out var caBytes) ? Encoding.UTF8.GetString(caBytes) : null;
            return ServingCertificate.FromPem(Encoding.UTF8.GetString(certificate), Encoding.UTF8.GetString(key), ca);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }

    private static V1Secret ToSecret(ServingCertificate certificate, WebhookOptions options, V1Secret? existing) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Type = "kubernetes.io/tls",
        Metadata = new V1ObjectMeta
        {
            Name = options.CertificateSecret,
            NamespaceProperty = options.Namespace,
            ResourceVersion = existing?.Metadata?.ResourceVersion,
            Labels = new Dictionary<string, string>
            {
                [Api.WellKnown.Labels.AppName] = "sympozium-webhook",
                [Api.WellKnown.Labels.PartOf] = Api.WellKnown.Labels.Values.Sympozium,
            },
        },
        Data = new Dictionary<string, byte[]>
        {
            [CaKey] = Encoding.UTF8.GetBytes(certificate.CaPem ?? ""),
            [CertificateKey] = Encoding.UTF8.GetBytes(certificate.CertificatePem),
            [PrivateKeyKey] = Encoding.UTF8.GetBytes(certificate.KeyPem),
        },
    };
}
