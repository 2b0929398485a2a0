using System.Net;
using System.Text.Json;

namespace Sympozium.Kubernetes.Client;

/// <summary>The API server answered with an error Status.</summary>
public class KubernetesApiException : Exception
{
    public KubernetesApiException(HttpStatusCode statusCode, string reason, string message)
        : base(message)
    {
        StatusCode = statusCode;
        Reason = reason;
    }

    public KubernetesApiException()
    {
    }

    public KubernetesApiException(string message)
        : base(message)
    {
    }

    public KubernetesApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The Status reason: NotFound, AlreadyExists, Conflict, Invalid, Expired, …</summary>
    public string Reason { get; } = "";

    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;
    public bool IsConflict => StatusCode == HttpStatusCode.Conflict && Reason != "AlreadyExists";
    public bool IsAlreadyExists => StatusCode == HttpStatusCode.Conflict && Reason == "AlreadyExists";
    public bool IsGone => StatusCode == HttpStatusCode.Gone || Reason is "Expired" or "Gone";

    /// <summary>Reads a Status body (or any body) into an exception naming the request.</summary>
    public static KubernetesApiException FromResponse(HttpStatusCode status, string body, string what)
    {
        var reason = "";
        var message = body;
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                if (document.RootElement.TryGetProperty("reason", out var r) && r.ValueKind == JsonValueKind.String)
                {
                    reason = r.GetString()!;
                }

                if (document.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                {
                    message = m.GetString()!;
                }
            }
        }
        catch (JsonException)
        {
            // Not a Status: keep the raw body.
        }

        return new KubernetesApiException(status, reason, $"{what}: {(int)status} {reason} {message}".Trim());
    }
}

/// <summary>A watch asked for a resourceVersion the server no longer has (410 Gone): relist.</summary>
public sealed class ResourceVersionExpiredException(string message) : KubernetesApiException(HttpStatusCode.Gone, "Expired", message);
