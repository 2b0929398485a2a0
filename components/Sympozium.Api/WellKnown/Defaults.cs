namespace Sympozium.Api.WellKnown;

/// <summary>System-wide names and defaults (control-plane constants).</summary>
public static class Defaults
{
    public const string SystemNamespace = "sympozium-system";
    public const string ImageRegistry = "ghcr.io/sympozium-ai/sympozium";
    public const string ImageRegistryVariable = "SYMPOZIUM_IMAGE_REGISTRY";
    public const string ImageTagVariable = "SYMPOZIUM_IMAGE_TAG";
    public const string EventBusUrl = "nats://nats.sympozium-system.svc:4222";
    public const string AgentServiceAccount = "sympozium-agent";
    public const int RunHistoryLimit = 50;
    public static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(10);
    public const string ConfigName = "default";
    public const string GatewayName = "sympozium-gateway";
    public const string GatewayClassName = "sympozium";
    public const string WildcardCertSecret = "sympozium-wildcard-cert";
    public const int WebhookPort = 9443;
    public const int NodeProbePort = 9473;
}
