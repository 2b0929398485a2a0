using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.Meta;
using Sympozium.Controller.Builders;

namespace Sympozium.Controller.Tests;

/// <summary>The agent Job of a run, one readable golden YAML per scenario, plus the rules behind it.</summary>
public class AgentPodBuilderTests
{
    private static AgentRun Run(Action<AgentRun>? change = null)
    {
        var run = new AgentRun
        {
            Metadata = new ObjectMeta { Name = "alice-run-1", Namespace = "team-a", Uid = "0d1f2e3c-0000-4000-8000-000000000001" },
            Spec = new AgentRunSpec
            {
                InstanceRef = "alice",
                AgentId = "primary",
                SessionKey = "s-1",
                Task = "Why is the ingress controller restarting?",
                Model = new ModelSpec { Provider = "openai", Model = "gpt-4o", AuthSecretRef = "" },
            },
        };
        change?.Invoke(run);
        return run;
    }

    private static SympoziumInstance Instance(Action<SympoziumInstance>? change = null)
    {
        var instance = new SympoziumInstance { Metadata = new ObjectMeta { Name = "alice", Namespace = "team-a" }, Spec = { Agents = { Default = { Model = "gpt-4o" } } } };
        change?.Invoke(instance);
        return instance;
    }

    private static ResolvedSidecar K8sOps() => new("k8s-ops", new SkillSidecar
    {
        Image = "ghcr.io/sympozium-ai/sympozium/skill-k8s-ops:latest",
        Rbac = [new RbacRule { ApiGroups = [""], Resources = ["pods", "pods/log"], Verbs = ["get", "list"] }],
    }, new Dictionary<string, string> { ["namespace"] = "ingress-nginx" });

    [Fact]
    public void Minimal_run()
    {
        var job = AgentPodBuilder.BuildJob(new AgentPodInputs { Run = Run(), Instance = Instance() });

        GoldenFile.Assert("minimal-run", job);
        var pod = job.Spec.Template.Spec;
        Assert.Equal(["agent"], pod.Containers.Select(c => c.Name));
        Assert.Equal(["ipc-bridge"], pod.InitContainers.Select(c => c.Name));
        Assert.Equal("Always", pod.InitContainers[0].RestartPolicy);
        Assert.Equal("sympozium-agent", pod.ServiceAccountName);
        Assert.False(pod.AutomountServiceAccountToken);
        Assert.Equal(660, job.Spec.ActiveDeadlineSeconds);
        Assert.Equal("10m0s", pod.Containers[0].Env.Single(e => e.Name == "RUN_TIMEOUT").Value);
    }

    [Fact]
    public void A_run_cannot_lift_its_own_fetch_guard_or_change_its_task_file_through_spec_env()
    {
        var run = Run();
        run.Spec.Env = new Dictionary<string, string> { ["SYMPOZIUM_FETCH_ALLOW_PRIVATE"] = "true", ["TASK_FILE"] = "/etc/passwd", ["LLM_MAX_RETRIES"] = "2" };

        var job = AgentPodBuilder.BuildJob(new AgentPodInputs { Run = run, Instance = Instance() });

        var agent = job.Spec.Template.Spec.Containers.Single(c => c.Name == "agent");
        Assert.DoesNotContain(agent.Env, e => e.Name == "SYMPOZIUM_FETCH_ALLOW_PRIVATE");
        Assert.Equal(["/input/task"], agent.Env.Where(e => e.Name == "TASK_FILE").Select(e => e.Value));
        Assert.Equal("2", agent.Env.Single(e => e.Name == "LLM_MAX_RETRIES").Value);
    }

    [Fact]
    public void The_agent_waits_for_an_mcp_manifest_only_when_the_run_has_an_mcp_server()
    {
        string? Wait(AgentPodInputs inputs) =>
            AgentPodBuilder.BuildJob(inputs).Spec.Template.Spec.Containers.Single(c => c.Name == "agent").Env.SingleOrDefault(e => e.Name == "MCP_MANIFEST_WAIT")?.Value;

        Assert.Equal("0s", Wait(new AgentPodInputs { Run = Run(), Instance = Instance() }));
        Assert.Null(Wait(new AgentPodInputs { Run = Run(), Instance = Instance(), McpServers = [new McpServerBinding("fs", null, null)] }));
    }

