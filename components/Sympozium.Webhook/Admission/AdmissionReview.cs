using System.Text.Json.Nodes;

namespace Sympozium.Webhook.Admission;

/// <summary>The admission.k8s.io/v1 AdmissionReview envelope: a request in, the same envelope with a response out.</summary>
public sealed class AdmissionReview
{
    public string ApiVersion { get; set; } = "admission.k8s.io/v1";
    public string Kind { get; set; } = "AdmissionReview";
    public AdmissionRequest? Request { get; set; }
    public AdmissionResponse? Response { get; set; }
}

/// <summary>What the API server asks about (the fields the webhook reads).</summary>
public sealed class AdmissionRequest
{
    public string Uid { get; set; } = "";
    public GroupVersionKind? Kind { get; set; }
    public string? SubResource { get; set; }
    public string? Name { get; set; }
    public string? Namespace { get; set; }

    /// <summary>CREATE, UPDATE, DELETE or CONNECT.</summary>
    public string Operation { get; set; } = "";

    public JsonObject? Object { get; set; }
    public JsonObject? OldObject { get; set; }
    public bool? DryRun { get; set; }
}

public sealed class GroupVersionKind
{
    public string Group { get; set; } = "";
    public string Version { get; set; } = "";
    public string Kind { get; set; } = "";
}

/// <summary>The webhook's answer. <see cref="Patch"/> is a base64 JSON patch (RFC 6902).</summary>
public sealed class AdmissionResponse
{
    public string Uid { get; set; } = "";
    public bool Allowed { get; set; }
    public AdmissionStatus? Status { get; set; }
    public string? Patch { get; set; }
    public string? PatchType { get; set; }
    public List<string>? Warnings { get; set; }
}

/// <summary>The metav1.Status of a denial: the API server shows <see cref="Message"/> to the user.</summary>
public sealed class AdmissionStatus
{
    public int Code { get; set; }
    public string? Reason { get; set; }
    public string? Message { get; set; }
}
