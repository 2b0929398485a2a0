using System.Globalization;
using System.Text.RegularExpressions;
using k8s.Models;
using Sympozium.Api.Kinds;

namespace Sympozium.Controller.Builders;

// Volumes of the agent pod: workspace, IPC, tmp, skills (projected ConfigMaps), input, memory, MCP
// config, skill Secrets and host paths.
public static partial class AgentPodBuilder
{
    private static List<V1Volume> Volumes(AgentPodInputs inputs, List<ResolvedSidecar> sidecars, bool memoryEnabled)
    {
        var run = inputs.Run;
        var name = run.Metadata.Name!;
        var volumes = new List<V1Volume>
        {
            run.Spec.Lifecycle?.PostRun is { Count: > 0 }
                ? new V1Volume { Name = WorkspaceVolume, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = name + "-workspace" } }
                : new V1Volume { Name = WorkspaceVolume, EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("1Gi") } },
            new() { Name = IpcVolume, EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new ResourceQuantity("64Mi") } },
            new() { Name = TmpVolume, EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("256Mi") } },
            SkillsVolumeFor(inputs.Skills),
            InputVolumeFor(run),
        };
        if (memoryEnabled)
        {
            volumes.Add(new V1Volume { Name = MemoryVolume, ConfigMap = new V1ConfigMapVolumeSource { Name = run.Spec.InstanceRef + "-memory", Optional = true } });
        }

        if (inputs.BusCredentials)
        {
            volumes.Add(BusCredentialsBuilder.VolumeFor(BusCredentialsBuilder.RunSecretName(run)));
        }

        if (inputs.McpServers.Count > 0)
        {
            volumes.Add(new V1Volume { Name = McpConfigVolume, ConfigMap = new V1ConfigMapVolumeSource { Name = name + "-mcp-servers", Optional = true } });
        }

        foreach (var sidecar in sidecars)
        {
            if (!string.IsNullOrEmpty(sidecar.Sidecar.SecretRef))
            {
                volumes.Add(new V1Volume { Name = SecretVolumeName(sidecar.PackName), Secret = new V1SecretVolumeSource { SecretName = sidecar.Sidecar.SecretRef, Optional = true } });
            }

            var mounts = GrantedHostAccess(inputs, sidecar)?.Mounts ?? [];
            for (var i = 0; i < mounts.Count; i++)
            {
                volumes.Add(new V1Volume { Name = HostVolumeName(sidecar.PackName, i), HostPath = new V1HostPathVolumeSource { Path = mounts[i].HostPath } });
            }
        }

        return volumes;
    }

    private static V1Volume SkillsVolumeFor(IReadOnlyList<SkillRef> skills)
    {
        var sources = new List<V1VolumeProjection>();
        foreach (var skill in skills)
        {
            foreach (var configMap in new[] { skill.SkillPackRef, skill.ConfigMapRef })
            {
                if (!string.IsNullOrEmpty(configMap))
                {
                    sources.Add(new V1VolumeProjection { ConfigMap = new V1ConfigMapProjection { Name = configMap, Optional = true } });
                }
            }
        }

        return sources.Count == 0
            ? new V1Volume { Name = SkillsVolume, EmptyDir = new V1EmptyDirVolumeSource() }
            : new V1Volume { Name = SkillsVolume, Projected = new V1ProjectedVolumeSource { Sources = sources } };
    }

    /// <summary><c>host-&lt;pack&gt;-&lt;i&gt;</c>, reduced to a valid volume name.</summary>
    public static string HostVolumeName(string pack, int index)
    {
        var name = NonDnsLabel().Replace($"host-{pack}-{index.ToString(CultureInfo.InvariantCulture)}".ToLowerInvariant(), "-").Trim('-');
        if (name.Length > 63)
        {
            name = name[..63].TrimEnd('-');
        }

        return name.Length == 0 ? "host-mount" : name;
    }

    private static string SecretVolumeName(string pack) => ("skill-secret-" + pack) is var n && n.Length > 63 ? n[..63].TrimEnd('-') : n;

    [GeneratedRegex("[^a-z0-9-]")]
    private static partial Regex NonDnsLabel();
}