    [Fact]
    public void Only_the_ipc_bridge_mounts_the_runs_NATS_credentials_and_the_agent_never_sees_them()
    {
        var run = Run();
        var job = AgentPodBuilder.BuildJob(new AgentPodInputs { Run = run, Instance = Instance(), BusCredentials = true });
        var spec = job.Spec.Template.Spec;

        var volume = Assert.Single(spec.Volumes, v => v.Name == BusCredentialsBuilder.Volume);
        Assert.Equal(BusCredentialsBuilder.RunSecretName(run), volume.Secret.SecretName);
        var all = spec.Containers.Concat(spec.InitContainers ?? []).ToList();
        var holders = all.Where(c => c.VolumeMounts?.Any(m => m.Name == BusCredentialsBuilder.Volume) == true).Select(c => c.Name).ToList();
        Assert.Equal(["ipc-bridge"], holders);
        var bridge = all.Single(c => c.Name == "ipc-bridge");
        Assert.True(bridge.VolumeMounts.Single(m => m.Name == BusCredentialsBuilder.Volume).ReadOnlyProperty);
        var env = bridge.Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal(BusCredentialsBuilder.MountPath + "/" + BusCredentialsBuilder.FileName, env["NATS_CREDS"]);
        Assert.Equal("_INBOX.run-" + run.Metadata.Uid, env["NATS_INBOX_PREFIX"]);
        Assert.Equal("false", env["EVENT_BUS_MANAGE_STREAM"]);
        Assert.Equal(run.Metadata.Uid, env["AGENT_RUN_UID"]);
        Assert.DoesNotContain(all.Where(c => c.Name != "ipc-bridge").SelectMany(c => c.Env ?? []), e => e.Name == "NATS_CREDS");
    }

    [Fact]
    public void Skills_with_sidecars_and_rbac()
    {
        var secretPack = new ResolvedSidecar("github-gitops", new SkillSidecar
        {
            Image = "ghcr.io/sympozium-ai/sympozium/skill-github-gitops:latest",
            Command = ["/usr/local/bin/tool-executor.sh"],
            Env = [new EnvVar { Name = "GIT_AUTHOR_NAME", Value = "sympozium" }],
            MountWorkspace = false,
            Resources = new SidecarResources { Cpu = "200m", Memory = "256Mi" },
            SecretRef = "github-gitops-token",
        }, new Dictionary<string, string> { ["repo"] = "example/infra", ["default_branch"] = "main" });
        var serverOnly = new ResolvedSidecar("web-endpoint", new SkillSidecar { Image = "web-proxy", RequiresServer = true }, new Dictionary<string, string>());
        var inputs = new AgentPodInputs
        {
            Run = Run(),
            Instance = Instance(),
            Skills = [new SkillRef { SkillPackRef = "k8s-ops" }, new SkillRef { SkillPackRef = "github-gitops" }, new SkillRef { ConfigMapRef = "runbooks" }],
            Sidecars = [K8sOps(), secretPack, serverOnly],
        };

        var job = AgentPodBuilder.BuildJob(inputs);

        GoldenFile.Assert("skills-with-sidecars", job);
        var pod = job.Spec.Template.Spec;
        Assert.Equal(["ipc-bridge", "skill-k8s-ops", "skill-github-gitops"], pod.InitContainers.Select(c => c.Name));
        Assert.Equal("sympozium-run-alice-run-1", pod.ServiceAccountName);
        Assert.True(pod.AutomountServiceAccountToken);
        Assert.Equal(["k8s-ops", "github-gitops", "runbooks"], pod.Volumes.Single(v => v.Name == "skills").Projected.Sources.Select(s => s.ConfigMap.Name));
        Assert.Equal(["SKILL_DEFAULT_BRANCH", "SKILL_REPO"], pod.InitContainers[2].Env.Where(e => e.Name.StartsWith("SKILL_", StringComparison.Ordinal)).Select(e => e.Name));
    }

