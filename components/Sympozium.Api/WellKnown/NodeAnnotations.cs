namespace Sympozium.Api.WellKnown;

/// <summary>Annotations the node probe writes on Nodes that host inference servers.</summary>
public static class NodeAnnotations
{
    public const string Prefix = Labels.Prefix + "inference-";

    /// <summary><c>true</c> while at least one target answers.</summary>
    public const string Healthy = Prefix + "healthy";

    /// <summary>RFC 3339 UTC time of the last probe.</summary>
    public const string LastProbe = Prefix + "last-probe";

    /// <summary>Port of the probe's reverse proxy (9473).</summary>
    public const string ProxyPort = Prefix + "proxy-port";

    /// <summary>Prefix of the per-target model list annotations.</summary>
    public const string ModelsPrefix = Prefix + "models-";

    /// <summary><c>sympozium.ai/inference-&lt;target&gt;</c>: the port of a live target.</summary>
    public static string Target(string target) => Prefix + target;

    /// <summary><c>sympozium.ai/inference-models-&lt;target&gt;</c>: its comma-separated models.</summary>
    public static string Models(string target) => ModelsPrefix + target;

    /// <summary>True for keys naming a target (not healthy, last-probe, proxy-port or models-*).</summary>
    public static bool IsTargetKey(string key) =>
        key.StartsWith(Prefix, StringComparison.Ordinal)
        && key is not Healthy and not LastProbe and not ProxyPort
        && !key.StartsWith(ModelsPrefix, StringComparison.Ordinal);
}
