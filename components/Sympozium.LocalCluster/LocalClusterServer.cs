using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sympozium.LocalCluster.Controllers;
using Sympozium.LocalCluster.Http;
using Sympozium.LocalCluster.Resources;
using Sympozium.LocalCluster.Security;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster;

/// <summary>
/// A running local cluster API server: HTTPS on 127.0.0.1, state in <see cref="LocalClusterOptions.Directory"/>.
/// Start with <see cref="StartAsync"/>, stop with <see cref="DisposeAsync"/> (the store is saved).
/// In-process components (a kubelet, controllers) use <see cref="Store"/> directly.
/// </summary>
public sealed class LocalClusterServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ClusterCertificates _certificates;
    private Kubelet.Kubelet? _kubelet;
    private readonly ControllerManager _controllers;

    private LocalClusterServer(WebApplication app, ClusterCertificates certificates, ObjectStore store, ResourceRegistry registry, LocalClusterOptions options, int port)
    {
        _app = app;
        _certificates = certificates;
        _controllers = new ControllerManager(store, rootCaPem: certificates.Ca.ExportCertificatePem());
        Store = store;
        Registry = registry;
        Options = options;
        Port = port;
    }

    public LocalClusterOptions Options { get; }

    /// <summary>The object store behind the API (watchable; for in-process components).</summary>
    public ObjectStore Store { get; }

    /// <summary>The served resources, including every applied CRD.</summary>
    public ResourceRegistry Registry { get; }

    public int Port { get; }

    public Uri BaseAddress => new($"https://127.0.0.1:{Port}/");

    public string KubeconfigPath => Options.KubeconfigPath;

    /// <summary>The bearer token of the kubeconfig.</summary>
    public string Token => _certificates.Token;

    /// <summary>PEM of the CA that signed the serving certificate.</summary>
    public string CaPem => _certificates.Ca.ExportCertificatePem();

    public static async Task<LocalClusterServer> StartAsync(LocalClusterOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.Directory);
        var nodes = NodeDeclarations.Load(options.NodesFile);
        _ = Kubelet.ImageMap.Load(options.ImagesFile); // a bad --images file fails before serving
        var certificates = ClusterCertificates.LoadOrCreate(options.Directory);
        var store = new ObjectStore(new StoreOptions
        {
            SnapshotPath = Path.Combine(options.Directory, "state.json"),
            WatchWindow = options.WatchWindow,
            SaveInterval = options.SaveInterval,
        });
        var registry = new ResourceRegistry();
        foreach (var (_, crd) in store.All("customresourcedefinitions.apiextensions.k8s.io"))
        {
            registry.RegisterCrd(crd);
        }

        var caPem = certificates.Ca.ExportCertificatePem();
        Bootstrap(store, nodes, caPem);
        var tokens = ServiceAccountTokens.LoadOrCreate(options.Directory, store, TimeProvider.System);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificates.Serving);
            });
            kestrel.Limits.MaxRequestBodySize = 3 * 1024 * 1024; // etcd's 1.5 MiB object limit, with room for YAML
        });
        var app = builder.Build();
        var api = new KubeApi(store, registry, options, certificates.Token, tokens, caPem, TimeProvider.System);
        app.Run(api.HandleAsync);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            await store.DisposeAsync().ConfigureAwait(false);
            certificates.Dispose();
            throw;
        }

        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        Kubeconfig.Write(options.KubeconfigPath, certificates.Ca.ExportCertificatePem(), port, certificates.Token);
        var server = new LocalClusterServer(app, certificates, store, registry, options, port);
        var access = new Kubelet.ApiServerAccess("127.0.0.1", port, caPem, tokens);
        server._kubelet = options.RunKubelet ? Kubelet.Kubelet.Create(store, options, access) : null; // runs pods as processes; stopped first in DisposeAsync
        return server;
    }

    /// <summary>The namespaces every cluster has (each with its "default" ServiceAccount and kube-root-ca.crt), and the declared nodes (labels and annotations refreshed).</summary>
    private static void Bootstrap(ObjectStore store, IReadOnlyList<JsonObject> nodes, string caPem)
    {
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            if (store.TryGet("namespaces", null, ns) is null)
            {
                store.Create("namespaces", new JsonObject
                {
                    ["apiVersion"] = "v1",
                    ["kind"] = "Namespace",
                    ["metadata"] = new JsonObject { ["name"] = ns, ["labels"] = new JsonObject { ["kubernetes.io/metadata.name"] = ns } },
                    ["status"] = new JsonObject { ["phase"] = "Active" },
                });
            }

            ServiceAccountController.EnsureNamespace(store, ns, caPem);
        }

        foreach (var node in nodes)
        {
            var name = ObjectMetadata.Name(node);
            if (store.TryGet("nodes", null, name) is { } existing)
            {
                var meta = ObjectMetadata.Meta(existing);
                meta["labels"] = node["metadata"]!["labels"]!.DeepClone();
                meta["annotations"] = node["metadata"]!["annotations"]?.DeepClone();
                meta.Remove("resourceVersion");
                store.Update("nodes", existing, UpdateMode.All);
            }
            else
            {
                store.Create("nodes", node);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_kubelet is not null)
        {
            await _kubelet.DisposeAsync().ConfigureAwait(false);
        }

        // Open watches end when the store completes their channels; then Kestrel drains.
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            var stopping = _app.StopAsync(stop.Token);
            await _controllers.DisposeAsync().ConfigureAwait(false);
            await Store.DisposeAsync().ConfigureAwait(false);
            await stopping.ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        _certificates.Dispose();
    }
}
