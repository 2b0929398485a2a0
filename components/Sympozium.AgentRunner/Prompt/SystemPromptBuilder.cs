using System.Text;
using Sympozium.AgentRunner.Tools;
using Sympozium.Api.WellKnown;

namespace Sympozium.AgentRunner.Prompt;

/// <summary>What goes into the system prompt besides the base prompt.</summary>
public sealed record PromptInputs
{
    public string BasePrompt { get; init; } = RunnerOptions.DefaultSystemPrompt;
    public string Skills { get; init; } = "";
    public bool ToolsEnabled { get; init; }
    public string? SourceChannel { get; init; }
    public string? SourceChatId { get; init; }

    /// <summary>MCP tools offered (name and server).</summary>
    public IReadOnlyList<(string Name, string Server)> McpTools { get; init; } = [];

    /// <summary>ConfigMap memory is on: the model is asked to emit an updated memory document.</summary>
    public bool LegacyMemory { get; init; }

    /// <summary>A memory server is configured (memory_* tools).</summary>
    public bool MemoryServer { get; init; }

    /// <summary>Past context retrieved from the memory server before the run, if any.</summary>
    public string? AutoContext { get; init; }
}

/// <summary>Assembles the system prompt and the first user message.</summary>
public static class SystemPromptBuilder
{
    public static string Build(PromptInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var sb = new StringBuilder(inputs.BasePrompt);
        if (inputs.Skills.Length > 0)
        {
            Section(sb, "## Your Skills", "The following skill instructions are loaded for this run. Follow them whenever they are relevant to the task.\n\n" + inputs.Skills);
        }

        if (inputs.ToolsEnabled)
        {
            Section(sb, "## Tool Usage", """
                You can call tools. Gather facts with them instead of guessing, then summarise what you found.
                `execute_command` runs a shell command in the skill sidecar(s) of this pod; which programs and
                permissions it has depends on the skills mounted above. If a command is missing or forbidden,
                say so rather than retrying blindly.

                ### Fetching Web Content
                `fetch_url` downloads a public http(s) page and returns it as text.

                ### Writing Files
                `write_file` writes under /workspace or /tmp; `read_file` and `list_directory` read under /workspace, /skills, /tmp and /ipc.

                ### Sending Messages Through Channels
                `send_channel_message` sends text to a chat. Chat ids: WhatsApp, the international number without `+`;
                Telegram, the numeric chat id; Discord and Slack, the channel id; empty, the channel's own account.
                """);
        }

        if (!string.IsNullOrEmpty(inputs.SourceChannel))
        {
            Section(sb, "## Channel Context", $"""
                This request arrived through the {inputs.SourceChannel} channel from chat "{inputs.SourceChatId}".
                Your final answer is delivered to that chat automatically. To send additional messages, call
                `send_channel_message` with channel "{inputs.SourceChannel}" and chatId "{inputs.SourceChatId}".
                """);
        }

        if (inputs.McpTools.Count > 0)
        {
            var groups = inputs.McpTools.GroupBy(t => t.Server, StringComparer.Ordinal)
                .Select(g => $"- **{g.Key}** ({g.Count()} tools): {string.Join(", ", g.Select(t => t.Name))}");
            Section(sb, "## Specialized MCP Tools", $"""
                {inputs.McpTools.Count} tools from MCP servers are available. Prefer them over `execute_command` when one fits.

                ### Diagnostic Methodology
                1. Start with the most targeted tool for the question.
                2. Call tools one at a time and read each result before the next call.
                3. Use what a result tells you to choose the next step.
                4. A gRPC service is not an HTTP endpoint: use the tool made for it.
                5. Fall back to `execute_command` only when no MCP tool fits.

                ### Available Tool Groups
                {string.Join("\n", groups)}
                """);
        }

        if (inputs.MemoryServer)
        {
            var lookup = string.IsNullOrEmpty(inputs.AutoContext)
                ? "Search it first (`memory_search`) for anything relevant to the task."
                : "Relevant context was retrieved below; use `memory_search` for additional lookups.";
            Section(sb, "## Persistent Memory", $"""
                Your memory persists across runs. {lookup}
                When you learn something worth keeping, store it with `memory_store`, with specifics (names, numbers, causes).
                """);
            if (!string.IsNullOrEmpty(inputs.AutoContext))
            {
                Section(sb, "## Relevant Past Context (auto-retrieved)", inputs.AutoContext);
            }
        }

        if (inputs.LegacyMemory)
        {
            Section(sb, "## Memory Updates", $"""
                You keep a memory document between runs. When this run teaches you something worth remembering,
                end your answer with the complete updated memory document (Markdown, under 256 KB) between
                {LogMarkers.MemoryStart} and {LogMarkers.MemoryEnd}. The block is removed before your answer is delivered.
                """);
        }

        return sb.ToString();
    }

    /// <summary>The first user message: the task, preceded by the stored memory when there is any.</summary>
    public static string UserMessage(string task, string? memory)
    {
        ArgumentNullException.ThrowIfNull(task);
        var text = memory?.Trim();
        if (string.IsNullOrEmpty(text) || text == LogMarkers.EmptyMemory)
        {
            return task;
        }

        return $"## Your Memory\nThis is what you remembered from earlier runs:\n\n{text}\n\n## Current Task\n\n{task}";
    }

    /// <summary>The MCP server of a tool registered from the manifest (its description ends with [MCP: server]).</summary>
    public static string? McpServerOf(ToolDefinition tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        const string marker = "[MCP: ";
        var at = tool.Description.LastIndexOf(marker, StringComparison.Ordinal);
        return at >= 0 && tool.Description.EndsWith(']') ? tool.Description[(at + marker.Length)..^1] : null;
    }

    private static void Section(StringBuilder sb, string heading, string body) =>
        sb.Append("\n\n").Append(heading).Append('\n').Append(body.TrimEnd());
}
