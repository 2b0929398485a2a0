using System.Text.Json.Serialization;

namespace Sympozium.Api.Meta;

/// <summary>Anything with apiVersion, kind and metadata.</summary>
public interface IKubernetesObject
{
    string ApiVersion { get; set; }
    string Kind { get; set; }
    ObjectMeta Metadata { get; set; }
}

/// <summary>
/// The shape shared by all eight Sympozium kinds: a namespaced object with a spec and a status
/// subresource.
/// </summary>
public abstract class CustomResource<TSpec, TStatus> : IKubernetesObject
    where TSpec : new()
{
    protected CustomResource(string kind)
    {
        Kind = kind;
    }

    [JsonPropertyOrder(-4)]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    [JsonPropertyOrder(-3)]
    public string Kind { get; set; }

    [JsonPropertyOrder(-2)]
    public ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyOrder(-1)]
    public TSpec Spec { get; set; } = new();

    public TStatus? Status { get; set; }

    /// <summary><c>namespace/name</c>, the way error messages and work-queue keys name an object.</summary>
    [JsonIgnore]
    public string Key => Metadata.Namespace is { Length: > 0 } ns ? $"{ns}/{Metadata.Name}" : Metadata.Name ?? "";
}

/// <summary>A list response (<c>&lt;Kind&gt;List</c>).</summary>
public sealed class KubernetesList<T>
{
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;
    public string Kind { get; set; } = "List";
    public ListMeta Metadata { get; set; } = new();
    public List<T> Items { get; set; } = [];
}

/// <summary>One line of a watch stream: <c>{"type":"ADDED","object":{…}}</c>.</summary>
public sealed class WatchEvent<T>
{
    /// <summary>ADDED, MODIFIED, DELETED, BOOKMARK or ERROR (see <see cref="WatchEventTypes"/>).</summary>
    public string Type { get; set; } = "";

    public T? Object { get; set; }
}

/// <summary>The event types a watch stream carries.</summary>
public static class WatchEventTypes
{
    public const string Added = "ADDED";
    public const string Modified = "MODIFIED";
    public const string Deleted = "DELETED";
    public const string Bookmark = "BOOKMARK";
    public const string Error = "ERROR";
}
