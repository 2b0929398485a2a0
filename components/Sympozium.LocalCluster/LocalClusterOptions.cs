namespace Sympozium.LocalCluster;

/// <summary>Options of a <see cref="LocalClusterServer"/>.</summary>
public sealed record LocalClusterOptions
{
    /// <summary>The state directory: kubeconfig, certificates, token and the object snapshot (required).</summary>
    public required string Directory { get; init; }

    /// <summary>The HTTPS port on 127.0.0.1; 0 picks a free one (default: 0).</summary>
    public int Port { get; init; }

    /// <summary>A YAML list of Nodes to declare at start; null declares one node, local-node (default: null).</summary>
    public string? NodesFile { get; init; }

    /// <summary>How often an idle watch with allowWatchBookmarks gets a BOOKMARK (default: 5 s; Kubernetes uses about 1 min).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a watch without timeoutSeconds lasts (default: 30 min, like the real server's 30-60 min).</summary>
    public TimeSpan MaxWatchDuration { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How many recent events a watch can resume from before 410 Gone (default: 10,000).</summary>
    public int WatchWindow { get; init; } = 10_000;

    /// <summary>How often a changed store is saved to DIR/state.json (default: 1 s; also saved at stop).</summary>
    public TimeSpan SaveInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The kubelet's image→executable map file (see Kubelet.ImageMap); null: busybox and alpine only (default: null).</summary>
    public string? ImagesFile { get; init; }

    /// <summary>Whether the kubelet runs pods as processes (default: true); false leaves pods Pending for tests that play the kubelet.</summary>
    public bool RunKubelet { get; init; } = true;

    /// <summary>Kubelet settings beyond the directory and image map (grace-period cap, back-off); null: defaults.</summary>
    public Func<Kubelet.KubeletOptions, Kubelet.KubeletOptions>? ConfigureKubelet { get; init; }

    public string KubeconfigPath => Path.Combine(Directory, "kubeconfig");
}
