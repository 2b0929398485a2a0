using System.Globalization;
using System.Net;
using Sympozium.Api.WellKnown;

namespace Sympozium.Webhook;

/// <summary>The webhook's settings, from the environment its Deployment sets. Defaults live here.</summary>
public sealed record WebhookOptions
{
    /// <summary>HTTPS port (env WEBHOOK_PORT; default 9443, as upstream, so its webhook Service keeps working).</summary>
    public int Port { get; init; } = Defaults.WebhookPort;

    /// <summary>Address to listen on (env WEBHOOK_BIND_ADDRESS; default all IPv4 addresses).</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Any;

    /// <summary>Namespace of the webhook (env POD_NAMESPACE; default sympozium-system): its Service and certificate Secret live there.</summary>
    public string Namespace { get; init; } = Defaults.SystemNamespace;

    /// <summary>The Service in front of the webhook (env WEBHOOK_SERVICE_NAME; default sympozium-webhook-service): the certificate names it.</summary>
    public string ServiceName { get; init; } = "sympozium-webhook-service";

    /// <summary>
    /// Directory with tls.crt and tls.key, e.g. a cert-manager Secret (env WEBHOOK_CERT_DIR;
    /// default /tmp/k8s-webhook-server/serving-certs, upstream's path). When the files exist they
    /// are served and no certificate is generated.
    /// </summary>
    public string CertificateDirectory { get; init; } = "/tmp/k8s-webhook-server/serving-certs";

    /// <summary>
    /// Secret that keeps the generated CA and serving certificate, so replicas and restarts serve
    /// the same CA (env WEBHOOK_CERT_SECRET; default sympozium-webhook-ca; empty keeps it in memory).
    /// </summary>
    public string CertificateSecret { get; init; } = "sympozium-webhook-ca";

    /// <summary>Extra DNS names or IP addresses for the generated certificate (env WEBHOOK_CERT_HOSTS, comma separated).</summary>
    public IReadOnlyList<string> ExtraHosts { get; init; } = [];

    /// <summary>ValidatingWebhookConfiguration to patch the caBundle into (env VALIDATING_WEBHOOK_CONFIGURATION; default sympozium-webhook; empty: none).</summary>
    public string ValidatingConfiguration { get; init; } = "sympozium-webhook";

    /// <summary>MutatingWebhookConfiguration to patch the caBundle into (env MUTATING_WEBHOOK_CONFIGURATION; default sympozium-mutating-webhook; empty: none).</summary>
    public string MutatingConfiguration { get; init; } = "sympozium-mutating-webhook";

    /// <summary>How often the caBundle is checked again, e.g. after a re-apply cleared it (env WEBHOOK_CA_RECHECK_SECONDS; default 30).</summary>
    public TimeSpan CaBundleRecheck { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>DNS names the generated certificate covers: the Service in all its short forms, plus <see cref="ExtraHosts"/>.</summary>
    public IReadOnlyList<string> CertificateHosts =>
    [
        ServiceName,
        $"{ServiceName}.{Namespace}",
        $"{ServiceName}.{Namespace}.svc",
        $"{ServiceName}.{Namespace}.svc.cluster.local",
        .. ExtraHosts,
    ];

    /// <summary>Reads the options; a malformed value is reported with the variable's name.</summary>
    public static WebhookOptions FromEnvironment(Func<string, string?> get)
    {
        ArgumentNullException.ThrowIfNull(get);
        var defaults = new WebhookOptions();
        int Integer(string name, int fallback, int min, int max)
        {
            var text = get(name);
            if (string.IsNullOrEmpty(text))
            {
                return fallback;
            }

            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
                ? value
                : throw new FormatException($"{name}=\"{text}\" must be an integer from {min} to {max}");
        }

        string Text(string name, string fallback) => get(name) ?? fallback;

        var bind = get("WEBHOOK_BIND_ADDRESS");
        return new WebhookOptions
        {
            Port = Integer("WEBHOOK_PORT", defaults.Port, 1, 65535),
            BindAddress = string.IsNullOrEmpty(bind) ? defaults.BindAddress
                : IPAddress.TryParse(bind, out var address) ? address
                : throw new FormatException($"WEBHOOK_BIND_ADDRESS=\"{bind}\" is not an IP address"),
            Namespace = get(EnvironmentVariables.PodNamespace) is { Length: > 0 } ns ? ns : defaults.Namespace,
            ServiceName = get("WEBHOOK_SERVICE_NAME") is { Length: > 0 } service ? service : defaults.ServiceName,
            CertificateDirectory = get("WEBHOOK_CERT_DIR") is { Length: > 0 } dir ? dir : defaults.CertificateDirectory,
            CertificateSecret = Text("WEBHOOK_CERT_SECRET", defaults.CertificateSecret),
            ExtraHosts = (get("WEBHOOK_CERT_HOSTS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            ValidatingConfiguration = Text("VALIDATING_WEBHOOK_CONFIGURATION", defaults.ValidatingConfiguration),
            MutatingConfiguration = Text("MUTATING_WEBHOOK_CONFIGURATION", defaults.MutatingConfiguration),
            CaBundleRecheck = TimeSpan.FromSeconds(Integer("WEBHOOK_CA_RECHECK_SECONDS", (int)defaults.CaBundleRecheck.TotalSeconds, 1, 3600)),
        };
    }
}
