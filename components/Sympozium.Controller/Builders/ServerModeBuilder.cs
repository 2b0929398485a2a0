using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Kubernetes.Pods;

namespace Sympozium.Controller.Builders;

/// <summary>
/// The objects of a server-mode AgentRun (docs/design/serving.md): the Deployment and Service
/// <c>&lt;run&gt;-server</c> running the skill sidecar that <c>requiresServer</c> as container
/// <c>web-proxy</c>, the API-key Secret, and the HTTPRoute <c>&lt;run&gt;-web</c>. Same label keys and
/// names as upstream so existing selectors and the web-proxy keep working.
/// </summary>
public static class ServerModeBuilder
{
    public const string ContainerName = "web-proxy";
    public const string ApiKeyField = "api-key";
    public const string AuthSecretParam = "auth_secret_ref";
    public const string HostnameParam = "hostname";
    public const string RateLimitRpmParam = "rate_limit_rpm";
    public const string RateLimitBurstParam = "rate_limit_burst";

    /// <summary>The probes and the route use this port, whatever the sidecar declares (as upstream).</summary>
    public const int HttpPort = 8080;

    public const string HealthPath = "/healthz";
    public const string HttpRouteApiVersion = GatewayBuilder.ApiVersion;

    public static string ServerName(AgentRun run) => Name(run) + "-server";

    public static string RouteName(AgentRun run) => Name(run) + "-web";

    /// <summary><c>&lt;instance&gt;-web-proxy-key</c>: one generated key per instance and namespace.</summary>
    public static string GeneratedKeySecretName(string instance) => instance + "-web-proxy-key";

