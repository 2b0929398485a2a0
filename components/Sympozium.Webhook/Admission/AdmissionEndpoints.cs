using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
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

    /// <summary>
    /// The largest AdmissionReview read: 3 MiB, room for an UPDATE's object and old object at
    /// the API server's own object limit (docs/design/admission.md#request-handling).
    /// </summary>
    public const long MaxBodyBytes = 3 * 1024 * 1024;

    /// <summary>How long the body may take to arrive; the API server gives a webhook at most 30 s.</summary>
    public static readonly TimeSpan BodyReadTimeout = TimeSpan.FromSeconds(10);

    private static async Task HandleAsync(HttpContext context, bool mutate)
    {
        var controller = context.RequestServices.GetRequiredService<AdmissionController>();
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Sympozium.Webhook.Admission");
        var (review, problem) = await ReadReviewAsync(context).ConfigureAwait(false);
        if (problem is { } refused)
        {
            Log.RequestRefused(logger, refused.Status, refused.Message);
            context.Response.StatusCode = refused.Status;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(refused.Message + "\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var request = review!.Request!;
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

    /// <summary>A refused HTTP request: the status and why.</summary>
    private readonly record struct Refusal(int Status, string Message);

    /// <summary>
    /// The AdmissionReview of the body, or why it is refused with a 4xx: not JSON
    /// (415), larger than <see cref="MaxBodyBytes"/> (413), slower than <see cref="BodyReadTimeout"/>
    /// (408), not an AdmissionReview or without <c>request</c> (400). Never a 500 or a hang.
    /// </summary>
    private static async Task<(AdmissionReview? Review, Refusal? Problem)> ReadReviewAsync(HttpContext context)
    {
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType)
            || !string.Equals(mediaType.MediaType.Value, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            var given = string.IsNullOrEmpty(context.Request.ContentType) ? "missing" : $"\"{context.Request.ContentType}\"";
            return (null, new(415, $"Content-Type {given} is not accepted: send the AdmissionReview as application/json"));
        }

        var tooLarge = new Refusal(413, $"the AdmissionReview is larger than {MaxBodyBytes / (1024 * 1024)} MiB, the most this webhook reads");
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return (null, tooLarge);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline.CancelAfter(BodyReadTimeout);
        AdmissionReview? review;
        try
        {
            review = await JsonSerializer.DeserializeAsync(context.Request.Body, WebhookJsonContext.Default.AdmissionReview, deadline.Token).ConfigureAwait(false);
        }
        catch (JsonException e)
        {
            return (null, new(400, "the body is not an AdmissionReview: " + e.Message));
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limits: the size cap above (413), a body slower than its minimum rate (408).
            return (null, e.StatusCode == StatusCodes.Status413PayloadTooLarge ? tooLarge : new(e.StatusCode, "the AdmissionReview could not be read: " + e.Message));
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            return (null, new(408, $"the AdmissionReview did not arrive within {BodyReadTimeout.TotalSeconds:0} s"));
        }

        return review?.Request is null
            ? (null, new(400, "the AdmissionReview has no request: send {\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{...}}"))
            : (review, null);
    }
}
