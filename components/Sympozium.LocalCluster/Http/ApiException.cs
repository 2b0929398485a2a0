using System.Net;
using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Http;

/// <summary>One cause of an <see cref="ApiException"/>, as in a Status's details.causes.</summary>
internal sealed record StatusCause(string Reason, string Message, string? Field = null);

/// <summary>
/// An error the API answers with a Kubernetes Status object (kind Status, apiVersion v1, status
/// Failure, message, reason, details, code), exactly the shape client-go and kubectl decode.
/// </summary>
internal sealed class ApiException : Exception
{
    public ApiException(HttpStatusCode code, string reason, string message, StatusDetails? details = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Details = details;
    }

    public HttpStatusCode Code { get; }

    public string Reason { get; }

    public StatusDetails? Details { get; }

    public JsonObject ToStatus() => Status(Code, Reason, Message, Details);

    public static JsonObject Status(HttpStatusCode code, string reason, string message, StatusDetails? details)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (details is not null)
        {
            status["details"] = details.ToJson();
        }

        status["code"] = (int)code;
        return status;
    }

    public static ApiException NotFound(ResourceKey resource, string name) =>
        new(HttpStatusCode.NotFound, "NotFound", $"{resource.QualifiedPlural} \"{name}\" not found",
            new StatusDetails(name, resource.Group, resource.Plural));

    public static ApiException AlreadyExists(ResourceKey resource, string name) =>
        new(HttpStatusCode.Conflict, "AlreadyExists", $"{resource.QualifiedPlural} \"{name}\" already exists",
            new StatusDetails(name, resource.Group, resource.Plural));

    public static ApiException Conflict(ResourceKey resource, string name, string why) =>
        new(HttpStatusCode.Conflict, "Conflict",
            $"Operation cannot be fulfilled on {resource.QualifiedPlural} \"{name}\": {why}",
            new StatusDetails(name, resource.Group, resource.Plural));

    public static ApiException Invalid(string kind, string group, string name, IReadOnlyList<StatusCause> causes)
    {
        var summary = string.Join(", ", causes.Select(c => c.Field is null ? c.Message : $"{c.Field}: {c.Message}"));
        var qualified = group.Length == 0 ? kind : $"{kind}.{group}";
        return new(HttpStatusCode.UnprocessableEntity, "Invalid", $"{qualified} \"{name}\" is invalid: {summary}",
            new StatusDetails(name, group, kind, causes));
    }

    public static ApiException BadRequest(string message) => new(HttpStatusCode.BadRequest, "BadRequest", message);

    public static ApiException Gone(string message) => new(HttpStatusCode.Gone, "Expired", message);

    public static ApiException MethodNotAllowed(string message) =>
        new(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", message);

    public static ApiException UnsupportedMediaType(string contentType) =>
        new(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType",
            $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got {contentType})");

    /// <summary>The answer for a path that names no served resource: the plain 404 of the real server.</summary>
    public static ApiException PathNotFound() =>
        new(HttpStatusCode.NotFound, "NotFound", "the server could not find the requested resource",
            new StatusDetails(null, null, null, [new StatusCause("UnexpectedServerResponse", "404 page not found")]));
}

/// <summary>The details block of a Status.</summary>
internal sealed record StatusDetails(string? Name, string? Group, string? Kind, IReadOnlyList<StatusCause>? Causes = null)
{
    public JsonObject ToJson()
    {
        var details = new JsonObject();
        if (Name is not null)
        {
            details["name"] = Name;
        }

        if (!string.IsNullOrEmpty(Group))
        {
            details["group"] = Group;
        }

        if (Kind is not null)
        {
            details["kind"] = Kind;
        }

        if (Causes is { Count: > 0 })
        {
            var causes = new JsonArray();
            foreach (var cause in Causes)
            {
                var item = new JsonObject { ["reason"] = cause.Reason, ["message"] = cause.Message };
                if (cause.Field is not null)
                {
                    item["field"] = cause.Field;
                }

                causes.Add((JsonNode)item);
            }

            details["causes"] = causes;
        }

        return details;
    }
}
