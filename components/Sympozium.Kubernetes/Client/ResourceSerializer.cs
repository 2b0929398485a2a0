using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using k8s;

namespace Sympozium.Kubernetes.Client;

/// <summary>
/// How one kind is read and written: our kinds through <c>SympoziumJsonContext</c>, built-in kinds
/// through KubernetesClient's own source-generated context. No reflection either way.
/// </summary>
public sealed class ResourceSerializer<T>
    where T : class
{
    private readonly Func<string, T?> _deserialize;
    private readonly Func<T, string> _serialize;

    internal ResourceSerializer(Func<string, T?> deserialize, Func<T, string> serialize)
    {
        _deserialize = deserialize;
        _serialize = serialize;
    }

    public T? Deserialize(string json) => _deserialize(json);

    public string Serialize(T value) => _serialize(value);
}

/// <summary>Factories for <see cref="ResourceSerializer{T}"/>.</summary>
public static class ResourceSerializer
{
    /// <summary>For a type of a System.Text.Json source-generated context (our CRD kinds).</summary>
    public static ResourceSerializer<T> FromTypeInfo<T>(JsonTypeInfo<T> typeInfo)
        where T : class =>
        new(json => JsonSerializer.Deserialize(json, typeInfo), value => JsonSerializer.Serialize(value, typeInfo));

    /// <summary>For a KubernetesClient model (V1Job, V1Pod, V1Lease, …).</summary>
    public static ResourceSerializer<T> FromKubernetesClient<T>()
        where T : class =>
        new(json => KubernetesJson.Deserialize<T>(json), value => KubernetesJson.Serialize(value));

    /// <summary>Untyped objects (kinds we have no model for, e.g. Gateway API).</summary>
    public static ResourceSerializer<System.Text.Json.Nodes.JsonObject> Json() =>
        new(json => System.Text.Json.Nodes.JsonNode.Parse(json) as System.Text.Json.Nodes.JsonObject, value => value.ToJsonString());
}
