namespace Sympozium.Testing.Llm;

/// <summary>A tool call a scripted model makes; <see cref="ArgumentsJson"/> is a JSON object.</summary>
public sealed record ScriptedToolCall(string Name, string ArgumentsJson, string? Id = null);

/// <summary>
/// One scripted model answer, rendered in whichever wire format the request used (OpenAI, Azure
/// OpenAI, Anthropic or Ollama). Build with the static helpers; adjust with <c>with</c>.
/// </summary>
public sealed record LlmReply
{
    /// <summary>Text of the answer (may be empty).</summary>
    public string Text { get; init; } = "";

    /// <summary>Tool calls in the answer.</summary>
    public IReadOnlyList<ScriptedToolCall> ToolCalls { get; init; } = [];

    /// <summary>OpenAI only: a non-standard reasoning_content (reasoning models on vLLM/llama.cpp).</summary>
    public string? ReasoningContent { get; init; }

    /// <summary>Override of the finish/stop reason (default: tool_calls/tool_use when calling tools, else stop/end_turn).</summary>
    public string? FinishReason { get; init; }

    public int InputTokens { get; init; } = 10;
    public int OutputTokens { get; init; } = 5;

    /// <summary>An HTTP error instead of an answer.</summary>
    public int? ErrorStatus { get; init; }
    public string? ErrorMessage { get; init; }

    /// <summary>Retry-After header (whole seconds) on an error.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>A raw body sent as is (to test unreadable responses).</summary>
    public string? RawBody { get; init; }

    /// <summary>Wait before answering (slow models, timeouts).</summary>
    public TimeSpan Delay { get; init; }

    public static LlmReply Say(string text) => new() { Text = text };

    public static LlmReply CallTools(params ScriptedToolCall[] calls) => new() { ToolCalls = calls };

    public static LlmReply CallTool(string name, string argumentsJson) => new() { ToolCalls = [new ScriptedToolCall(name, argumentsJson)] };

    public static LlmReply Fail(int status, string message, TimeSpan? retryAfter = null) =>
        new() { ErrorStatus = status, ErrorMessage = message, RetryAfter = retryAfter };

    public static LlmReply Malformed(string body, int status = 200) => new() { RawBody = body, ErrorStatus = status == 200 ? null : status };
}
