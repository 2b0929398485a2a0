using Sympozium.AgentRunner.Tools;

namespace Sympozium.AgentRunner;

/// <summary>The tools of a run and the memory client, if a memory server is configured.</summary>
public sealed record ToolSetupResult(IMemoryContext? Memory);

/// <summary>Auto-context and auto-store against the memory server.</summary>
public interface IMemoryContext
{
    Task<string?> SearchContextAsync(string task, CancellationToken cancellationToken);
    Task StoreRunAsync(string task, string response, CancellationToken cancellationToken);
}

/// <summary>Registers the tools the environment enables.</summary>
public static class ToolSetup
{
    public static Task<ToolSetupResult> ConfigureAsync(ToolRegistry registry, RunnerPaths paths, RunnerOptions options, Action<string> log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _ = paths;
        _ = options;
        _ = log;
        _ = cancellationToken;
        return Task.FromResult(new ToolSetupResult(null));
    }
}
