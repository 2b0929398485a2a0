using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;

namespace Sympozium.Demo;

/// <summary>
/// The demo's stand-in LLM when no Ollama answers: an OpenAI-compatible chat completions endpoint
/// that answers every request with <see cref="Reply"/>, plain or streamed (server-sent events), as
/// the model would. Scripted, and the demo says so: no model is called.
/// </summary>
internal static class ScriptedResponder
{
    public const string Model = "scripted-demo";

    public const string Reply = "Hello! I am a Sympozium agent running as a Job on your local cluster. This reply is scripted: no model was called. Start Ollama on 127.0.0.1:11434 and run make demo again to talk to a real one.";

    /// <summary>Serves on 127.0.0.1:<paramref name="port"/> (0: a free port), printing <c>ready url=http://127.0.0.1:PORT/v1</c>, until cancelled.</summary>
    public static async Task RunAsync(int port, CancellationToken cancellationToken)
    {
        if (port == 0)
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }

        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        Console.WriteLine($"ready url=http://127.0.0.1:{port}/v1");
        await using var registration = cancellationToken.Register(listener.Stop).ConfigureAwait(false);
        var served = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException && cancellationToken.IsCancellationRequested)
            {
                break;
            }

            served++;
            try
            {
                await AnswerAsync(context, served).ConfigureAwait(false);
                Console.WriteLine($"{DateTime.UtcNow:O} {context.Request.HttpMethod} {context.Request.Url?.AbsolutePath} -> {context.Response.StatusCode}");
            }
            catch (Exception e) when (e is HttpListenerException or IOException or System.Text.Json.JsonException)
            {
                Console.WriteLine($"{DateTime.UtcNow:O} {context.Request.HttpMethod} {context.Request.Url?.AbsolutePath} failed: {e.Message}");
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    private static async Task AnswerAsync(HttpListenerContext context, int n)
    {
        var path = context.Request.Url?.AbsolutePath ?? "";
        var response = context.Response;
        if (context.Request.HttpMethod == "GET" && path.EndsWith("/models", StringComparison.Ordinal))
        {
            await WriteAsync(response, "application/json", new JsonObject
            {
                ["object"] = "list",
                ["data"] = new JsonArray((JsonNode)new JsonObject { ["id"] = Model, ["object"] = "model", ["owned_by"] = "sympozium-demo" }),
            }.ToJsonString()).ConfigureAwait(false);
            return;
        }

        if (context.Request.HttpMethod != "POST" || !path.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            response.StatusCode = 404;
            await WriteAsync(response, "application/json", "{\"error\":{\"message\":\"the scripted demo LLM serves POST /v1/chat/completions only\",\"type\":\"invalid_request_error\"}}").ConfigureAwait(false);
            return;
        }

        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var request = JsonNode.Parse(await reader.ReadToEndAsync().ConfigureAwait(false));
        var model = request?["model"]?.ToString() ?? Model;
        var id = $"chatcmpl-demo-{n}";
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var usage = new JsonObject { ["prompt_tokens"] = 0, ["completion_tokens"] = 0, ["total_tokens"] = 0 };
        if (request?["stream"] is JsonValue stream && stream.GetValueKind() == System.Text.Json.JsonValueKind.True)
        {
            JsonObject Chunk(JsonObject delta, string? finish) => new()
            {
                ["id"] = id,
                ["object"] = "chat.completion.chunk",
                ["created"] = created,
                ["model"] = model,
                ["choices"] = new JsonArray((JsonNode)new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
            };
            var final = Chunk(new JsonObject(), "stop");
            final["usage"] = usage;
            var events = new StringBuilder()
                .Append("data: ").Append(Chunk(new JsonObject { ["role"] = "assistant", ["content"] = Reply }, null).ToJsonString()).Append("\n\n")
                .Append("data: ").Append(final.ToJsonString()).Append("\n\n")
                .Append("data: [DONE]\n\n");
            await WriteAsync(response, "text/event-stream", events.ToString()).ConfigureAwait(false);
            return;
        }

        await WriteAsync(response, "application/json", new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new JsonArray((JsonNode)new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = Reply },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = usage,
        }.ToJsonString()).ConfigureAwait(false);
    }

    private static async Task WriteAsync(HttpListenerResponse response, string contentType, string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        response.ContentType = contentType;
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes).ConfigureAwait(false);
    }
}
