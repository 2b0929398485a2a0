using System.Text.Json.Serialization;

namespace Sympozium.Webhook.Admission;

/// <summary>Source-generated JSON for the AdmissionReview wire format (no reflection under AOT).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AdmissionReview))]
public sealed partial class WebhookJsonContext : JsonSerializerContext;
