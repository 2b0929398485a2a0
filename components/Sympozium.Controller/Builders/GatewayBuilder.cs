using System.Text.Json.Nodes;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;

namespace Sympozium.Controller.Builders;

/// <summary>
/// The Gateway API objects of a SympoziumConfig
/// (docs/design/instances.md#sympoziumconfig-and-the-gateway): the GatewayClass and the Gateway
/// serving runs' HTTPRoutes. Plain JSON, as the Gateway API has no typed model in the client.
/// </summary>
public static class GatewayBuilder
{
    public const string ApiVersion = "gateway.networking.k8s.io/v1";
    public const string ClassController = "gateway.envoyproxy.io/gatewayclass-controller";

    /// <summary>
    /// The Gateway: an HTTP listener, and an HTTPS one for *.&lt;baseDomain&gt; when TLS is on.
    /// Routes are admitted from all namespaces: serving runs live in agent namespaces.
    /// </summary>
    public static JsonObject Gateway(SympoziumConfig config, GatewaySpec spec, string className, string gatewayName)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(spec);
        static JsonObject AllowedRoutes() => new() { ["namespaces"] = new JsonObject { ["from"] = "All" } };
        var listeners = new JsonArray(
            (JsonNode)new JsonObject { ["name"] = "http", ["protocol"] = "HTTP", ["port"] = 80, ["allowedRoutes"] = AllowedRoutes() });
        if (spec.Tls?.Enabled == true && !string.IsNullOrEmpty(spec.BaseDomain))
        {
            listeners.Add((JsonNode)new JsonObject
            {
                ["name"] = "https",
                ["protocol"] = "HTTPS",
                ["port"] = 443,
                ["hostname"] = "*." + spec.BaseDomain,
                ["tls"] = new JsonObject
                {
                    ["mode"] = "Terminate",
                    ["certificateRefs"] = new JsonArray(new JsonObject
                    {
                        ["kind"] = "Secret",
                        ["name"] = string.IsNullOrEmpty(spec.Tls.SecretName) ? Defaults.WildcardCertSecret : spec.Tls.SecretName,
                    }),
                },
                ["allowedRoutes"] = AllowedRoutes(),
            });
        }

        var metadata = new JsonObject
        {
            ["name"] = gatewayName,
            ["namespace"] = config.Metadata.Namespace,
            ["labels"] = new JsonObject { [Labels.ManagedBy] = Labels.Values.SympoziumConfig },
            ["ownerReferences"] = new JsonArray(OwnerOf(config)),
        };
        if (spec.Tls?.CertManagerClusterIssuer is { Length: > 0 } issuer)
        {
            metadata["annotations"] = new JsonObject { [Annotations.CertManagerClusterIssuer] = issuer };
        }

        return new JsonObject
        {
            ["apiVersion"] = ApiVersion,
            ["kind"] = "Gateway",
            ["metadata"] = metadata,
            ["spec"] = new JsonObject { ["gatewayClassName"] = className, ["listeners"] = listeners },
        };
    }

    /// <summary>A GatewayClass of the Envoy Gateway controller, labelled as ours so garbage collection may delete it.</summary>
    public static JsonObject GatewayClass(string className) => new()
    {
        ["apiVersion"] = ApiVersion,
        ["kind"] = "GatewayClass",
        ["metadata"] = new JsonObject { ["name"] = className, ["labels"] = new JsonObject { [Labels.ManagedBy] = Labels.Values.SympoziumConfig } },
        ["spec"] = new JsonObject { ["controllerName"] = ClassController },
    };

    /// <summary>A controller owner reference to the config (JSON: the Gateway API kinds have no typed model here).</summary>
    public static JsonObject OwnerOf(SympoziumConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new JsonObject
        {
            ["apiVersion"] = config.ApiVersion,
            ["kind"] = config.Kind,
            ["name"] = config.Metadata.Name,
            ["uid"] = config.Metadata.Uid,
            ["controller"] = true,
            ["blockOwnerDeletion"] = true,
        };
    }
}
