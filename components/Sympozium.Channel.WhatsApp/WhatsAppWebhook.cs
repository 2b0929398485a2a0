using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sympozium.Channel.WhatsApp.Internal;
using Sympozium.Channels;
using Sympozium.Hosting;

namespace Sympozium.Channel.WhatsApp;

/// <summary>
/// The Cloud API webhook on <c>:3000/webhook</c>. <c>GET</c> is Meta's verification handshake
/// (<c>hub.mode=subscribe</c> and the verify token → the challenge echoed, else 403). <c>POST</c>
/// must carry a valid <c>X-Hub-Signature-256</c> of the raw body, else 401 and nothing is
/// published. Text messages to this pod's phone number are published before the 200, so a failed
/// publish (503) is retried by Meta and de-duplicated by the bus. <c>/healthz</c> answers here too.
/// </summary>
internal sealed class WhatsAppWebhook(WhatsAppOptions options, WhatsAppPlatform platform, ILogger logger)
{
    private const int MaxBody = 1 << 20;

    public async Task RunAsync(IPAddress? bindAddress, InboundPublisher inbound, ChannelHealth health, CancellationToken cancellationToken)
    {
        await using var endpoint = new HttpEndpoint(bindAddress, options.WebhookPort, (context, ct) => HandleAsync(context, inbound, ct));
        endpoint.Start();
        health.PlatformUp();
        Log.WebhookListening(logger, endpoint.Prefix + "webhook");
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

        if (path is not ("/webhook" or "/webhook/"))
        {
            await HttpEndpoint.RespondAsync(context.Response, 404, "text/plain", "not found", cancellationToken).ConfigureAwait(false);
            return;
        }

        switch (request.HttpMethod)
        {
            case "GET":
                await VerifyAsync(context, cancellationToken).ConfigureAwait(false);
                return;
            case "POST":
                await ReceiveAsync(context, inbound, cancellationToken).ConfigureAwait(false);
                return;
            default:
                context.Response.AddHeader("Allow", "GET, POST");
                await HttpEndpoint.RespondAsync(context.Response, 405, "text/plain", "GET or POST only", cancellationToken).ConfigureAwait(false);
                return;
        }
    }

    private async Task VerifyAsync(HttpListenerContext context, CancellationToken cancellationToken)
    {
        var query = context.Request.QueryString;
        var token = query["hub.verify_token"];
        var matches = token is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(options.VerifyToken));
        if (query["hub.mode"] != "subscribe" || !matches || query["hub.challenge"] is not { } challenge)
        {
            Log.WebhookRejected(logger, Remote(context), "verification with a wrong mode or verify token");
            await HttpEndpoint.RespondAsync(context.Response, 403, "text/plain", "verification failed", cancellationToken).ConfigureAwait(false);
            return;
        }

        Log.WebhookVerified(logger);
        await HttpEndpoint.RespondAsync(context.Response, 200, "text/plain", challenge, cancellationToken).ConfigureAwait(false);
    }

    private async Task ReceiveAsync(HttpListenerContext context, InboundPublisher inbound, CancellationToken cancellationToken)
    {
        var body = await ReadBodyAsync(context.Request, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            await HttpEndpoint.RespondAsync(context.Response, 413, "text/plain", "body too large", cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!WhatsAppSignature.IsValid(options.AppSecret, context.Request.Headers[WhatsAppSignature.Header], body))
        {
            Log.WebhookRejected(logger, Remote(context), "missing or invalid " + WhatsAppSignature.Header);
            await HttpEndpoint.RespondAsync(context.Response, 401, "text/plain", "invalid signature", cancellationToken).ConfigureAwait(false);
            return;
        }

        WebhookBody? payload;
        try
        {
            payload = JsonSerializer.Deserialize(body, WhatsAppJsonContext.Default.WebhookBody);
        }
        catch (JsonException)
        {
            await HttpEndpoint.RespondAsync(context.Response, 400, "text/plain", "body is not JSON", cancellationToken).ConfigureAwait(false);
            return;
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            foreach (var message in platform.Map(payload))
            {
                await inbound.PublishAsync(message, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await HttpEndpoint.RespondAsync(context.Response, 503, "text/plain", "event bus unavailable", cancellationToken).ConfigureAwait(false);
            return;
        }

        await HttpEndpoint.RespondAsync(context.Response, 200, "text/plain", "", cancellationToken).ConfigureAwait(false);
    }

    private static string Remote(HttpListenerContext context) => context.Request.RemoteEndPoint?.Address.ToString() ?? "?";

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
