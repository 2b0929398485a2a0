using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Sympozium.LocalCluster.Kubelet;
using Sympozium.LocalCluster.Storage;

namespace Sympozium.LocalCluster.Http;

// GET pods/NAME/log: the kubelet's container logs (Kubelet/ContainerLogs.cs), answered as the real server does.
internal sealed partial class KubeApi
{
    private async Task ServeLogAsync(HttpContext context, ApiRequest request)
    {
        if (context.Request.Method != "GET")
        {
            throw ApiException.MethodNotAllowed("the server does not allow this method on the requested resource");
        }

        var pod = _store.Get(request.StoreKey, request.Namespace, request.Name!);
        var name = ObjectMetadata.Name(pod);
        var query = context.Request.Query;
        var containers = Names(pod["spec"]?["containers"]);
        var initContainers = Names(pod["spec"]?["initContainers"]);
        var container = query["container"].ToString();
        if (container.Length == 0)
        {
            if (containers.Count != 1)
            {
                var message = $"a container name must be specified for pod {name}, choose one of: [{string.Join(' ', containers)}]";
                if (initContainers.Count > 0)
                {
                    message += $" or one of the init containers: [{string.Join(' ', initContainers)}]";
                }

                throw ApiException.BadRequest(message);
            }

            container = containers[0];
        }
        else if (!containers.Contains(container) && !initContainers.Contains(container))
        {
            throw ApiException.BadRequest($"container {container} is not valid for pod {name}");
        }

        var podDirectory = ContainerLogs.PodDirectory(_options.Directory, request.Namespace ?? "default", name, ObjectMetadata.String(pod, "uid") ?? "");
        var instances = ContainerLogs.Instances(podDirectory, container);
        var previous = Flag(query["previous"]);
        int instance;
        if (previous)
        {
            if (instances.Count < 2)
            {
                throw ApiException.BadRequest($"previous terminated container \"{container}\" in pod \"{name}\" not found");
            }

            instance = instances[^2];
        }
        else if (instances.Count == 0)
        {
            var waiting = ContainerStatus(pod, container)?["state"]?["waiting"]?["reason"]?.ToString() ?? "ContainerCreating";
            var why = waiting is "ErrImagePull" or "ImagePullBackOff" ? "trying and failing to pull image" : waiting;
            throw ApiException.BadRequest($"container \"{container}\" in pod \"{name}\" is waiting to start: {why}");
        }
        else
        {
            instance = instances[^1];
        }

        var options = new LogOptions
        {
            Follow = Flag(query["follow"]) && !previous,
            Timestamps = Flag(query["timestamps"]),
            TailLines = Long(query["tailLines"], "tailLines"),
            LimitBytes = Long(query["limitBytes"], "limitBytes"),
            Since = query["sinceTime"].ToString() is { Length: > 0 } sinceTime
                ? DateTimeOffset.TryParse(sinceTime, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : throw ApiException.BadRequest($"sinceTime: invalid time \"{sinceTime}\"")
                : Long(query["sinceSeconds"], "sinceSeconds") is { } seconds ? _time.GetUtcNow() - TimeSpan.FromSeconds(seconds) : null,
        };
        context.Response.StatusCode = (int)HttpStatusCode.OK;
        context.Response.ContentType = "text/plain";
        await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        await ContainerLogs.CopyAsync(ContainerLogs.LogFile(podDirectory, container, instance), options, context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    private static List<string> Names(JsonNode? containers) =>
        (containers as JsonArray ?? []).Select(c => c?["name"]?.ToString() ?? "").ToList();

    private static JsonNode? ContainerStatus(JsonObject pod, string container) =>
        ((pod["status"]?["containerStatuses"] as JsonArray ?? []).Concat(pod["status"]?["initContainerStatuses"] as JsonArray ?? []))
            .FirstOrDefault(s => s?["name"]?.ToString() == container);

    private static bool Flag(Microsoft.Extensions.Primitives.StringValues value) => value.ToString() is "true" or "1";

    private static long? Long(Microsoft.Extensions.Primitives.StringValues value, string field)
    {
        var text = value.ToString();
        if (text.Length == 0)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0
            ? n
            : throw ApiException.BadRequest($"{field}: Invalid value: \"{text}\": must be a non-negative integer");
    }
}
