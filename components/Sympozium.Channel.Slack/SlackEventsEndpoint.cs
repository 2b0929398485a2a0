using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sympozium.Channel.Slack.Internal;
using Sympozium.Channels;
using Sympozium.Hosting;

namespace Sympozium.Channel.Slack;

/// <summary>
/// The Events API webhook, <c>POST :3000/slack/events</c>. Every request must carry a valid
/// signature from the app's signing secret and a timestamp within five minutes, else 401 and
/// nothing is published (upstream checked nothing). <c>url_verification</c> echoes the
/// challenge; a user message is published before the 200, so a failed publish (5xx) is retried
/// by Slack and de-duplicated by the bus.
/// </summary>
internal sealed class SlackEventsEndpoint(SlackOptions options, ILogger logger, TimeProvider? clock = null)
{
    private const int MaxBody = 1 << 20;

    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public async Task RunAsync(IPAddress? bindAddress, InboundPublisher inbound, ChannelHealth health, CancellationToken cancellationToken)
    {
        await using var endpoint = new HttpEndpoint(bindAddress, options.EventsPort, (context, ct) => HandleAsync(context, inbound, ct));
        endpoint.Start();
        health.PlatformUp();
        Log.EventsListening(logger, endpoint.Prefix + "slack/events");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            health.PlatformDown("stopping");
        }
    }

    private async Task HandleAsync(HttpListenerContext context, InboundPublisher inbound, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var path = request.Url?.AbsolutePath ?? "/";
        if (path == "/healthz" && request.HttpMethod == "GET")
        {
            await HttpEndpoint.RespondAsync(context.Response, 200, "text/plain", "ok", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (path != "/slack/events")
        {
            await HttpEndpoint.RespondAsync(context.Response, 404, "text/plain", "not found", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (request.HttpMethod != "POST")
        {
            context.Response.AddHeader("Allow", "POST");
            await HttpEndpoint.RespondAsync(context.Response, 405, "text/plain", "POST only", cancellationToken).ConfigureAwait(false);
            return;
        }

        var body = await ReadBodyAsync(request, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            await HttpEndpoint.RespondAsync(context.Response, 413, "text/plain", "body too large", cancellationToken).ConfigureAwait(false);
            return;
        }

        var check = SlackSignature.Verify(
            options.SigningSecret!,
            request.Headers[SlackSignature.TimestampHeader],
            request.Headers[SlackSignature.SignatureHeader],
            body,
            _clock.GetUtcNow(),
            options.SignatureTolerance);
        if (check != SignatureCheck.Valid)
        {
            Log.EventsRejected(logger, check, request.RemoteEndPoint?.Address.ToString() ?? "?");
            await HttpEndpoint.RespondAsync(context.Response, 401, "text/plain", "invalid request signature", cancellationToken).ConfigureAwait(false);
            return;
        }

        EventsApiBody? payload;
        try
        {
            payload = JsonSerializer.Deserialize(body, SlackJsonContext.Default.EventsApiBody);
        }
        catch (JsonException)
        {
            await HttpEndpoint.RespondAsync(context.Response, 400, "text/plain", "body is not JSON", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (payload?.Type == "url_verification")
        {
            await HttpEndpoint.RespondAsync(context.Response, 200, "text/plain", payload.Challenge ?? "", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (payload?.Type == "event_callback" && SlackEventMapper.Map(payload.Event) is { } message)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(2.5)); // Slack gives up after 3 s and retries.
            try
            {
                await inbound.PublishAsync(message, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                await HttpEndpoint.RespondAsync(context.Response, 503, "text/plain", "event bus unavailable", cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        await HttpEndpoint.RespondAsync(context.Response, 200, "text/plain", "", cancellationToken).ConfigureAwait(false);
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpListenerRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength64 > MaxBody)
        {
            return null;
        }

        using var body = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await request.InputStream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            body.Write(buffer, 0, read);
            if (body.Length > MaxBody)
            {
                return null;
            }
        }

        return body.ToArray();
    }
}
