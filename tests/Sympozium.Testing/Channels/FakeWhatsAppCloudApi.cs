using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Sympozium.Testing.Channels;

/// <summary>
/// The WhatsApp Cloud API's Graph endpoint as a local server: <c>POST /v21.0/{phone-number-id}/messages</c>
/// (Bearer access token) is recorded and answered from a script (default: Graph's success body).
/// The static helpers build webhook bodies as Meta sends them and POST them to the pod signed
/// with <c>X-Hub-Signature-256</c>.
/// </summary>
public sealed class FakeWhatsAppCloudApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<RecordedCall> _calls = [];
    private readonly Queue<FakeReply> _postScript = new();
    private int _wamids;

    private FakeWhatsAppCloudApi(WebApplication app, string accessToken, string phoneNumberId)
    {
        _app = app;
        AccessToken = accessToken;
        PhoneNumberId = phoneNumberId;
    }

    /// <summary>Root URL, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>The Graph root (what WHATSAPP_API_URL holds): <c>{BaseUrl}/v21.0</c>.</summary>
    public string ApiUrl => BaseUrl + "/v21.0";

    public string AccessToken { get; }

    public string PhoneNumberId { get; }

    /// <summary>The /messages calls so far (including those answered with an error); <see cref="RecordedCall.Method"/> is the phone number id in the path.</summary>
    public IReadOnlyList<RecordedCall> MessageCalls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    public static async Task<FakeWhatsAppCloudApi> StartAsync(string accessToken = "EAAG-test-token", string phoneNumberId = "106540352242922", CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        var fake = new FakeWhatsAppCloudApi(app, accessToken, phoneNumberId);
        app.MapPost("/v21.0/{phone}/messages", fake.HandleMessagesAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        fake.BaseUrl = app.Urls.First().TrimEnd('/');
        return fake;
    }

    /// <summary>Appends scripted answers for the next /messages calls.</summary>
    public FakeWhatsAppCloudApi ScriptPost(params FakeReply[] replies)
    {
        ArgumentNullException.ThrowIfNull(replies);
        lock (_gate)
        {
            foreach (var reply in replies)
            {
                _postScript.Enqueue(reply);
            }
        }

        return this;
    }

    /// <summary>Waits until at least <paramref name="count"/> /messages calls have arrived.</summary>
    public async Task<IReadOnlyList<RecordedCall>> WaitForPostsAsync(int count, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (MessageCalls.Count < count)
        {
            try
            {
                await Task.Delay(20, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"expected {count} /messages calls within {timeout.TotalSeconds:0.#} s, got {MessageCalls.Count}");
            }
        }

        return MessageCalls;
    }

    /// <summary>A webhook body with one text message from <paramref name="from"/> (a wa_id) to <paramref name="phoneNumberId"/>.</summary>
    public static JsonObject TextMessageWebhook(string phoneNumberId, string from, string name, string text, string messageId, string type = "text") => new()
    {
        ["object"] = "whatsapp_business_account",
        ["entry"] = new JsonArray(new JsonObject
        {
            ["id"] = "102290129340398",
            ["changes"] = new JsonArray(new JsonObject
            {
                ["field"] = "messages",
                ["value"] = new JsonObject
                {
                    ["messaging_product"] = "whatsapp",
                    ["metadata"] = new JsonObject { ["display_phone_number"] = "15550783881", ["phone_number_id"] = phoneNumberId },
                    ["contacts"] = new JsonArray(new JsonObject { ["profile"] = new JsonObject { ["name"] = name }, ["wa_id"] = from }),
                    ["messages"] = new JsonArray(type == "text"
                        ? new JsonObject
                        {
                            ["from"] = from,
                            ["id"] = messageId,
                            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                            ["text"] = new JsonObject { ["body"] = text },
                            ["type"] = "text",
                        }
                        : new JsonObject
                        {
                            ["from"] = from,
                            ["id"] = messageId,
                            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                            ["type"] = type,
                            [type] = new JsonObject { ["id"] = "media-1", ["mime_type"] = "image/jpeg", ["caption"] = text },
                        }),
                },
            }),
        }),
    };

    /// <summary>Meta's signature header value: <c>sha256=hex(HMAC-SHA256(app secret, body))</c>.</summary>
    public static string Sign(string appSecret, string body)
    {
        ArgumentNullException.ThrowIfNull(appSecret);
        ArgumentNullException.ThrowIfNull(body);
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), Encoding.UTF8.GetBytes(body)));
    }

    /// <summary>POSTs a webhook body to <paramref name="url"/> as Meta does, signed with <paramref name="appSecret"/> (unsigned when null).</summary>
    public static async Task<HttpResponseMessage> PostWebhookAsync(HttpClient client, string url, JsonObject body, string? appSecret)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(body);
        var text = body.ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(text, Encoding.UTF8, "application/json"),
        };
        if (appSecret is not null)
        {
            request.Headers.Add("X-Hub-Signature-256", Sign(appSecret, text));
        }

        return await client.SendAsync(request).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandleMessagesAsync(HttpContext context)
    {
        var phone = (string)context.Request.RouteValues["phone"]!;
        JsonNode? body = null;
        using (var reader = new StreamReader(context.Request.Body))
        {
            var raw = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
            try
            {
                body = raw.Length > 0 ? JsonNode.Parse(raw) : null;
            }
            catch (JsonException)
            {
            }
        }

        lock (_gate)
        {
            _calls.Add(new RecordedCall(
                phone,
                context.Request.QueryString.Value ?? "",
                context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()),
                body,
                DateTimeOffset.UtcNow));
        }

        if (context.Request.Headers.Authorization.ToString() != "Bearer " + AccessToken)
        {
            await WriteAsync(context, 401, Error(190, "Invalid OAuth access token")).ConfigureAwait(false);
            return;
        }

        if (phone != PhoneNumberId)
        {
            await WriteAsync(context, 400, Error(100, "Unsupported post request. Object with ID '" + phone + "' does not exist")).ConfigureAwait(false);
            return;
        }

        FakeReply? reply;
        lock (_gate)
        {
            _postScript.TryDequeue(out reply);
        }

        if (reply is { } scripted && scripted.Status != 200)
        {
            if (scripted.RetryAfterSeconds is { } seconds)
            {
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            }

            await WriteAsync(context, scripted.Status, Error(scripted.Status == 429 ? 130429 : 131000, scripted.Error ?? "Something went wrong")).ConfigureAwait(false);
            return;
        }

        var to = body?["to"]?.ToString() ?? "";
        var text = body?["text"]?["body"]?.ToString() ?? "";
        if (body?["messaging_product"]?.ToString() != "whatsapp" || to.Length == 0 || text.Length is 0 or > 4096)
        {
            await WriteAsync(context, 400, Error(100, "Invalid parameter")).ConfigureAwait(false);
            return;
        }

        var wamid = "wamid.FAKE" + Interlocked.Increment(ref _wamids).ToString(CultureInfo.InvariantCulture);
        await WriteAsync(context, 200, new JsonObject
        {
            ["messaging_product"] = "whatsapp",
            ["contacts"] = new JsonArray(new JsonObject { ["input"] = to, ["wa_id"] = to }),
            ["messages"] = new JsonArray(new JsonObject { ["id"] = wamid }),
        }).ConfigureAwait(false);
    }

    private static JsonObject Error(int code, string message) => new()
    {
        ["error"] = new JsonObject { ["message"] = message, ["type"] = "OAuthException", ["code"] = code, ["fbtrace_id"] = "Afake" },
    };

    private static async Task WriteAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }
}
