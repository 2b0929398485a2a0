using System.Text.Json.Nodes;

namespace Sympozium.AgentRunner.Tools.Memory;

/// <summary>memory_search, memory_store and memory_list: calls of the memory server
/// (docs/design/agent-runner.md#memory).</summary>
internal sealed class MemoryTool(ToolDefinition definition, Func<JsonObject, CancellationToken, Task<ToolResult>> call, string? requiredArgument) : IAgentTool
{
    public const string SearchName = "memory_search";
    public const string StoreName = "memory_store";
    public const string ListName = "memory_list";

    public ToolDefinition Definition { get; } = definition;

    public Task<ToolResult> InvokeAsync(JsonObject arguments, CancellationToken cancellationToken)
    {
        // The server would answer 400; saying so here saves the model a round trip.
        if (requiredArgument is not null && string.IsNullOrEmpty(ToolArguments.String(arguments, requiredArgument)))
        {
            return Task.FromResult(ToolResult.Error($"Error: '{requiredArgument}' is required"));
        }

        return call(arguments, cancellationToken);
    }

    public static MemoryTool Search(MemoryClient client) => new(
        new ToolDefinition(
            SearchName,
            "Search agent memory for relevant past findings, investigations, and context. Use this before starting any investigation to check if similar issues have been seen before.",
            ToolSchema.Parse("""
                {"type":"object","properties":{
                  "query":{"type":"string","description":"Natural language search query (e.g., 'kafka consumer lag', 'OOM crash in payments service')."},
                  "top_k":{"type":"integer","description":"Maximum number of results to return (default: 5)."}
                },"required":["query"]}
                """)),
        client.SearchAsync,
        "query");

    public static MemoryTool Store(MemoryClient client) => new(
        new ToolDefinition(
            StoreName,
            "Store a finding, investigation result, or important context in persistent memory for future agent runs. Include enough detail for a future agent to understand and reuse the information.",
            ToolSchema.Parse("""
                {"type":"object","properties":{
                  "content":{"type":"string","description":"The content to store. Be specific: include root cause, resolution steps, service names, and namespace."},
                  "tags":{"type":"array","items":{"type":"string"},"description":"Tags for categorization (e.g., ['kafka', 'consumer-lag', 'payments-ns'])."}
                },"required":["content"]}
                """)),
        client.StoreAsync,
        "content");

    public static MemoryTool List(MemoryClient client) => new(
        new ToolDefinition(
            ListName,
            "List recent memory entries, optionally filtered by tag. Use this to browse what the agent has learned over time.",
            ToolSchema.Parse("""
                {"type":"object","properties":{
                  "tags":{"type":"string","description":"Filter by tag (e.g., 'kafka'). Returns entries whose tags contain this string."},
                  "limit":{"type":"integer","description":"Maximum number of entries to return (default: 20)."}
                }}
                """)),
        client.ListAsync,
        null);
}
