using k8s;

namespace Sympozium.Kubernetes.Client;

/// <summary>
/// An authenticated connection to the API server (kubeconfig or in-cluster service account),
/// shared by the typed KubernetesClient and our raw resource clients.
/// </summary>
public sealed class KubernetesConnection : IDisposable
{
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

    /// <summary>Default namespace of the configuration (the pod's namespace in-cluster).</summary>
    public string? Namespace { get; }

    /// <summary>From a kubeconfig file (the local cluster writes one).</summary>
    public static KubernetesConnection FromKubeconfig(string path, string? context = null) =>
        new(KubernetesClientConfiguration.BuildConfigFromConfigFile(path, context));

    /// <summary>In-cluster when running in a pod, else $KUBECONFIG, else ~/.kube/config.</summary>
    public static KubernetesConnection FromEnvironment() => new(KubernetesClientConfiguration.BuildDefaultConfig());

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
