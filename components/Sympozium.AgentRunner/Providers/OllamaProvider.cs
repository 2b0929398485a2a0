using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using static Sympozium.AgentRunner.Providers.OpenAiCompatibleProvider;

namespace Sympozium.AgentRunner.Providers;

/// <summary>
/// Ollama's native chat API (<c>POST {base}/api/chat</c>, <c>stream: false</c>). Its tool calls carry
/// arguments as objects and no ids; tool results go back as <c>role: tool</c> with the tool name.
/// </summary>
public sealed class OllamaProvider : IChatProvider
{
    private readonly LlmHttpClient _http;
    private readonly string? _apiKey;
    private readonly ChatRequestContext _context;
    private readonly JsonArray _messages = [];
    private readonly JsonArray? _tools;
    private int _callCounter;

    public OllamaProvider(Uri baseUri, string? apiKey, ChatRequestContext context, LlmHttpClient http)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        ArgumentNullException.ThrowIfNull(context);
        Endpoint = new Uri(NativeBase(baseUri.ToString()) + "/api/chat");
        _apiKey = apiKey;
        _context = context;
        _http = http;
        _messages.Add((JsonNode)new JsonObject { ["role"] = "system", ["content"] = context.SystemPrompt });
        _messages.Add((JsonNode)new JsonObject { ["role"] = "user", ["content"] = context.UserMessage });
        _tools = FunctionTools(context.Tools);
    }

    public string Name => "ollama";

    public Uri Endpoint { get; }

    /// <summary>
    /// The server root: a base written for the OpenAI-compatible endpoint (<c>…:11434/v1</c>)
    /// is accepted and its <c>/v1</c> dropped.
    /// </summary>
    public static string NativeBase(string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        var trimmed = baseUrl.TrimEnd('/');
        return trimmed.EndsWith("/v1", StringComparison.Ordinal) ? trimmed[..^3] : trimmed;
    }

    public async Task<ChatTurn> ChatAsync(CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["model"] = _context.Model, ["messages"] = _messages.DeepClone(), ["stream"] = false };
        if (_tools is not null)
        {
            body["tools"] = _tools.DeepClone();
        }

        var response = await _http.PostJsonAsync("Ollama", Endpoint, body, SetHeaders, cancellationToken).ConfigureAwait(false);
        if (response["message"] is not JsonObject message)
        {
            throw new ProviderException("Ollama API error: response has no message");
        }

        var text = Str(message["content"]) ?? "";
        var calls = new List<ToolCall>();
        if (message["tool_calls"] is JsonArray toolCalls)
        {
            foreach (var call in toolCalls.OfType<JsonObject>())
            {
                var function = call["function"] as JsonObject;
                if (Str(function?["name"]) is not { Length: > 0 } name)
                {
                    continue;
                }

                var arguments = function!["arguments"] switch
                {
                    JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                    JsonNode n => n.ToJsonString(),
                    null => "{}",
                };
                calls.Add(new ToolCall(Str(call["id"]) ?? $"ollama-call-{_callCounter++}", name, arguments));
            }
        }

        var history = new JsonObject { ["role"] = "assistant", ["content"] = text };
        if (message["tool_calls"] is JsonArray raw)
        {
            history["tool_calls"] = raw.DeepClone();
        }

        _messages.Add((JsonNode)history);
        return new ChatTurn(text, calls, Long(response["prompt_eval_count"]), Long(response["eval_count"]), Str(response["done_reason"]));
    }

    public void AddToolResults(IReadOnlyList<ToolCallResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        foreach (var result in results)
        {
            _messages.Add((JsonNode)new JsonObject { ["role"] = "tool", ["tool_name"] = result.Call.Name, ["content"] = result.Text });
        }
    }

    private void SetHeaders(HttpRequestHeaders headers)
    {
        // Plain Ollama needs no key; one behind an authenticating proxy gets a bearer token.
        if (!string.IsNullOrEmpty(_apiKey))
        {
            headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        }
    }
}