    [Fact]
    public void Sandbox_with_unconfined_seccomp_and_own_resources()
    {
        var run = Run(r => r.Spec.Sandbox = new AgentRunSandboxSpec
        {
            Enabled = true,
            Image = "ghcr.io/example/sandbox:1.2",
            SecurityContext = new SandboxSecurityContext { SeccompProfile = new SeccompProfileSpec { Type = "Unconfined" } },
            Resources = new SandboxResources { Limits = new Dictionary<string, string> { ["memory"] = "1Gi" } },
        });

        var job = AgentPodBuilder.BuildJob(new AgentPodInputs { Run = run, Instance = Instance() });

        GoldenFile.Assert("sandbox", job);
        Assert.Equal("Unconfined", job.Spec.Template.Spec.SecurityContext.SeccompProfile.Type);
        Assert.Equal(["sleep", "infinity"], job.Spec.Template.Spec.InitContainers.Single(c => c.Name == "sandbox").Command);
    }

    [Fact]
    public void Memory_configmap_and_memory_server()
    {
        var inputs = new AgentPodInputs
        {
            Run = Run(),
            Instance = Instance(i => i.Spec.Memory = new MemorySpec { Enabled = true }),
            Skills = [new SkillRef { SkillPackRef = "memory" }],
            MemoryServerUrl = "http://alice-memory.team-a.svc:8080",
        };

        var job = AgentPodBuilder.BuildJob(inputs);

        GoldenFile.Assert("memory", job);
        var pod = job.Spec.Template.Spec;
        Assert.Equal("wait-for-memory", pod.InitContainers[0].Name);
        Assert.Contains(pod.Containers[0].Env, e => e is { Name: "MEMORY_ENABLED", Value: "true" });
        Assert.Equal("alice-memory", pod.Volumes.Single(v => v.Name == "memory").ConfigMap.Name);
        Assert.Contains(pod.Containers[0].VolumeMounts, m => m is { Name: "memory", MountPath: "/memory", ReadOnlyProperty: true });
    }

