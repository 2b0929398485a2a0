using Sympozium.Api.WellKnown;

namespace Sympozium.AgentRunner;

/// <summary>
/// Maps the pod paths the agent and the model speak of (<c>/workspace/a.txt</c>) to files on
/// disk under <c>SYMPOZIUM_ROOT</c> (default <c>/</c>; a per-pod directory in the local cluster).
/// </summary>
public sealed class RunnerPaths(string? root)
{
    /// <summary>The root directory ("/" in a real pod).</summary>
    public string Root { get; } = string.IsNullOrEmpty(root) ? "/" : root;

    /// <summary>The file-system path of a pod path.</summary>
    public string Resolve(string podPath) => IpcPaths.Resolve(podPath, Root);

    public string Ipc(string relative) => Resolve(IpcPaths.Ipc + "/" + relative.TrimStart('/'));
}
