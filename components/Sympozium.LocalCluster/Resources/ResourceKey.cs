namespace Sympozium.LocalCluster;

/// <summary>Identifies a served resource: API group ("" for core), version and plural name.</summary>
public sealed record ResourceKey(string Group, string Version, string Plural)
{
    /// <summary>"v1" for core, "group/version" otherwise, as in an object's apiVersion.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>"pods" or "deployments.apps", the form Kubernetes error messages use.</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <inheritdoc />
    public override string ToString() => $"{ApiVersion}/{Plural}";
}