    [Fact]
    public void Model_pinned_to_a_node_with_custom_env_auth_secret_and_reply_context()
    {
        var run = Run(r =>
        {
            r.Spec.Model = new ModelSpec { Provider = "ollama", Model = "llama3.2", BaseURL = "http://10.0.0.5:11434/v1", AuthSecretRef = "alice-ollama-key", NodeSelector = new() { ["kubernetes.io/hostname"] = "gpu-1" } };
            r.Spec.Env = new() { ["MAX_TOOL_ITERATIONS"] = "20", ["B_FLAG"] = "2", ["A_FLAG"] = "1" };
            r.Spec.ImagePullSecrets = [new LocalObjectReference { Name = "regcred" }];
            r.Metadata.Annotations = new() { ["sympozium.ai/reply-channel"] = "telegram", ["sympozium.ai/reply-chat-id"] = "-100200300" };
            r.Metadata.Labels = new() { ["sympozium.ai/persona-pack"] = "devops-team" };
        });

        var job = AgentPodBuilder.BuildJob(new AgentPodInputs { Run = run, Instance = Instance(), Timeout = TimeSpan.FromMinutes(30), TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", FetchAllowPrivate = true });

        GoldenFile.Assert("pinned-node-env-auth", job);
        var agent = job.Spec.Template.Spec.Containers[0];
        Assert.Equal(1860, job.Spec.ActiveDeadlineSeconds);
        Assert.Equal("gpu-1", job.Spec.Template.Spec.NodeSelector["kubernetes.io/hostname"]);
        Assert.Equal("alice-ollama-key", Assert.Single(agent.EnvFrom).SecretRef.Name);
        var names = agent.Env.Select(e => e.Name).ToList();
        Assert.True(names.IndexOf("A_FLAG") < names.IndexOf("B_FLAG") && names.IndexOf("B_FLAG") < names.IndexOf("MAX_TOOL_ITERATIONS"));
        Assert.Contains(agent.Env, e => e is { Name: "TRACEPARENT" });
        Assert.Contains(agent.Env, e => e is { Name: "SOURCE_CHAT_ID", Value: "-100200300" });
    }

    [Fact]
    public void Mcp_servers_observability_hooks_and_host_access()
    {
        var run = Run(r => r.Spec.Lifecycle = new LifecycleHooks
        {
            PreRun = [new LifecycleHook { Name = "fetch-context", Image = "alpine:3.20", Command = ["sh", "-c"], Args = ["echo ready"], Env = [new EnvVar { Name = "MODE", Value = "fast" }] }],
            PostRun = [new LifecycleHook { Name = "review", Image = "ghcr.io/example/reviewer:0.3", Gate = true }],
        });
        var hostPack = new ResolvedSidecar("llmfit", new SkillSidecar
        {
            Image = "ghcr.io/sympozium-ai/sympozium/skill-llmfit:latest",
            HostAccess = new HostAccess { Enabled = true, HostPID = true, Privileged = true, RunAsRoot = true, Mounts = [new HostMount { HostPath = "/proc", MountPath = "/host/proc" }] },
        }, new Dictionary<string, string>());
        var inputs = new AgentPodInputs
        {
            Run = run,
            Instance = Instance(i => i.Spec.Observability = new ObservabilitySpec { Enabled = true, OtlpEndpoint = "otel.observability.svc:4317", OtlpProtocol = "grpc", ResourceAttributes = new() { ["team"] = "a" } }),
            Sidecars = [hostPack],
            McpServers = [new McpServerBinding("github-mcp", "github-token", null), new McpServerBinding("fs", null, null)],
            HostAccessAllowed = true,
        };

        var job = AgentPodBuilder.BuildJob(inputs);

        GoldenFile.Assert("mcp-observability-hooks-host-access", job);
        var pod = job.Spec.Template.Spec;
        Assert.Equal(["mcp-discover", "ipc-bridge", "mcp-bridge", "skill-llmfit", "pre-fetch-context"], pod.InitContainers.Select(c => c.Name));
        Assert.True(pod.HostPID);
        Assert.Equal("alice-run-1-workspace", pod.Volumes.Single(v => v.Name == "workspace").PersistentVolumeClaim.ClaimName);
        Assert.Contains(pod.InitContainers[1].Env, e => e is { Name: "GATE_SUPPRESS_COMPLETION", Value: "true" });
        Assert.Equal("MCP_AUTH_GITHUB_MCP", pod.InitContainers[2].Env.Single(e => e.ValueFrom is not null).Name);
        Assert.Equal(
            "k8s.namespace.name=team-a,sympozium.agent_run.id=alice-run-1,sympozium.instance.name=alice,team=a",
            pod.Containers[0].Env.Single(e => e.Name == "OTEL_RESOURCE_ATTRIBUTES").Value);
    }

    [Fact]
    public void A_skillpack_asking_for_privileged_host_access_without_a_policy_allowing_it_gets_none()
    {
        var hostPack = new ResolvedSidecar("llmfit", new SkillSidecar
        {
            Image = "ghcr.io/sympozium-ai/sympozium/skill-llmfit:latest",
            HostAccess = new HostAccess { Enabled = true, HostNetwork = true, HostPID = true, Privileged = true, RunAsRoot = true, Mounts = [new HostMount { HostPath = "/", MountPath = "/host" }] },
        }, new Dictionary<string, string>(), "team-a");
        var inputs = new AgentPodInputs { Run = Run(), Sidecars = [hostPack] };

        var pod = AgentPodBuilder.BuildJob(inputs).Spec.Template.Spec;

        var sidecar = pod.InitContainers.Single(c => c.Name == "skill-llmfit");
        Assert.Equal((false, true, null, null), (sidecar.SecurityContext.AllowPrivilegeEscalation, sidecar.SecurityContext.ReadOnlyRootFilesystem, sidecar.SecurityContext.Privileged, sidecar.SecurityContext.RunAsUser));
        Assert.Equal(["ALL"], sidecar.SecurityContext.Capabilities.Drop);
        Assert.Null(pod.HostPID);
        Assert.Null(pod.HostNetwork);
        Assert.DoesNotContain(pod.Volumes, v => v.HostPath is not null);
        Assert.Equal(
            "SkillPack team-a/llmfit: spec.sidecar.hostAccess.enabled asks for host access, which the governing policy does not allow; bind the instance alice to a SympoziumPolicy with spec.hostAccess.allowed: true (spec.policyRef), or remove hostAccess from the pack",
            AgentPodBuilder.HostAccessRefusal(inputs, null));
        Assert.Null(AgentPodBuilder.HostAccessRefusal(inputs with { HostAccessAllowed = true }, "lenient"));
        Assert.Contains("set spec.hostAccess.allowed: true in SympoziumPolicy mounts-only", AgentPodBuilder.HostAccessRefusal(inputs with { HostMountsAllowed = true }, "mounts-only"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_sidecar_granted_only_host_paths_keeps_the_restricted_context()
    {
        var mountsOnly = new ResolvedSidecar("logs", new SkillSidecar
        {
            Image = "ghcr.io/example/logs:1",
            HostAccess = new HostAccess { Enabled = true, Mounts = [new HostMount { HostPath = "/var/log", MountPath = "/host/log" }] },
        }, new Dictionary<string, string>());

        var inputs = new AgentPodInputs { Run = Run(), Sidecars = [mountsOnly], HostMountsAllowed = true };

        var pod = AgentPodBuilder.BuildJob(inputs).Spec.Template.Spec;

        // sandboxPolicy.allowHostMounts grants host paths alone; the container stays restricted.
        var sidecar = pod.InitContainers.Single(c => c.Name == "skill-logs");
        Assert.Equal((false, true), (sidecar.SecurityContext.AllowPrivilegeEscalation, sidecar.SecurityContext.ReadOnlyRootFilesystem));
        Assert.Contains(pod.Volumes, v => v.HostPath?.Path == "/var/log");
        Assert.Null(AgentPodBuilder.HostAccessRefusal(inputs, "mounts-only"));
    }

    [Theory]
    [InlineData("llmfit", 0, "host-llmfit-0")]
    [InlineData("My_Pack!", 2, "host-my-pack--2")]
    [InlineData("___", 0, "host-----0")]
    public void Host_volume_names_are_valid_dns_labels(string pack, int index, string expected)
    {
        Assert.Equal(expected, AgentPodBuilder.HostVolumeName(pack, index));
        Assert.True(AgentPodBuilder.HostVolumeName(new string('x', 80), 1).Length <= 63);
    }

    [Fact]
    public void Job_labels_and_owner_reference_point_at_the_run()
    {
        var job = AgentPodBuilder.BuildJob(new AgentPodInputs { Run = Run() });

        Assert.Equal("alice-run-1", job.Metadata.Labels["sympozium.ai/agent-run"]);
        Assert.Equal(job.Metadata.Labels, job.Spec.Template.Metadata.Labels);
        var owner = Assert.Single(job.Metadata.OwnerReferences);
        Assert.Equal(("AgentRun", "alice-run-1", true, true), (owner.Kind, owner.Name, owner.Controller, owner.BlockOwnerDeletion));
        Assert.Equal(0, job.Spec.BackoffLimit);
        Assert.Equal(300, job.Spec.TtlSecondsAfterFinished);
    }

    [Fact]
    public void A_task_larger_than_linux_allows_for_one_environment_variable_is_mounted_as_a_file()
    {
        var task = new string('x', 200 * 1024);
        var run = Run(r => r.Spec.Task = task);

        var job = AgentPodBuilder.BuildJob(new AgentPodInputs { Run = run, Instance = Instance() });

        var agent = job.Spec.Template.Spec.Containers.Single();
        Assert.DoesNotContain(agent.Env, e => e.Name == "TASK" || (e.Value?.Length ?? 0) > 1000);
        Assert.Equal("/input/task", agent.Env.Single(e => e.Name == "TASK_FILE").Value);
        Assert.Contains(agent.VolumeMounts, m => m is { Name: "input", MountPath: "/input", ReadOnlyProperty: true });
        Assert.Equal("alice-run-1-input", job.Spec.Template.Spec.Volumes.Single(v => v.Name == "input").ConfigMap.Name);
        var input = AgentPodBuilder.InputConfigMap(run);
        Assert.Equal(task, input.Data["task"]);
        Assert.Equal("alice-run-1", input.Metadata.OwnerReferences.Single().Name);
    }

    [Fact]
    public void The_agent_reports_through_its_termination_message_file_never_a_log_fallback()
    {
        var agent = AgentPodBuilder.BuildJob(new AgentPodInputs { Run = Run(), Instance = Instance() }).Spec.Template.Spec.Containers.Single();

        Assert.Equal(("/dev/termination-log", "File"), (agent.TerminationMessagePath, agent.TerminationMessagePolicy));
        Assert.Equal("/dev/termination-log", agent.Env.Single(e => e.Name == "TERMINATION_MESSAGE_PATH").Value);
        Assert.Equal("4096", agent.Env.Single(e => e.Name == "TERMINATION_MESSAGE_MAX_BYTES").Value); // agent + ipc-bridge
    }

    [Fact]
    public void A_pod_with_many_containers_gives_the_agent_its_share_of_the_pods_termination_message_budget()
    {
        var job = AgentPodBuilder.BuildJob(new AgentPodInputs
        {
            Run = Run(r => r.Spec.Sandbox = new AgentRunSandboxSpec { Enabled = true }),
            Instance = Instance(),
            Sidecars = [K8sOps(), new ResolvedSidecar("b", new SkillSidecar { Image = "b" }, new Dictionary<string, string>()), new ResolvedSidecar("c", new SkillSidecar { Image = "c" }, new Dictionary<string, string>())],
        });

        var pod = job.Spec.Template.Spec;
        Assert.Equal(6, pod.InitContainers.Count + pod.Containers.Count);
        Assert.Equal("2048", pod.Containers.Single().Env.Single(e => e.Name == "TERMINATION_MESSAGE_MAX_BYTES").Value); // 12 KiB / 6
    }

    [Fact]
    public void The_secrets_a_pod_cannot_start_without_are_listed_with_their_keys()
    {
        var run = Run(r => r.Spec.Model.AuthSecretRef = "llm-key");
        var inputs = new AgentPodInputs
        {
            Run = run,
            Instance = Instance(),
            McpServers = [new McpServerBinding("github", "gh-token", "pat")],
            Sidecars = [new ResolvedSidecar("k8s-ops", new SkillSidecar { Image = "i", SecretRef = "optional-volume" }, new Dictionary<string, string>())],
        };

        var uses = Sympozium.Controller.Runs.PodSecretRefs.Required(AgentPodBuilder.BuildJob(inputs).Spec.Template.Spec);

        Assert.Contains(new Sympozium.Controller.Runs.SecretUse("agent", "llm-key", null, null), uses);
        Assert.DoesNotContain(uses, u => u.Secret is "gh-token" or "optional-volume"); // optional: the pod starts without them

        var keyed = new V1PodSpec
        {
            Containers = [new V1Container { Name = "c", Env = [new V1EnvVar { Name = "TOKEN", ValueFrom = new V1EnvVarSource { SecretKeyRef = new V1SecretKeySelector { Name = "s", Key = "k" } } }] }],
        };
        Assert.Equal([new Sympozium.Controller.Runs.SecretUse("c", "s", "k", "TOKEN")], Sympozium.Controller.Runs.PodSecretRefs.Required(keyed));
    }
}
