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

    private readonly KubernetesClientConfiguration _configuration;
    private readonly HttpClient _http;
    private readonly ServiceClientCredentials? _credentials;
    private k8s.Kubernetes? _typed;

    private KubernetesConnection(KubernetesClientConfiguration configuration)
    {
        _configuration = configuration;
        Namespace = configuration.Namespace;
        var host = string.IsNullOrEmpty(configuration.Host) ? throw new InvalidOperationException("the Kubernetes configuration names no API server (cluster.server in the kubeconfig, or KUBERNETES_SERVICE_HOST in a pod)") : configuration.Host;
        BaseUri = new Uri(host.EndsWith('/') ? host : host + "/");
        _http = new HttpClient(CreateHandler(configuration), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _credentials = CreateCredentials(configuration);
    }

    /// <summary>The typed KubernetesClient for built-in APIs (created on first use, on its own HTTP connection).</summary>
    /// <remarks>
    /// Created here and nowhere else (no delegate refers to its constructor), so an executable that
    /// never reads this property does not contain it: constructing KubernetesClient's client reads
    /// its JSON options, which roots the serialization metadata of every Kubernetes API model in an
    /// AOT binary; the resource clients need none of it.
    /// </remarks>
    public IKubernetes Typed => _typed ??= new k8s.Kubernetes(_configuration);

    /// <summary>The API server's base URI.</summary>
    public Uri BaseUri { get; }

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

        if (_credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        return await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _http.Dispose();
        _typed?.Dispose();
    }

    /// <summary>
    /// The HTTP handler as KubernetesClient sets it up: the configuration's CA bundle (or no check
    /// when skipTlsVerify), its client certificate, keep-alive pings so a silent watch connection is
    /// noticed.
    /// </summary>
    private static SocketsHttpHandler CreateHandler(KubernetesClientConfiguration configuration)
    {
        var handler = new SocketsHttpHandler
        {
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            KeepAlivePingDelay = TimeSpan.FromMinutes(3),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
            EnableMultipleHttp2Connections = true,
        };

        if (configuration.SkipTlsVerify)
        {
            // The kubeconfig asked for it (insecure-skip-tls-verify), as kubectl honours it.
#pragma warning disable CA5359
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        else if (configuration.SslCaCerts is { Count: > 0 } ca)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => TrustedBy(ca, certificate, errors);
        }

        if ((!string.IsNullOrEmpty(configuration.ClientCertificateData) || !string.IsNullOrEmpty(configuration.ClientCertificateFilePath))
            && (!string.IsNullOrEmpty(configuration.ClientCertificateKeyData) || !string.IsNullOrEmpty(configuration.ClientKeyFilePath)))
        {
            handler.SslOptions.ClientCertificates = [ClientCertificate(configuration)];
        }

        return handler;
    }

    /// <summary>The kubeconfig's client certificate and key (inline base64 PEM, or PEM files).</summary>
    private static X509Certificate2 ClientCertificate(KubernetesClientConfiguration configuration)
    {
        static string Pem(string? data, string? path) =>
            !string.IsNullOrEmpty(data) ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data)) : File.ReadAllText(path!);

        return X509Certificate2.CreateFromPem(
            Pem(configuration.ClientCertificateData, configuration.ClientCertificateFilePath),
            Pem(configuration.ClientCertificateKeyData, configuration.ClientKeyFilePath));
    }

    /// <summary>A server certificate is trusted when it chains to one of the configuration's CAs (and names the host).</summary>
    private static bool TrustedBy(X509Certificate2Collection ca, X509Certificate? certificate, System.Net.Security.SslPolicyErrors errors)
    {
        if (errors == System.Net.Security.SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null || errors != System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var server = new X509Certificate2(certificate);
        return chain.Build(server);
    }

    /// <summary>Token (re-read from its provider), static bearer token, or basic auth, as KubernetesClient picks them.</summary>
    private static ServiceClientCredentials? CreateCredentials(KubernetesClientConfiguration configuration) =>
        configuration.TokenProvider is { } provider ? new TokenCredentials(provider)
        : !string.IsNullOrEmpty(configuration.AccessToken) ? new TokenCredentials(configuration.AccessToken)
        : !string.IsNullOrEmpty(configuration.Username) ? new BasicAuthenticationCredentials { UserName = configuration.Username, Password = configuration.Password }
        : null;
}
