namespace Sympozium.Demo;

/// <summary>What <see cref="DemoRun"/> installs and asks.</summary>
internal sealed record DemoRunOptions
{
    /// <summary>The repository root: crds/ and deploy/control-plane/ are applied from it.</summary>
    public required string RepoRoot { get; init; }

    /// <summary>The run's spec.model.provider: <c>ollama</c>, or <c>openai-compatible</c> for the scripted LLM (given as <c>scripted</c>).</summary>
    public required string Provider { get; init; }

    public required string Model { get; init; }

    public required string BaseUrl { get; init; }

    /// <summary>The namespace of the demo instance and its runs (default: demo).</summary>
    public string Namespace { get; init; } = "demo";

    /// <summary>The demo instance (default: assistant).</summary>
    public string Instance { get; init; } = "assistant";

    /// <summary>The message sent to the agent.</summary>
    public string Message { get; init; } = "Say hello to someone trying Sympozium for the first time, in one or two sentences.";

    /// <summary>How long the control plane may take to become ready (default: 3 min; the first start compiles on JIT).</summary>
    public TimeSpan InstallTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>How long the run may take (default: 3 min with the scripted LLM, 10 min with Ollama, which may load the model first).</summary>
    public TimeSpan RunTimeout => Provider == "ollama" ? TimeSpan.FromMinutes(10) : TimeSpan.FromMinutes(3);
}
