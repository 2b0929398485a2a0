using System.Globalization;
using Sympozium.Api.Messages;
using Sympozium.Api.Validation;
using Sympozium.Api.WellKnown;

namespace Sympozium.AgentRunner;

/// <summary>
/// Everything the agent runner reads from its environment (the names the controller sets on the
/// agent container). Defaults live here and nowhere else.
/// </summary>
public sealed record RunnerOptions
{
    /// <summary>The task (env TASK); when empty, <see cref="TaskFile"/> is read, else /ipc/input/task.json.</summary>
    public string Task { get; init; } = "";

    /// <summary>Pod path of a plain-text file holding the task (env TASK_FILE; the controller sets /input/task).</summary>
    public string? TaskFile { get; init; }

    /// <summary>Pod path of the termination message file (env TERMINATION_MESSAGE_PATH; default /dev/termination-log).</summary>
    public string TerminationMessagePath { get; init; } = AgentTerminationMessage.DefaultPath;

    /// <summary>Bytes the termination message may use (env TERMINATION_MESSAGE_MAX_BYTES, 256–4096; default 4096).</summary>
    public int TerminationMessageMaxBytes { get; init; } = AgentTerminationMessage.MaxBytes;

    /// <summary>Base system prompt (env SYSTEM_PROMPT; default "You are a helpful AI assistant.").</summary>
    public string SystemPrompt { get; init; } = DefaultSystemPrompt;

    public const string DefaultSystemPrompt = "You are a helpful AI assistant.";

    /// <summary>Provider, lower-cased (env MODEL_PROVIDER; default openai).</summary>
    public string Provider { get; init; } = "openai";

    /// <summary>Model id, Azure deployment or Ollama model (env MODEL_NAME; default gpt-4o-mini).</summary>
    public string Model { get; init; } = "gpt-4o-mini";

    /// <summary>Provider endpoint without trailing slash (env MODEL_BASE_URL); empty = the provider's default.</summary>
    public string BaseUrl { get; init; } = "";

    /// <summary>API key chosen for the provider (see <see cref="SelectApiKey"/>); never logged.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Azure api-version (env AZURE_OPENAI_API_VERSION; default 2024-06-01).</summary>
    public string AzureApiVersion { get; init; } = "2024-06-01";

    /// <summary>Built-in tools on (env TOOLS_ENABLED=true).</summary>
    public bool ToolsEnabled { get; init; }

    /// <summary>ConfigMap memory on (env MEMORY_ENABLED=true).</summary>
    public bool MemoryEnabled { get; init; }

    /// <summary>Memory server (env MEMORY_SERVER_URL); enables memory tools and auto-context.</summary>
    public string? MemoryServerUrl { get; init; }

    /// <summary>Tool-loop budget (env MAX_TOOL_ITERATIONS; default 50).</summary>
    public int MaxToolIterations { get; init; } = 50;

    /// <summary>Per-request timeout override (env LLM_REQUEST_TIMEOUT, Go duration).</summary>
    public TimeSpan? RequestTimeout { get; init; }

    /// <summary>Retry override (env LLM_MAX_RETRIES).</summary>
    public int? MaxRetries { get; init; }

    /// <summary>Whole-run deadline override (env RUN_TIMEOUT, Go duration, set by the controller from the run's timeout).</summary>
    public TimeSpan? RunTimeout { get; init; }

    public string? SourceChannel { get; init; }
    public string? SourceChatId { get; init; }
    public string? PersonaPackName { get; init; }
    public string? InstanceName { get; init; }
    public string? Namespace { get; init; }
    public string? RunId { get; init; }
    public string? TraceParent { get; init; }

    /// <summary>Keep memory markers in the response (env DEBUG=true).</summary>
    public bool Debug { get; init; }

    /// <summary>fetch_url may reach private networks (env SYMPOZIUM_FETCH_ALLOW_PRIVATE=true, set from the policy).</summary>
    public bool FetchAllowPrivate { get; init; }

    /// <summary>How long to wait for the MCP tool manifest (env MCP_MANIFEST_WAIT; null: the 5 s default; 0 when the run has no MCP server).</summary>
    public TimeSpan? McpManifestWait { get; init; }

    /// <summary>Root for /ipc, /skills, /workspace, /tmp, /memory (env SYMPOZIUM_ROOT; default /).</summary>
    public string Root { get; init; } = "/";

    /// <summary>Problems with the environment that do not stop the run (logged at start).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Providers that run on the user's own hardware: longer timeouts, fewer retries.</summary>
    public static readonly IReadOnlySet<string> LocalProviders =
        new HashSet<string>(["ollama", "lm-studio", "llama-server", "unsloth", "vllm", "llamacpp", "local"], StringComparer.Ordinal);

    public bool IsLocalProvider => LocalProviders.Contains(Provider);

