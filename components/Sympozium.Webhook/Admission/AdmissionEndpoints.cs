using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Sympozium.Hosting;
using Sympozium.Kubernetes.Client;
using Sympozium.Webhook.Internal;

namespace Sympozium.Webhook.Admission;

/// <summary>
/// The HTTP surface: upstream's paths (<c>/validate-agent-pods</c>, <c>/mutate-agent-pods</c>;
/// despite the names they judge AgentRuns, and here SympoziumInstances and policies too), so
/// upstream's webhook configurations keep working, plus <c>/healthz</c> and <c>/readyz</c>.
/// </summary>
public static class AdmissionEndpoints
{
    public const string ValidatePath = "/validate-agent-pods";
    public const string MutatePath = "/mutate-agent-pods";

    public static void Map(IEndpointRouteBuilder endpoints, Func<bool> ready)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost(ValidatePath, context => HandleAsync(context, mutate: false));
        endpoints.MapPost(MutatePath, context => HandleAsync(context, mutate: true));
        MapProbes(endpoints, Probes(ready));
    }

    /// <summary>The probes, on the HTTPS port the Deployment's probes use (scheme HTTPS).</summary>
    public static HealthProbes Probes(Func<bool> ready)
    {
        ArgumentNullException.ThrowIfNull(ready);
        return new HealthProbes()
            .Map("/healthz", () => new ProbeAnswer(200, null, "ok"))
            .Map("/readyz", () => ready() ? new ProbeAnswer(200, null, "ok") : new ProbeAnswer(503, null, "informers not synced"));
    }

    /// <summary>Serves each probe path through Kestrel; other paths stay Kestrel's 404.</summary>
    private static void MapProbes(IEndpointRouteBuilder endpoints, HealthProbes probes)
    {
        foreach (var path in probes.Paths)
        {
            endpoints.MapGet(path, context =>
            {
                var answer = probes.Answer(path);
                context.Response.StatusCode = answer.Status;
                if (answer.ContentType is not null)
                {
                    context.Response.ContentType = answer.ContentType;
                }

                return context.Response.WriteAsync(answer.Body, context.RequestAborted);
            });
        }
    }

    private static async Task HandleAsync(HttpContext context, bool mutate)
    {
        var controller = context.RequestServices.GetRequiredService<AdmissionController>();
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Sympozium.Webhook.Admission");
        AdmissionReview? review;
        try
        {
            review = await JsonSerializer.DeserializeAsync(context.Request.Body, WebhookJsonContext.Default.AdmissionReview, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsync("the body is not an AdmissionReview: " + e.Message, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (review?.Request is not { } request)
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsync("the AdmissionReview has no request", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        AdmissionResponse response;
        try
        {
            response = mutate
                ? await controller.MutateAsync(request, context.RequestAborted).ConfigureAwait(false)
                : await controller.ValidateAsync(request, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException or TimeoutException)
        {
            // The API server could not be read: refuse (fail closed), saying why.
            Log.AdmissionFailed(logger, request.Kind?.Kind, request.Namespace, request.Name, e.Message);
            response = new AdmissionResponse
            {
                Uid = request.Uid,
                Allowed = false,
                Status = new AdmissionStatus { Code = 500, Reason = "InternalError", Message = "the policy webhook could not read the cluster: " + e.Message },
            };
        }

        if (!response.Allowed)
        {
            Log.Denied(logger, request.Operation, request.Kind?.Kind ?? "", request.Namespace, request.Name, response.Status?.Message);
        }

        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new AdmissionReview { Response = response }, WebhookJsonContext.Default.AdmissionReview, context.RequestAborted).ConfigureAwait(false);
    }
}