    /// <summary>The Secret holding the API key: the skill's <c>auth_secret_ref</c> param, else the generated one.</summary>
    public static string ApiKeySecretName(AgentRun run, ResolvedSidecar server)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(server);
        return server.Params.GetValueOrDefault(AuthSecretParam) is { Length: > 0 } own ? own : GeneratedKeySecretName(run.Spec.InstanceRef);
    }

    /// <summary>True when the Secret is named by the user (never created or changed by the controller).</summary>
    public static bool UsesOwnSecret(ResolvedSidecar server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return server.Params.GetValueOrDefault(AuthSecretParam) is { Length: > 0 };
    }

    /// <summary>The first resolved sidecar with <c>requiresServer: true</c>, or null.</summary>
    public static ResolvedSidecar? ServerSidecar(IEnumerable<ResolvedSidecar> sidecars) =>
        sidecars.FirstOrDefault(s => s.Sidecar.RequiresServer == true && !string.IsNullOrEmpty(s.Sidecar.Image));

    /// <summary>
    /// The sidecar as <see cref="RbacBuilder"/> sees a task sidecar, so the server gets exactly the
    /// grants of the skill it runs (bound to the run's own ServiceAccount,
    /// docs/design/upstream-fixes.md#cp-5).
    /// </summary>
    public static ResolvedSidecar AsGrantee(ResolvedSidecar server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var s = server.Sidecar;
        return server with
        {
            Sidecar = new SkillSidecar { Image = s.Image, Rbac = s.Rbac, ClusterRBAC = s.ClusterRBAC, RequiresServer = false },
        };
    }

    /// <summary>Labels of the Deployment, its pods, the Service and the HTTPRoute (also the selector).</summary>
    public static Dictionary<string, string> ServerLabels(AgentRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new Dictionary<string, string>
        {
            [Labels.AgentRun] = Name(run),
            [Labels.Instance] = run.Spec.InstanceRef,
            [Labels.Component] = Labels.Components.AgentServer,
            [Labels.PartOf] = Labels.Values.Sympozium,
            [Labels.AppManagedBy] = Labels.Values.SympoziumController,
        };
    }

    /// <summary>A new API key: <c>sk-</c> and 48 lowercase hex characters from 24 CSPRNG bytes.</summary>
    public static string NewApiKey() => "sk-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    /// <summary>The generated API-key Secret (owned by the run that first needed it).</summary>
    public static V1Secret ApiKeySecret(AgentRun run, string apiKey)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(apiKey);
        return new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Type = "Opaque",
            Metadata = new V1ObjectMeta
            {
                Name = GeneratedKeySecretName(run.Spec.InstanceRef),
                NamespaceProperty = run.Metadata.Namespace,
                Labels = new Dictionary<string, string>
                {
                    [Labels.Component] = Labels.Components.WebProxy,
                    [Labels.Instance] = run.Spec.InstanceRef,
                },
                OwnerReferences = [AgentPodBuilder.OwnerReference(run)],
            },
            Data = new Dictionary<string, byte[]> { [ApiKeyField] = Encoding.UTF8.GetBytes(apiKey) },
        };
    }

    /// <summary>Env of the <c>web-proxy</c> container, in upstream's order (params sorted so the spec is stable).</summary>
    public static List<V1EnvVar> Env(AgentRun run, ResolvedSidecar server, string apiKeySecret)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(server);
        var env = (server.Sidecar.Env ?? []).Select(e => EnvVars.Value(e.Name, e.Value)).ToList();
        env.Add(EnvVars.Value(EnvironmentVariables.InstanceName, run.Spec.InstanceRef));
        env.Add(EnvVars.FromSecret(EnvironmentVariables.WebProxyApiKey, apiKeySecret, ApiKeyField));
        if (server.Params.GetValueOrDefault(RateLimitRpmParam) is { Length: > 0 } rpm)
        {
            env.Add(EnvVars.Value(EnvironmentVariables.RateLimitRpm, rpm));
        }

        if (server.Params.GetValueOrDefault(RateLimitBurstParam) is { Length: > 0 } burst)
        {
            env.Add(EnvVars.Value(EnvironmentVariables.RateLimitBurst, burst));
        }

        env.AddRange(server.Params.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => EnvVars.Value(EnvironmentVariables.SkillParamPrefix + p.Key.ToUpperInvariant(), p.Value)));
        return env;
    }

    /// <summary>The sidecar's ports, or <c>http</c>:8080 when it declares none (the port probes and route use).</summary>
    public static List<SidecarPort> Ports(ResolvedSidecar server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return server.Sidecar.Ports is { Count: > 0 } ports ? ports : [new SidecarPort { Name = "http", ContainerPort = HttpPort }];
    }

    /// <summary>
    /// Deployment <c>&lt;run&gt;-server</c>: one replica of the server sidecar as container <c>web-proxy</c>,
    /// under <paramref name="serviceAccount"/> (the run's own when the skill has RBAC).
    /// </summary>
    public static V1Deployment BuildDeployment(AgentRun run, ResolvedSidecar server, string apiKeySecret, string serviceAccount, bool apiAccess)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(server);
        var labels = ServerLabels(run);
        var sidecar = server.Sidecar;
        var cpu = sidecar.Resources?.Cpu is { Length: > 0 } c ? c : "100m";
        var memory = sidecar.Resources?.Memory is { Length: > 0 } m ? m : "128Mi";
        var container = new V1Container
        {
            Name = ContainerName,
            Image = sidecar.Image,
            ImagePullPolicy = "IfNotPresent",
            Command = sidecar.Command is { Count: > 0 } command ? [.. command] : null,
            Ports = [.. Ports(server).Select(p => new V1ContainerPort { Name = p.Name, ContainerPort = p.ContainerPort, Protocol = p.Protocol is { Length: > 0 } pr ? pr : "TCP" })],
            Env = Env(run, server, apiKeySecret),
            LivenessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = HealthPath, Port = HttpPort }, InitialDelaySeconds = 5, PeriodSeconds = 10 },
            ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = HealthPath, Port = HttpPort }, InitialDelaySeconds = 3, PeriodSeconds = 5 },
            Resources = ContainerResources.Bounded(cpu, memory, "500m", "256Mi"),
            SecurityContext = ContainerSecurity.Restricted(runAsNonRoot: true),
        };

        return new V1Deployment
        {
            ApiVersion = "apps/v1",
            Kind = "Deployment",
            Metadata = new V1ObjectMeta
            {
                Name = ServerName(run),
                NamespaceProperty = run.Metadata.Namespace,
                Labels = labels,
                OwnerReferences = [AgentPodBuilder.OwnerReference(run)],
            },
            Spec = new V1DeploymentSpec
            {
                Replicas = 1,
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string>(labels) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string>(labels) },
                    Spec = new V1PodSpec
                    {
                        RestartPolicy = "Always",
                        ServiceAccountName = serviceAccount,
                        AutomountServiceAccountToken = apiAccess,
                        ImagePullSecrets = PullSecrets.From(run.Spec.ImagePullSecrets),
                        NodeSelector = run.Spec.Model.NodeSelector is { Count: > 0 } selector ? new Dictionary<string, string>(selector) : null,
                        SecurityContext = new V1PodSecurityContext
                        {
                            RunAsNonRoot = true,
                            SeccompProfile = new V1SeccompProfile { Type = PodSecurity.DefaultSeccompProfile },
                        },
                        Containers = [container],
                    },
                },
            },
        };
    }

    /// <summary>Service <c>&lt;run&gt;-server</c>: ClusterIP, one port per sidecar port.</summary>
    public static V1Service BuildService(AgentRun run, ResolvedSidecar server)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(server);
        var labels = ServerLabels(run);
        return new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta
            {
                Name = ServerName(run),
                NamespaceProperty = run.Metadata.Namespace,
                Labels = labels,
                OwnerReferences = [AgentPodBuilder.OwnerReference(run)],
            },
            Spec = new V1ServiceSpec
            {
                Type = "ClusterIP",
                Selector = new Dictionary<string, string>(labels),
                Ports = [.. Ports(server).Select(p => new V1ServicePort
                {
                    Name = p.Name,
                    Port = p.ContainerPort,
                    TargetPort = p.ContainerPort,
                    Protocol = p.Protocol is { Length: > 0 } pr ? pr : "TCP",
                })],
            },
        };
    }

    /// <summary>The route's hostname: param <c>hostname</c>, else <c>&lt;instance&gt;.&lt;baseDomain&gt;</c>, else null (no route).</summary>
    public static string? Hostname(AgentRun run, ResolvedSidecar server, GatewaySpec gateway)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(gateway);
        return server.Params.GetValueOrDefault(HostnameParam) is { Length: > 0 } hostname ? hostname
            : gateway.BaseDomain is { Length: > 0 } domain ? $"{run.Spec.InstanceRef}.{domain}"
            : null;
    }

    /// <summary>
    /// HTTPRoute <c>&lt;run&gt;-web</c>: <paramref name="hostname"/> on the config's Gateway in
    /// sympozium-system, all paths to <c>&lt;run&gt;-server</c>:8080. No sectionName: TLS is
    /// terminated by the Gateway's https listener.
    /// </summary>
    public static JsonObject BuildRoute(AgentRun run, GatewaySpec gateway, string hostname)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(gateway);
        var labels = new JsonObject
        {
            [Labels.AgentRun] = Name(run),
            [Labels.Instance] = run.Spec.InstanceRef,
            [Labels.Component] = Labels.Components.AgentServer,
        };
        var owner = AgentPodBuilder.OwnerReference(run);
        return new JsonObject
        {
            ["apiVersion"] = HttpRouteApiVersion,
            ["kind"] = "HTTPRoute",
            ["metadata"] = new JsonObject
            {
                ["name"] = RouteName(run),
                ["namespace"] = run.Metadata.Namespace,
                ["labels"] = labels,
                ["ownerReferences"] = new JsonArray(new JsonObject
                {
                    ["apiVersion"] = owner.ApiVersion,
                    ["kind"] = owner.Kind,
                    ["name"] = owner.Name,
                    ["uid"] = owner.Uid,
                    ["controller"] = true,
                    ["blockOwnerDeletion"] = true,
                }),
            },
            ["spec"] = new JsonObject
            {
                ["parentRefs"] = new JsonArray(new JsonObject
                {
                    ["name"] = gateway.Name is { Length: > 0 } name ? name : Defaults.GatewayName,
                    ["namespace"] = Defaults.SystemNamespace,
                }),
                ["hostnames"] = new JsonArray(JsonValue.Create(hostname)),
                ["rules"] = new JsonArray(new JsonObject
                {
                    ["backendRefs"] = new JsonArray(new JsonObject { ["name"] = ServerName(run), ["port"] = HttpPort }),
                }),
            },
        };
    }

    private static string Name(AgentRun run) => run.Metadata.Name ?? throw new ArgumentException("the run has no name", nameof(run));
}