    /// <summary>Reads the options from an environment (a dictionary, so tests need not touch the process).</summary>
    public static RunnerOptions FromEnvironment(IReadOnlyDictionary<string, string?> env)
    {
        ArgumentNullException.ThrowIfNull(env);
        var warnings = new List<string>();
        string? Get(string name) => env.TryGetValue(name, out var v) && !string.IsNullOrEmpty(v) ? v : null;
        bool Flag(string name) => Get(name) == "true";

        TimeSpan? Duration(string name)
        {
            if (Get(name) is not { } text)
            {
                return null;
            }

            if (GoDuration.TryParse(text, out var value) && value > TimeSpan.Zero)
            {
                return value;
            }

            warnings.Add($"{name}=\"{text}\" is not a positive Go duration such as 90s or 5m; using the default");
            return null;
        }

        int? Integer(string name, int min)
        {
            if (Get(name) is not { } text)
            {
                return null;
            }

            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min)
            {
                return value;
            }

            warnings.Add($"{name}=\"{text}\" is not an integer ≥ {min}; using the default");
            return null;
        }

        var provider = (Get(EnvironmentVariables.ModelProvider) ?? "openai").Trim().ToLowerInvariant();
        return new RunnerOptions
        {
            Task = Get(EnvironmentVariables.Task) ?? "",
            TaskFile = Get(EnvironmentVariables.TaskFile),
            TerminationMessagePath = Get(EnvironmentVariables.TerminationMessagePath) ?? AgentTerminationMessage.DefaultPath,
            TerminationMessageMaxBytes = Math.Min(Integer(EnvironmentVariables.TerminationMessageMaxBytes, AgentTerminationMessage.MinBytes) ?? AgentTerminationMessage.MaxBytes, AgentTerminationMessage.MaxBytes),
            SystemPrompt = Get(EnvironmentVariables.SystemPrompt) ?? DefaultSystemPrompt,
            Provider = provider,
            Model = Get(EnvironmentVariables.ModelName) ?? "gpt-4o-mini",
            BaseUrl = (Get(EnvironmentVariables.ModelBaseUrl) ?? "").TrimEnd('/'),
            ApiKey = SelectApiKey(provider, Get),
            AzureApiVersion = Get("AZURE_OPENAI_API_VERSION") ?? "2024-06-01",
            ToolsEnabled = Flag(EnvironmentVariables.ToolsEnabled),
            MemoryEnabled = Flag(EnvironmentVariables.MemoryEnabled),
            MemoryServerUrl = Get(EnvironmentVariables.MemoryServerUrl)?.TrimEnd('/'),
            MaxToolIterations = Integer("MAX_TOOL_ITERATIONS", 1) ?? 50,
            RequestTimeout = Duration("LLM_REQUEST_TIMEOUT"),
            MaxRetries = Integer("LLM_MAX_RETRIES", 0),
            RunTimeout = Duration(EnvironmentVariables.RunTimeout),
            SourceChannel = Get(EnvironmentVariables.SourceChannel),
            SourceChatId = Get(EnvironmentVariables.SourceChatId),
            PersonaPackName = Get(EnvironmentVariables.PersonaPackName),
            InstanceName = Get(EnvironmentVariables.InstanceName),
            Namespace = Get(EnvironmentVariables.AgentNamespace),
            RunId = Get(EnvironmentVariables.AgentRunId),
            TraceParent = Get(EnvironmentVariables.TraceParent),
            Debug = Flag("DEBUG"),
            FetchAllowPrivate = Flag(EnvironmentVariables.FetchAllowPrivate),
            McpManifestWait = Get(EnvironmentVariables.McpManifestWait) is "0" or "0s" ? TimeSpan.Zero : Duration(EnvironmentVariables.McpManifestWait),
            Root = Get(EnvironmentVariables.Root) ?? "/",
            Warnings = warnings,
        };
    }

    /// <summary>
    /// The key for the configured provider: its own variable first (ANTHROPIC_API_KEY for
    /// anthropic, AZURE_OPENAI_API_KEY for azure-openai, OPENAI_API_KEY for OpenAI-compatible
    /// ones), then the generic API_KEY and PROVIDER_API_KEY. Upstream took the first non-empty of
    /// all of them regardless of provider, so an OpenAI key could be sent to Anthropic.
    /// </summary>
    public static string? SelectApiKey(string provider, Func<string, string?> get)
    {
        ArgumentNullException.ThrowIfNull(get);
        string[] order = provider switch
        {
            "anthropic" => ["ANTHROPIC_API_KEY", "API_KEY", "PROVIDER_API_KEY"],
            "azure-openai" => ["AZURE_OPENAI_API_KEY", "API_KEY", "PROVIDER_API_KEY", "OPENAI_API_KEY"],
            "bedrock" => [],
            _ => ["OPENAI_API_KEY", "API_KEY", "PROVIDER_API_KEY"],
        };
        return order.Select(get).FirstOrDefault(v => !string.IsNullOrEmpty(v));
    }

    /// <summary>Per-request timeout: override, else 5 min for local providers, else none.</summary>
    public TimeSpan? EffectiveRequestTimeout => RequestTimeout ?? (IsLocalProvider ? TimeSpan.FromMinutes(5) : null);

    /// <summary>Retries: override, else 2 for local providers, else 5.</summary>
    public int EffectiveMaxRetries => MaxRetries ?? (IsLocalProvider ? 2 : 5);

    /// <summary>Run deadline: RUN_TIMEOUT, else 30 min for local providers, else 10 min.</summary>
    public TimeSpan EffectiveRunTimeout => RunTimeout ?? (IsLocalProvider ? TimeSpan.FromMinutes(30) : TimeSpan.FromMinutes(10));
}
