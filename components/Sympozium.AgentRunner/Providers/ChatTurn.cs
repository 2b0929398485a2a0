namespace Sympozium.AgentRunner.Providers;

/// <summary>A tool call the model asked for; arguments are the raw JSON text the model produced.</summary>
public sealed record ToolCall(string Id, string Name, string ArgumentsJson);

/// <summary>One model reply: its text, the tools it wants called, and what it cost.</summary>
public sealed record ChatTurn(string Text, IReadOnlyList<ToolCall> ToolCalls, long InputTokens, long OutputTokens, string? FinishReason);

/// <summary>The outcome of one tool call, fed back to the model.</summary>
public sealed record ToolCallResult(ToolCall Call, string Text, bool IsError);
