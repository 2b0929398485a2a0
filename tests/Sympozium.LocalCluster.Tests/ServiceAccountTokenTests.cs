using System.Diagnostics;
using System.Text.Json.Nodes;
using Sympozium.LocalCluster.Security;

namespace Sympozium.LocalCluster.Tests;

/// <summary>
/// ServiceAccount credentials of the API server: TokenRequest, who a token authenticates as,
/// and every way a token stops working (unknown, forged, expired, other audience, revoked).
/// </summary>
public sealed class ServiceAccountTokenTests(LocalClusterFixture cluster) : IClassFixture<LocalClusterFixture>
{
    private const string Ns = "sa-tokens";

    private HttpClient Http => cluster.Http;

    [Fact]
    public async Task A_requested_token_authenticates_as_its_service_account()
    {
        await EnsureNamespaceAsync();
        await CreateAccountAsync("robot");

        var before = DateTimeOffset.UtcNow;
        var (code, issued) = await Http.PostAsync($"api/v1/namespaces/{Ns}/serviceaccounts/robot/token", TokenRequest());
        Assert.Equal(201, code);
        Assert.Equal("TokenRequest", issued["kind"]!.GetValue<string>());
        Assert.Equal(["https://kubernetes.default.svc.cluster.local"], issued["spec"]!["audiences"]!.AsArray().Select(a => a!.GetValue<string>()));
        var expires = DateTimeOffset.Parse(issued["status"]!["expirationTimestamp"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires, before.AddSeconds(3600 - 5), DateTimeOffset.UtcNow.AddSeconds(3600 + 5));

        using var robot = LocalClusterFixture.CreateHttpClient(cluster.Server, Token(issued));
        using var api = await robot.GetAsync("api");
        Assert.Equal(System.Net.HttpStatusCode.OK, api.StatusCode);
        var user = await WhoAmIAsync(robot);
        Assert.Equal("system:serviceaccount:sa-tokens:robot", user["username"]!.GetValue<string>());
        Assert.Contains("system:serviceaccounts:sa-tokens", user["groups"]!.AsArray().Select(g => g!.GetValue<string>()));
        Assert.Equal("kubernetes-admin", (await WhoAmIAsync(Http))["username"]!.GetValue<string>());
    }

    [Fact]
    public async Task Discovery_lists_the_token_subresource_as_a_TokenRequest()
    {
        var (_, resources) = await Http.GetJsonAsync("api/v1");
        var token = resources["resources"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == "serviceaccounts/token")!;
        Assert.Equal(("authentication.k8s.io", "v1", "TokenRequest"), (token["group"]!.GetValue<string>(), token["version"]!.GetValue<string>(), token["kind"]!.GetValue<string>()));
        Assert.Equal(["create"], token["verbs"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    [Fact]
    public async Task Unknown_forged_expired_and_foreign_audience_tokens_are_401()
    {
        await EnsureNamespaceAsync();
        var account = await CreateAccountAsync("expiring");
        var (_, issued) = await Http.PostAsync($"api/v1/namespaces/{Ns}/serviceaccounts/expiring/token", TokenRequest());
        var valid = Token(issued);
        var forged = valid[..^4] + (valid[^4..] == "AAAA" ? "BBBB" : "AAAA");
        var tokens = ServiceAccountTokens.LoadOrCreate(cluster.Server.Options.Directory, cluster.Server.Store, new ShiftedClock(TimeSpan.FromHours(-2)));
        var expired = tokens.Issue(account, ServiceAccountTokens.ApiAudiences, TimeSpan.FromHours(1), null).Token;
        var (_, vault) = await Http.PostAsync($"api/v1/namespaces/{Ns}/serviceaccounts/expiring/token", TokenRequest(audience: "vault"));

        Assert.Equal(200, await StatusWithAsync(valid));
        foreach (var token in new[] { "not-a-token", forged, expired, Token(vault) })
        {
            using var client = LocalClusterFixture.CreateHttpClient(cluster.Server, token);
            var (code, status) = await client.GetJsonAsync("api/v1/namespaces");
            Assert.Equal(401, code);
            Assert.Equal("Unauthorized", status["reason"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task Deleting_the_service_account_revokes_its_tokens_even_if_it_is_recreated()
    {
        await EnsureNamespaceAsync();
        await CreateAccountAsync("doomed");
        var (_, issued) = await Http.PostAsync($"api/v1/namespaces/{Ns}/serviceaccounts/doomed/token", TokenRequest());
        Assert.Equal(200, await StatusWithAsync(Token(issued)));

        var (deleted, _) = await Http.SendAsync(HttpMethod.Delete, $"api/v1/namespaces/{Ns}/serviceaccounts/doomed");
        Assert.Equal(200, deleted);
        Assert.Equal(401, await StatusWithAsync(Token(issued)));

        await CreateAccountAsync("doomed");
        Assert.Equal(401, await StatusWithAsync(Token(issued)));
    }

    [Fact]
    public async Task A_token_bound_to_a_secret_dies_with_the_secret()
    {
        await EnsureNamespaceAsync();
        await CreateAccountAsync("bound");
        var (_, secret) = await Http.PostAsync($"api/v1/namespaces/{Ns}/secrets", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "holder" } });
        var request = TokenRequest();
        request["spec"]!["boundObjectRef"] = new JsonObject { ["kind"] = "Secret", ["apiVersion"] = "v1", ["name"] = "holder", ["uid"] = secret["metadata"]!["uid"]!.DeepClone() };
        var (code, issued) = await Http.PostAsync($"api/v1/namespaces/{Ns}/serviceaccounts/bound/token", request);
        Assert.Equal(201, code);
        Assert.Equal("holder", issued["spec"]!["boundObjectRef"]!["name"]!.GetValue<string>());
        Assert.Equal(200, await StatusWithAsync(Token(issued)));

        await Http.SendAsync(HttpMethod.Delete, $"api/v1/namespaces/{Ns}/secrets/holder");
        Assert.Equal(401, await StatusWithAsync(Token(issued)));
    }

    [Fact]
    public async Task Bad_token_requests_are_answered_as_Kubernetes_does()
    {
        await EnsureNamespaceAsync();
        await CreateAccountAsync("picky");

        var (missing, notFound) = await Http.PostAsync($"api/v1/namespaces/{Ns}/serviceaccounts/ghost/token", TokenRequest());
        var (tooShort, invalid) = await Http.PostAsync($"api/v1/namespaces/{Ns}/serviceaccounts/picky/token", TokenRequest(seconds: 60));
        var (longer, issued) = await Http.PostAsync($"api/v1/namespaces/{Ns}/serviceaccounts/picky/token", TokenRequest(seconds: 7200));
        var unboundRequest = TokenRequest();
        unboundRequest["spec"]!["boundObjectRef"] = new JsonObject { ["kind"] = "Pod", ["apiVersion"] = "v1", ["name"] = "no-such-pod" };
        var (unbound, _) = await Http.PostAsync($"api/v1/namespaces/{Ns}/serviceaccounts/picky/token", unboundRequest);
        var (get, _) = await Http.GetJsonAsync($"api/v1/namespaces/{Ns}/serviceaccounts/picky/token");

        Assert.Equal(404, missing);
        Assert.Equal("serviceaccounts \"ghost\" not found", notFound["message"]!.GetValue<string>());
        Assert.Equal(422, tooShort);
        Assert.Contains("spec.expirationSeconds", invalid["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(201, longer);
        Assert.Equal(7200, issued["spec"]!["expirationSeconds"]!.GetValue<long>());
        Assert.Equal(404, unbound);
        Assert.Equal(405, get);
    }

    [Fact]
    public async Task Every_namespace_has_a_default_service_account_and_the_root_ca_config_map()
    {
        var (created, _) = await Http.PostAsync("api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "fresh" } });
        Assert.Equal(201, created);
        var (found, account) = await Http.GetJsonAsync("api/v1/namespaces/fresh/serviceaccounts/default");
        Assert.Equal(200, found); // at once: a pod created right after its namespace is admitted

        await Http.SendAsync(HttpMethod.Delete, "api/v1/namespaces/fresh/serviceaccounts/default");
        var recreated = await EventuallyAsync(async () =>
        {
            var (code, again) = await Http.GetJsonAsync("api/v1/namespaces/fresh/serviceaccounts/default");
            return code == 200 && again["metadata"]!["uid"]!.GetValue<string>() != account["metadata"]!["uid"]!.GetValue<string>();
        });
        var rootCa = await EventuallyAsync(async () =>
        {
            var (code, configMap) = await Http.GetJsonAsync("api/v1/namespaces/fresh/configmaps/kube-root-ca.crt");
            return code == 200 && configMap["data"]!["ca.crt"]!.GetValue<string>() == cluster.Server.CaPem;
        });

        Assert.True(recreated, "the deleted default ServiceAccount was not recreated");
        Assert.True(rootCa, "kube-root-ca.crt was not published with the cluster CA");
    }

    [Fact]
    public async Task A_pod_naming_a_missing_service_account_is_refused_and_others_default_to_default()
    {
        await EnsureNamespaceAsync();
        var (refused, status) = await Http.PostAsync($"api/v1/namespaces/{Ns}/pods", Pod("orphan", serviceAccount: "ghost"));
        var (admitted, pod) = await Http.PostAsync($"api/v1/namespaces/{Ns}/pods", Pod("plain", serviceAccount: null));

        Assert.Equal(403, refused);
        Assert.Equal("pods \"orphan\" is forbidden: error looking up service account sa-tokens/ghost: serviceaccount \"ghost\" not found", status["message"]!.GetValue<string>());
        Assert.Equal(201, admitted);
        Assert.Equal("default", pod["spec"]!["serviceAccountName"]!.GetValue<string>());
    }

    [KubectlFact]
    public async Task Kubectl_create_token_prints_a_token_that_kubectl_auth_whoami_accepts()
    {
        await EnsureNamespaceAsync();
        await CreateAccountAsync("cli");

        var created = await Kubectl.RunAsync(cluster.Server.KubeconfigPath, null, "create", "token", "cli", "-n", Ns, "--duration", "15m");
        Assert.True(created.ExitCode == 0, created.Stderr);
        var token = created.Stdout.Trim();
        var whoami = await Kubectl.RunAsync(cluster.Server.KubeconfigPath, null, "--token", token, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}");
        var missing = await Kubectl.RunAsync(cluster.Server.KubeconfigPath, null, "create", "token", "nobody", "-n", Ns);

        Assert.Equal(200, await StatusWithAsync(token));
        Assert.True(whoami.ExitCode == 0, whoami.Stderr);
        Assert.Equal("system:serviceaccount:sa-tokens:cli", whoami.Stdout.Trim());
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("serviceaccounts \"nobody\" not found", missing.Stderr, StringComparison.Ordinal);
    }

    private async Task EnsureNamespaceAsync()
    {
        var (code, _) = await Http.PostAsync("api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = Ns } });
        Assert.True(code is 201 or 409, $"creating namespace {Ns}: {code}");
    }

    private async Task<JsonObject> CreateAccountAsync(string name)
    {
        var (code, account) = await Http.PostAsync($"api/v1/namespaces/{Ns}/serviceaccounts", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } });
        Assert.Equal(201, code);
        return account;
    }

    private async Task<int> StatusWithAsync(string token)
    {
        using var client = LocalClusterFixture.CreateHttpClient(cluster.Server, token);
        using var response = await client.GetAsync("api");
        return (int)response.StatusCode;
    }

    private static async Task<JsonObject> WhoAmIAsync(HttpClient client)
    {
        var (code, review) = await client.PostAsync("apis/authentication.k8s.io/v1/selfsubjectreviews", new JsonObject { ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "SelfSubjectReview" });
        Assert.Equal(201, code);
        return review["status"]!["userInfo"]!.AsObject();
    }

    private static JsonObject TokenRequest(long? seconds = null, string? audience = null) => new()
    {
        ["apiVersion"] = "authentication.k8s.io/v1",
        ["kind"] = "TokenRequest",
        ["spec"] = new JsonObject
        {
            ["audiences"] = audience is null ? null : new JsonArray(audience),
            ["expirationSeconds"] = seconds,
        },
    };

    private static string Token(JsonObject tokenRequest) => tokenRequest["status"]!["token"]!.GetValue<string>();

    private static JsonObject Pod(string name, string? serviceAccount)
    {
        var spec = new JsonObject
        {
            ["containers"] = new JsonArray(new JsonObject { ["name"] = "main", ["image"] = "busybox", ["command"] = new JsonArray("true") }),
            ["restartPolicy"] = "Never",
            ["nodeSelector"] = new JsonObject { ["no-such-node"] = "true" }, // stays Pending: only admission matters here
        };
        if (serviceAccount is not null)
        {
            spec["serviceAccountName"] = serviceAccount;
        }

        return new JsonObject { ["metadata"] = new JsonObject { ["name"] = name }, ["spec"] = spec };
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    /// <summary>The system clock moved by an offset: issues tokens that expired long ago.</summary>
    private sealed class ShiftedClock(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
    }
}
