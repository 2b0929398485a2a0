namespace Sympozium.Api;

/// <summary>The API group and version every Sympozium kind is served under.</summary>
public static class ApiGroup
{
    /// <summary>The API group (<c>sympozium.ai</c>).</summary>
    public const string Group = "sympozium.ai";

    /// <summary>The only served and stored version (<c>v1alpha1</c>).</summary>
    public const string Version = "v1alpha1";

    /// <summary><c>sympozium.ai/v1alpha1</c>, the value of <c>apiVersion</c>.</summary>
    public const string ApiVersion = Group + "/" + Version;

    /// <summary>The kubectl category every CRD joins, so <c>kubectl get sympozium</c> lists them all.</summary>
    public const string Category = "sympozium";
}
