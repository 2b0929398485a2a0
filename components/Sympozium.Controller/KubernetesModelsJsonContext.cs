using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Sympozium.Controller;

/// <summary>
/// JSON of the built-in Kubernetes kinds the controller reads and writes, generated for these kinds
/// only. KubernetesClient's own serializer (<c>KubernetesJson</c>) resolves through one context
/// holding every model of the Kubernetes API, and using it roots all of them in the AOT binary
/// (several MB of metadata and code the controller never touches).
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = [typeof(KubernetesTimeConverter)])]
[JsonSerializable(typeof(V1ConfigMap))]
[JsonSerializable(typeof(V1Secret))]
[JsonSerializable(typeof(V1Lease))]
[JsonSerializable(typeof(V1Job))]
[JsonSerializable(typeof(V1Pod))]
[JsonSerializable(typeof(V1Deployment))]
[JsonSerializable(typeof(V1Service))]
[JsonSerializable(typeof(V1PersistentVolumeClaim))]
[JsonSerializable(typeof(V1ServiceAccount))]
[JsonSerializable(typeof(V1Role))]
[JsonSerializable(typeof(V1RoleBinding))]
[JsonSerializable(typeof(V1ClusterRole))]
[JsonSerializable(typeof(V1ClusterRoleBinding))]
[JsonSerializable(typeof(V1NetworkPolicy))]
[JsonSerializable(typeof(V1Endpoints))]
[JsonSerializable(typeof(Corev1Event))]
internal sealed partial class KubernetesModelsJsonContext : JsonSerializerContext;

/// <summary>
/// Kubernetes timestamps (metav1.Time, MicroTime): RFC 3339 in UTC, as the API server writes them;
/// a time of unspecified kind is taken as UTC, so nothing is sent without its zone.
/// </summary>
internal sealed class KubernetesTimeConverter : JsonConverter<DateTime>
{
    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTime.Parse(reader.GetString() ?? "", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var utc = value.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(value, DateTimeKind.Utc) : value.ToUniversalTime();
        writer.WriteStringValue(utc.ToString(utc.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
    }
}
