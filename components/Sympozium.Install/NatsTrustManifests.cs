using System.Text;
using System.Text.Json.Nodes;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus.Credentials;
using Sympozium.Kubernetes.Client;

namespace Sympozium.Install;

/// <summary>
/// The objects behind NATS authentication (docs/design/event-bus.md#credentials), made by the
/// installer because they hold keys generated once per installation:
/// <list type="bullet">
/// <item>Secret <c>sympozium-nats-trust</c>: every seed (operator, system account, account,
/// signing key). Mounted by no pod; kept so a re-install keeps the same keys and every
/// credential minted so far stays valid.</item>
/// <item>ConfigMap <c>nats-config</c>: the server's configuration (operator mode, the accounts'
/// JWTs, limits), mounted by the NATS pod. Public keys and JWTs only.</item>
/// <item>Secret <c>sympozium-nats-signing-key</c>: the account signing key and the account's
/// public key, mounted by the controller only, which mints every other credential.</item>
/// </list>
/// </summary>
public static class NatsTrustManifests
{
    public const string TrustSecret = "sympozium-nats-trust";
    public const string ConfigMap = "nats-config";
    public const string SigningKeySecret = "sympozium-nats-signing-key";
    public const string ConfigFile = "server.conf";

    private const string Ns = Defaults.SystemNamespace;

    /// <summary>
    /// The three objects, with the keys of the installation's existing trust Secret or, on a
    /// first install, new ones.
    /// </summary>
    public static async Task<IReadOnlyList<JsonObject>> LoadOrCreateAsync(KubernetesConnection connection, NatsServerLimits? limits = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var trust = await ReadAsync(connection, cancellationToken).ConfigureAwait(false) ?? NatsTrust.Generate();
        return Documents(trust, limits ?? new NatsServerLimits());
    }

    /// <summary>The objects for <paramref name="trust"/>.</summary>
    public static IReadOnlyList<JsonObject> Documents(NatsTrust trust, NatsServerLimits limits)
    {
        ArgumentNullException.ThrowIfNull(trust);
        return
        [
            Secret(TrustSecret, "nats-trust", new Dictionary<string, string>
            {
                ["operator"] = trust.OperatorSeed,
                ["system-account"] = trust.SystemAccountSeed,
                ["account"] = trust.AccountSeed,
                ["signing-key"] = trust.SigningSeed,
            }),
            new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "ConfigMap",
                ["metadata"] = Metadata(ConfigMap, "nats"),
                ["data"] = new JsonObject { [ConfigFile] = trust.ServerConfiguration(limits) },
            },
            Secret(SigningKeySecret, "controller", new Dictionary<string, string>
            {
                [NatsCredentialIssuer.SeedFile] = trust.SigningSeed,
                [NatsCredentialIssuer.AccountFile] = trust.AccountPublicKey,
            }),
        ];
    }

    private static async Task<NatsTrust?> ReadAsync(KubernetesConnection connection, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"/api/v1/namespaces/{Ns}/secrets/{TrustSecret}", UriKind.Relative));
        using var response = await connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        var data = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false))?["data"] as JsonObject;
        string Key(string name) => data?[name]?.ToString() is { Length: > 0 } value
            ? Encoding.UTF8.GetString(Convert.FromBase64String(value))
            : throw new InvalidDataException($"Secret {Ns}/{TrustSecret} has no key '{name}': delete it to generate new keys (every NATS credential minted so far stops working)");
        return new NatsTrust(Key("operator"), Key("system-account"), Key("account"), Key("signing-key"));
    }

    private static JsonObject Secret(string name, string component, Dictionary<string, string> values)
    {
        var data = new JsonObject();
        foreach (var (key, value) in values)
        {
            data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(value));
        }

        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["type"] = "Opaque",
            ["metadata"] = Metadata(name, component),
            ["data"] = data,
        };
    }

    private static JsonObject Metadata(string name, string component) => new()
    {
        ["name"] = name,
        ["namespace"] = Ns,
        ["labels"] = new JsonObject
        {
            ["app.kubernetes.io/component"] = component,
            ["app.kubernetes.io/part-of"] = "sympozium",
        },
    };
}
