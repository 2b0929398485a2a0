using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using static Sympozium.AgentRunner.Providers.OpenAiCompatibleProvider;

namespace Sympozium.AgentRunner.Providers;

/// <summary>Anthropic Messages API (<c>POST {base}/v1/messages</c>, <c>x-api-key</c>, <c>anthropic-version</c>).</summary>
public sealed class AnthropicProvider : IChatProvider
{
    /// <summary>The API version header value.</summary>
    public const string ApiVersion = "2023-06-01";

    /// <summary>Output budget per turn.</summary>
    public const int MaxTokens = 8192;

    private readonly LlmHttpClient _http;
    private readonly string? _apiKey;
    private readonly ChatRequestContext _context;
    private readonly JsonArray _messages = [];
    private readonly JsonArray? _tools;

    public AnthropicProvider(Uri baseUri, string? apiKey, ChatRequestContext context, LlmHttpClient http)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        ArgumentNullException.ThrowIfNull(context);
        Endpoint = new Uri(baseUri.ToString().TrimEnd('/') + "/v1/messages");
        _apiKey = apiKey;
        _context = context;
        _http = http;
        _messages.Add((JsonNode)new JsonObject
        {
            ["role"] = "user",
            ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = context.UserMessage }),
        });
        if (context.Tools.Count > 0)
        {
            // The whole schema is sent, "required" included (upstream dropped it for MCP tools).
            _tools = [.. context.Tools.Select(t => (JsonNode)new JsonObject
            {
                ["name"] = t.Name,
                ["description"] = t.Description,
                ["input_schema"] = InputSchema(t.Parameters),
            })];
        }
    }

    public string Name => "anthropic";

    public Uri Endpoint { get; }

    public async Task<ChatTurn> ChatAsync(CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["model"] = _context.Model,
            ["max_tokens"] = MaxTokens,
            ["system"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = _context.SystemPrompt }),
            ["messages"] = _messages.DeepClone(),
        };
        if (_tools is not null)
        {
            body["tools"] = _tools.DeepClone();
        }

        var response = await _http.PostJsonAsync("Anthropic", Endpoint, body, SetHeaders, cancellationToken).ConfigureAwait(false);
        if (response["content"] is not JsonArray content)
        {
            throw new ProviderException("Anthropic API error: response has no content");
        }

        var text = string.Concat(content.OfType<JsonObject>().Where(b => Str(b["type"]) == "text").Select(b => Str(b["text"])));
        var calls = content.OfType<JsonObject>()
            .Where(b => Str(b["type"]) == "tool_use" && Str(b["name"]) is { Length: > 0 })
            .Select(b => new ToolCall(Str(b["id"]) ?? "", Str(b["name"])!, b["input"]?.ToJsonString() ?? "{}"))
            .ToList();

        // The assistant turn goes back verbatim (thinking blocks keep their signatures).
        _messages.Add((JsonNode)new JsonObject { ["role"] = "assistant", ["content"] = content.DeepClone() });
        var usage = response["usage"];
        return new ChatTurn(text, calls, Long(usage?["input_tokens"]), Long(usage?["output_tokens"]), Str(response["stop_reason"]));
    }

    public void AddToolResults(IReadOnlyList<ToolCallResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0)
        {
            return;
        }

        // All results of one turn travel in a single user message.
        _messages.Add((JsonNode)new JsonObject
        {
            ["role"] = "user",
            ["content"] = new JsonArray([.. results.Select(r => (JsonNode)new JsonObject
            {
                ["type"] = "tool_result",
                ["tool_use_id"] = r.Call.Id,
                ["content"] = r.Text,
                ["is_error"] = r.IsError,
            })]),
        });
    }

    private void SetHeaders(HttpRequestHeaders headers)
    {
        headers.Add("anthropic-version", ApiVersion);
        if (!string.IsNullOrEmpty(_apiKey))
        {
            headers.Add("x-api-key", _apiKey);
        }
    }

    private static JsonObject InputSchema(JsonObject parameters)
    {
        var schema = (JsonObject)parameters.DeepClone();
        schema["type"] = "object";
        if (schema["properties"] is null)
        {
            schema["properties"] = new JsonObject();
        }

        if (schema["required"] is not null and not JsonArray)
        {
            schema.Remove("required");
        }

        return schema;
    }
}
