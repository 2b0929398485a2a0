using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Authentication;
using Sympozium.Api.WellKnown;

namespace Sympozium.Kubernetes.Client;

/// <summary>
/// An authenticated connection to the API server (kubeconfig or in-cluster service account),
/// shared by the typed KubernetesClient and our raw resource clients.
/// </summary>
public sealed class KubernetesConnection : IDisposable
{
    private const string ServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount";

    private readonly k8s.Kubernetes _client;

    private KubernetesConnection(KubernetesClientConfiguration configuration)
    {
        _client = new k8s.Kubernetes(configuration);
        Namespace = configuration.Namespace;
    }

    /// <summary>The typed KubernetesClient for built-in APIs.</summary>
    public IKubernetes Typed => _client;

    /// <summary>The API server's base URI.</summary>
    public Uri BaseUri => _client.BaseUri;

    /// <summary>GET and LIST requests sent through this connection's resource clients.</summary>
    public ApiReadCounter Reads { get; } = new();

    /// <summary>Default namespace of the configuration (the pod's namespace in-cluster).</summary>
    public string? Namespace { get; }

    /// <summary>From a kubeconfig file (the local cluster writes one).</summary>
    public static KubernetesConnection FromKubeconfig(string path, string? context = null) =>
        new(KubernetesClientConfiguration.BuildConfigFromConfigFile(path, context));

    /// <summary>
    /// In-cluster when running in a pod (the service account under $SYMPOZIUM_ROOT when that is set,
    /// else at its usual absolute path), else $KUBECONFIG, else ~/.kube/config.
    /// </summary>
    public static KubernetesConnection FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>
    /// <see cref="FromEnvironment()"/> with the environment read through <paramref name="environment"/>.
    /// A pod of the local cluster has its service account files under its root
    /// (<c>$SYMPOZIUM_ROOT/var/run/secrets/kubernetes.io/serviceaccount</c>), which
    /// KubernetesClient's own in-cluster configuration (fixed absolute paths) cannot find.
    /// </summary>
    public static KubernetesConnection FromEnvironment(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return new(InClusterUnderRoot(environment) ?? KubernetesClientConfiguration.BuildDefaultConfig());
    }

    /// <summary>The in-cluster configuration from the service account under a non-/ SYMPOZIUM_ROOT; null when there is none.</summary>
    internal static KubernetesClientConfiguration? InClusterUnderRoot(Func<string, string?> environment)
    {
        var host = environment("KUBERNETES_SERVICE_HOST");
        var root = environment(IpcPaths.RootVariable);
        if (string.IsNullOrEmpty(host) || string.IsNullOrEmpty(root) || root == "/")
        {
            return null;
        }

        var directory = IpcPaths.Resolve(ServiceAccountDirectory, root);
        var tokenPath = Path.Combine(directory, "token");
        if (!File.Exists(tokenPath))
        {
            return null;
        }

        var port = environment("KUBERNETES_SERVICE_PORT") is { Length: > 0 } p ? p : "443";
        var authority = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port}" : $"{host}:{port}"; // IPv6 literal
        var caPath = Path.Combine(directory, "ca.crt");
        var namespacePath = Path.Combine(directory, "namespace");
        return new KubernetesClientConfiguration
        {
            Host = $"https://{authority}",
            TokenProvider = new TokenFileAuth(tokenPath), // re-read as KubernetesClient's in-cluster config does, should the kubelet rotate it
            SslCaCerts = File.Exists(caPath) ? LoadCertificates(caPath) : null,
            Namespace = File.Exists(namespacePath) ? File.ReadAllText(namespacePath).Trim() : null,
        };
    }

    private static X509Certificate2Collection LoadCertificates(string pemPath)
    {
        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(pemPath);
        return certificates;
    }

    /// <summary>Sends a request with the connection's credentials.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.RequestUri is { IsAbsoluteUri: false } relative)
        {
            request.RequestUri = new Uri(BaseUri, relative);
        }

        if (_client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        return await _client.HttpClient.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _client.Dispose();
}
