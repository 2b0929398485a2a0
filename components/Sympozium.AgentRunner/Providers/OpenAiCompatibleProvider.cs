using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sympozium.AgentRunner.Providers;

/// <summary>
/// OpenAI Chat Completions (<c>POST {base}/chat/completions</c>), which OpenAI, vLLM, LM Studio,
/// llama.cpp and most gateways speak; in Azure mode the deployment URL with <c>api-version</c> and
/// the <c>api-key</c> header.
/// </summary>
public sealed class OpenAiCompatibleProvider : IChatProvider
{
    private readonly LlmHttpClient _http;
    private readonly string? _apiKey;
    private readonly bool _azure;
    private readonly ChatRequestContext _context;
    private readonly JsonArray _messages = [];
    private readonly JsonArray? _tools;

    public OpenAiCompatibleProvider(string name, Uri endpoint, string? apiKey, bool azure, ChatRequestContext context, LlmHttpClient http)
    {
        ArgumentNullException.ThrowIfNull(context);
        Name = name;
        Endpoint = endpoint;
        _apiKey = apiKey;
        _azure = azure;
        _context = context;
        _http = http;
        _messages.Add((JsonNode)new JsonObject { ["role"] = "system", ["content"] = context.SystemPrompt });
        _messages.Add((JsonNode)new JsonObject { ["role"] = "user", ["content"] = context.UserMessage });
        _tools = FunctionTools(context.Tools);
    }

    /// <summary>Tools in the <c>{"type":"function","function":{…}}</c> shape OpenAI and Ollama share; null when there are none.</summary>
    internal static JsonArray? FunctionTools(IReadOnlyList<Tools.ToolDefinition> tools) =>
        tools.Count == 0
            ? null
            : [.. tools.Select(t => (JsonNode)new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = t.Name, ["description"] = t.Description, ["parameters"] = t.Parameters.DeepClone() },
            })];

    public string Name { get; }

    public Uri Endpoint { get; }

    /// <summary>The chat-completions URL for a base (<c>…/v1</c>) or, in Azure mode, a resource endpoint.</summary>
    public static Uri CompletionsUri(string baseUrl, string model, bool azure, string azureApiVersion) =>
        azure
            ? new Uri($"{baseUrl.TrimEnd('/')}/openai/deployments/{Uri.EscapeDataString(model)}/chat/completions?api-version={Uri.EscapeDataString(azureApiVersion)}")
            : new Uri(baseUrl.TrimEnd('/') + "/chat/completions");

    public async Task<ChatTurn> ChatAsync(CancellationToken cancellationToken)
    {
        var body = new JsonObject { ["model"] = _context.Model, ["messages"] = _messages.DeepClone() };
        if (_tools is not null)
        {
            body["tools"] = _tools.DeepClone();
        }

        var label = _azure ? "Azure OpenAI" : "OpenAI";
        var response = await _http.PostJsonAsync(label, Endpoint, body, SetHeaders, cancellationToken).ConfigureAwait(false);
        if (response["choices"] is not JsonArray { Count: > 0 } choices || choices[0]?["message"] is not JsonObject message)
        {
            throw new ProviderException($"{label} API error: no choices in completion response");
        }

        var finishReason = Str(choices[0]!["finish_reason"]);
        var text = Str(message["content"]) ?? "";
        var calls = new List<ToolCall>();
        if (message["tool_calls"] is JsonArray toolCalls)
        {
            // Honoured whatever finish_reason says: several OpenAI-compatible servers (Ollama,
            // vLLM with some parsers) return tool calls with finish_reason "stop".
            foreach (var call in toolCalls.OfType<JsonObject>())
            {
                var function = call["function"] as JsonObject;
                var name = Str(function?["name"]);
                if (string.IsNullOrEmpty(name))
                {
                    continue;
                }

                var arguments = function!["arguments"] switch
                {
                    JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                    JsonNode n => n.ToJsonString(),
                    null => "{}",
                };
                calls.Add(new ToolCall(Str(call["id"]) ?? $"call-{calls.Count}", name, arguments));
            }
        }

        JsonObject historyMessage;
        if (calls.Count == 0 && string.IsNullOrWhiteSpace(text) && Str(message["reasoning_content"]) is { Length: > 0 } reasoning)
        {
            // Reasoning models served by vLLM/llama.cpp sometimes put everything, tool calls
            // included, in reasoning_content.
            var recovered = ReasoningRecovery.Recover(reasoning);
            text = recovered.Text;
            calls.AddRange(recovered.ToolCalls);
            historyMessage = new JsonObject { ["role"] = "assistant", ["content"] = text.Length > 0 ? text : null };
            if (calls.Count > 0)
            {
                historyMessage["tool_calls"] = ToolCallsJson(calls);
            }
        }
        else
        {
            historyMessage = new JsonObject { ["role"] = "assistant", ["content"] = text.Length > 0 ? text : null };
            if (calls.Count > 0)
            {
                historyMessage["tool_calls"] = ToolCallsJson(calls);
            }
        }

        _messages.Add((JsonNode)historyMessage);
        var usage = response["usage"];
        return new ChatTurn(text, calls, Long(usage?["prompt_tokens"]), Long(usage?["completion_tokens"]), finishReason);
    }

    public void AddToolResults(IReadOnlyList<ToolCallResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        foreach (var result in results)
        {
            _messages.Add((JsonNode)new JsonObject { ["role"] = "tool", ["tool_call_id"] = result.Call.Id, ["content"] = result.Text });
        }
    }

    private void SetHeaders(HttpRequestHeaders headers)
    {
        if (string.IsNullOrEmpty(_apiKey))
        {
            return;
        }

        if (_azure)
        {
            headers.Add("api-key", _apiKey);
        }
        else
        {
            headers.Authorization = new AuthenticationHeaderValue("Bearer", _apiKey);
        }
    }

    private static JsonArray ToolCallsJson(IEnumerable<ToolCall> calls) =>
        [.. calls.Select(c => (JsonNode)new JsonObject
        {
            ["id"] = c.Id,
            ["type"] = "function",
            ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.ArgumentsJson },
        })];

    internal static string? Str(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    internal static long Long(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? (long)v.GetValue<double>() : 0;
}
