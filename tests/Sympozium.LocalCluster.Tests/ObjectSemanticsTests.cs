using System.Net;
using System.Text.Json.Nodes;

namespace Sympozium.LocalCluster.Tests;

/// <summary>resourceVersion, generation, finalizers, selectors, paging and errors, over real HTTP.</summary>
public sealed class ObjectSemanticsTests(LocalClusterFixture cluster) : IClassFixture<LocalClusterFixture>
{
    private const string ConfigMaps = "api/v1/namespaces/default/configmaps";
    private const string AgentRuns = "apis/sympozium.ai/v1alpha1/namespaces/default/agentruns";
    private readonly HttpClient _http = cluster.Http;

    private static JsonObject AgentRun(string name) => new()
    {
        ["apiVersion"] = "sympozium.ai/v1alpha1",
        ["kind"] = "AgentRun",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject
        {
            ["instanceRef"] = "alice",
            ["agentId"] = "primary",
            ["sessionKey"] = "s1",
            ["task"] = "say hi",
            ["model"] = new JsonObject { ["provider"] = "ollama", ["model"] = "llama3.2", ["authSecretRef"] = "" },
        },
    };

    [Fact]
    public async Task Update_with_a_stale_resourceVersion_is_a_409_Conflict()
    {
        var (_, created) = await _http.PostAsync(ConfigMaps, Api.ConfigMap("stale"));
        var first = created.DeepClone().AsObject();
        first["data"]!["k"] = "one";
        var (ok, _) = await _http.PutAsync($"{ConfigMaps}/stale", first);
        Assert.Equal(200, ok);

        created["data"]!["k"] = "two"; // still carries the first resourceVersion
        var (code, status) = await _http.PutAsync($"{ConfigMaps}/stale", created);

        Assert.Equal(409, code);
        Assert.Equal("Status", status["kind"]!.GetValue<string>());
        Assert.Equal("Failure", status["status"]!.GetValue<string>());
        Assert.Equal("Conflict", status["reason"]!.GetValue<string>());
        Assert.Equal(409, status["code"]!.GetValue<int>());
        Assert.Contains("the object has been modified", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_sets_uid_timestamp_and_increasing_resourceVersions_and_rejects_duplicates()
    {
        var (c1, a) = await _http.PostAsync(ConfigMaps, Api.ConfigMap("ids-a"));
        var (_, b) = await _http.PostAsync(ConfigMaps, Api.ConfigMap("ids-b"));
        Assert.Equal(201, c1);
        Assert.True(long.Parse(Api.Rv(b)) > long.Parse(Api.Rv(a)));
        Assert.True(Guid.TryParse(a["metadata"]!["uid"]!.GetValue<string>(), out _));
        Assert.NotNull(a["metadata"]!["creationTimestamp"]);

        var (code, status) = await _http.PostAsync(ConfigMaps, Api.ConfigMap("ids-a"));
        Assert.Equal(409, code);
        Assert.Equal("AlreadyExists", status["reason"]!.GetValue<string>());
        Assert.Equal("configmaps \"ids-a\" already exists", status["message"]!.GetValue<string>());
        Assert.Equal("ids-a", status["details"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task GenerateName_makes_a_unique_name_with_the_prefix()
    {
        var body = Api.ConfigMap("");
        body["metadata"]!.AsObject().Remove("name");
        body["metadata"]!["generateName"] = "gen-";
        var (_, a) = await _http.PostAsync(ConfigMaps, body);
        var (_, b) = await _http.PostAsync(ConfigMaps, body.DeepClone());
        var nameA = a["metadata"]!["name"]!.GetValue<string>();
        Assert.StartsWith("gen-", nameA, StringComparison.Ordinal);
        Assert.Equal(9, nameA.Length);
        Assert.NotEqual(nameA, b["metadata"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Generation_changes_on_spec_updates_only_never_on_status_or_metadata()
    {
        var (_, run) = await _http.PostAsync(AgentRuns, AgentRun("gen-rules"));
        Assert.Equal(1, run["metadata"]!["generation"]!.GetValue<long>());

        var (_, labeled) = await _http.SendAsync(HttpMethod.Patch, $"{AgentRuns}/gen-rules",
            new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["a"] = "b" } } }, "application/merge-patch+json");
        Assert.Equal(1, labeled["metadata"]!["generation"]!.GetValue<long>());

        var (statusCode, withStatus) = await _http.SendAsync(HttpMethod.Patch, $"{AgentRuns}/gen-rules/status",
            new JsonObject { ["status"] = new JsonObject { ["phase"] = "Running" } }, "application/merge-patch+json");
        Assert.Equal(200, statusCode);
        Assert.Equal("Running", withStatus["status"]!["phase"]!.GetValue<string>());
        Assert.Equal(1, withStatus["metadata"]!["generation"]!.GetValue<long>());

        // Status written through the main resource is ignored when a status subresource exists.
        var (_, mainStatus) = await _http.SendAsync(HttpMethod.Patch, $"{AgentRuns}/gen-rules",
            new JsonObject { ["status"] = new JsonObject { ["phase"] = "Failed" } }, "application/merge-patch+json");
        Assert.Equal("Running", mainStatus["status"]!["phase"]!.GetValue<string>());

        var (_, specChanged) = await _http.SendAsync(HttpMethod.Patch, $"{AgentRuns}/gen-rules",
            new JsonObject { ["spec"] = new JsonObject { ["task"] = "say bye" } }, "application/merge-patch+json");
        Assert.Equal(2, specChanged["metadata"]!["generation"]!.GetValue<long>());
        Assert.Equal("Running", specChanged["status"]!["phase"]!.GetValue<string>());
    }

    [Fact]
    public async Task Delete_with_a_finalizer_only_marks_and_removing_the_last_finalizer_deletes()
    {
        var body = Api.ConfigMap("final");
        body["metadata"]!["finalizers"] = new JsonArray("example.com/a", "example.com/b");
        await _http.PostAsync(ConfigMaps, body);

        var (code, marked) = await _http.SendAsync(HttpMethod.Delete, $"{ConfigMaps}/final");
        Assert.Equal(200, code);
        Assert.NotNull(marked["metadata"]!["deletionTimestamp"]);
        var (stillThere, _) = await _http.GetJsonAsync($"{ConfigMaps}/final");
        Assert.Equal(200, stillThere);

        await _http.SendAsync(HttpMethod.Patch, $"{ConfigMaps}/final",
            new JsonArray(new JsonObject { ["op"] = "remove", ["path"] = "/metadata/finalizers/0" }), "application/json-patch+json");
        var (oneLeft, _) = await _http.GetJsonAsync($"{ConfigMaps}/final");
        Assert.Equal(200, oneLeft);

        await _http.SendAsync(HttpMethod.Patch, $"{ConfigMaps}/final",
            new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = null } }, "application/merge-patch+json");
        var (gone, status) = await _http.GetJsonAsync($"{ConfigMaps}/final");
        Assert.Equal(404, gone);
        Assert.Equal("NotFound", status["reason"]!.GetValue<string>());
        Assert.Equal("configmaps \"final\" not found", status["message"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("sel-tier=web", new[] { "sel-1" })]
    [InlineData("sel-tier==web", new[] { "sel-1" })]
    [InlineData("sel-tier!=web", new[] { "sel-2", "sel-3" })]
    [InlineData("sel-tier in (web,db)", new[] { "sel-1", "sel-2" })]
    [InlineData("sel-tier notin (web)", new[] { "sel-2", "sel-3" })]
    [InlineData("sel-tier", new[] { "sel-1", "sel-2" })]
    [InlineData("!sel-tier", new[] { "sel-3" })]
    [InlineData("sel-tier,sel-env=prod", new[] { "sel-2" })]
    public async Task Label_selectors_filter_lists(string selector, string[] expected)
    {
        await EnsureAsync(Api.ConfigMap("sel-1", labels: new JsonObject { ["sel-tier"] = "web", ["sel"] = "x" }));
        await EnsureAsync(Api.ConfigMap("sel-2", labels: new JsonObject { ["sel-tier"] = "db", ["sel-env"] = "prod", ["sel"] = "x" }));
        await EnsureAsync(Api.ConfigMap("sel-3", labels: new JsonObject { ["sel"] = "x" }));

        var (_, list) = await _http.GetJsonAsync($"{ConfigMaps}?labelSelector={Uri.EscapeDataString("sel," + selector)}");

        Assert.Equal("ConfigMapList", list["kind"]!.GetValue<string>());
        Assert.Equal(expected, list["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()).ToArray());
    }

    [Fact]
    public async Task List_with_limit_pages_through_everything_with_continue()
    {
        for (var i = 0; i < 5; i++)
        {
            await EnsureAsync(Api.ConfigMap($"page-{i}", labels: new JsonObject { ["paged"] = "yes" }));
        }

        var names = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var (_, page) = await _http.GetJsonAsync($"{ConfigMaps}?labelSelector=paged&limit=2" + (token is null ? "" : $"&continue={Uri.EscapeDataString(token)}"));
            names.AddRange(page["items"]!.AsArray().Select(i => i!["metadata"]!["name"]!.GetValue<string>()));
            token = page["metadata"]!["continue"]?.GetValue<string>();
            pages++;
        }
        while (token is not null);

        Assert.Equal(3, pages);
        Assert.Equal(["page-0", "page-1", "page-2", "page-3", "page-4"], names);
    }

    [Fact]
    public async Task A_CRD_kind_gets_schema_defaults_on_create()
    {
        var schedule = new JsonObject
        {
            ["apiVersion"] = "sympozium.ai/v1alpha1",
            ["kind"] = "SympoziumSchedule",
            ["metadata"] = new JsonObject { ["name"] = "nightly" },
            ["spec"] = new JsonObject { ["instanceRef"] = "alice", ["schedule"] = "0 3 * * *", ["task"] = "report" },
        };

        var (code, created) = await _http.PostAsync("apis/sympozium.ai/v1alpha1/namespaces/default/sympoziumschedules", schedule);

        Assert.Equal(201, code);
        var expected = Sympozium.Api.Validation.CrdSchemas.Schema(Sympozium.Api.Kinds.KnownKinds.SympoziumSchedule)["properties"]!["spec"]!["properties"]!
            .AsObject().Where(p => p.Value!["default"] is not null).ToList();
        Assert.NotEmpty(expected);
        foreach (var (field, fieldSchema) in expected)
        {
            Assert.True(JsonNode.DeepEquals(fieldSchema!["default"], created["spec"]![field]), $"spec.{field} should default to {fieldSchema!["default"]!.ToJsonString()}");
        }
    }

    [Fact]
    public async Task Invalid_custom_resources_are_a_422_naming_every_failing_field()
    {
        var run = AgentRun("bad-run");
        run["spec"]!.AsObject().Remove("agentId");
        run["spec"]!["model"]!.AsObject().Remove("provider");
        run["spec"]!["instanceRef"] = 42;

        var (code, status) = await _http.PostAsync(AgentRuns, run);

        Assert.Equal(422, code);
        Assert.Equal("Invalid", status["reason"]!.GetValue<string>());
        Assert.Equal("AgentRun", status["details"]!["kind"]!.GetValue<string>());
        Assert.Equal("sympozium.ai", status["details"]!["group"]!.GetValue<string>());
        var fields = status["details"]!["causes"]!.AsArray().Select(c => c!["field"]!.GetValue<string>()).ToList();
        Assert.Contains("spec.agentId", fields);
        Assert.Contains("spec.model.provider", fields);
        Assert.Contains("spec.instanceRef", fields);
        Assert.StartsWith("AgentRun.sympozium.ai \"bad-run\" is invalid: ", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_fields_are_pruned_by_default_and_refused_with_fieldValidation_Strict()
    {
        var run = AgentRun("pruned");
        run["spec"]!["bogus"] = "x";
        var (code, created) = await _http.PostAsync(AgentRuns, run);
        Assert.Equal(201, code);
        Assert.Null(created["spec"]!["bogus"]);

        var strict = AgentRun("strict");
        strict["spec"]!["bogus"] = "x";
        var (strictCode, status) = await _http.PostAsync(AgentRuns + "?fieldValidation=Strict", strict);
        Assert.Equal(400, strictCode);
        Assert.Equal("BadRequest", status["reason"]!.GetValue<string>());
        Assert.Contains("unknown field \"spec.bogus\"", status["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Strategic_merge_patch_is_refused_for_custom_resources_with_415()
    {
        await _http.PostAsync(AgentRuns, AgentRun("smp"));
        var (code, status) = await _http.SendAsync(HttpMethod.Patch, $"{AgentRuns}/smp",
            new JsonObject { ["spec"] = new JsonObject { ["task"] = "x" } }, "application/strategic-merge-patch+json");
        Assert.Equal(415, code);
        Assert.Equal("UnsupportedMediaType", status["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Strategic_merge_patch_merges_containers_and_env_by_name()
    {
        await _http.PostAsync("api/v1/namespaces/default/pods", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "smp-pod" },
            ["spec"] = new JsonObject
            {
                ["containers"] = new JsonArray(
                    new JsonObject { ["name"] = "a", ["image"] = "busybox", ["env"] = new JsonArray(new JsonObject { ["name"] = "X", ["value"] = "1" }) },
                    new JsonObject { ["name"] = "b", ["image"] = "alpine" }),
            },
        });

        var (code, pod) = await _http.SendAsync(HttpMethod.Patch, "api/v1/namespaces/default/pods/smp-pod", JsonNode.Parse("""
            {"spec":{"containers":[{"name":"a","env":[{"name":"Y","value":"2"}]},{"name":"b","$patch":"delete"}]}}
            """), "application/strategic-merge-patch+json");

        Assert.Equal(200, code);
        var containers = pod["spec"]!["containers"]!.AsArray();
        var only = Assert.Single(containers);
        Assert.Equal("busybox", only!["image"]!.GetValue<string>());
        Assert.Equal(["X", "Y"], only["env"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()).ToArray());
    }

    [Fact]
    public async Task Errors_are_Kubernetes_Status_objects()
    {
        using var anonymous = LocalClusterFixture.CreateHttpClient(cluster.Server, token: "wrong");
        var (unauthorized, s401) = await anonymous.GetJsonAsync("api/v1/namespaces");
        Assert.Equal(401, unauthorized);
        Assert.Equal("Unauthorized", s401["reason"]!.GetValue<string>());

        var (unknown, s404) = await _http.GetJsonAsync("apis/nope.example.com/v1/widgets");
        Assert.Equal(404, unknown);
        Assert.Equal("NotFound", s404["reason"]!.GetValue<string>());

        using var malformed = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");
        using var response = await _http.PostAsync(ConfigMaps, malformed);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var s400 = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("BadRequest", s400["reason"]!.GetValue<string>());
        Assert.Contains("could not be decoded", s400["message"]!.GetValue<string>(), StringComparison.Ordinal);

        var (noNamespace, s404ns) = await _http.PostAsync("api/v1/namespaces/missing/configmaps", Api.ConfigMap("x"));
        Assert.Equal(404, noNamespace);
        Assert.Equal("namespaces \"missing\" not found", s404ns["message"]!.GetValue<string>());

        var (badName, s422) = await _http.PostAsync(ConfigMaps, Api.ConfigMap("Not_Valid"));
        Assert.Equal(422, badName);
        Assert.Equal("metadata.name", s422["details"]!["causes"]![0]!["field"]!.GetValue<string>());
    }

    [Fact]
    public async Task Discovery_lists_builtins_and_applied_CRDs()
    {
        var (_, core) = await _http.GetJsonAsync("api/v1");
        var pods = core["resources"]!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("pods", pods);
        Assert.Contains("pods/status", pods);
        Assert.Contains("pods/log", pods);

        var (_, groups) = await _http.GetJsonAsync("apis");
        var names = groups["groups"]!.AsArray().Select(g => g!["name"]!.GetValue<string>()).ToList();
        Assert.Contains("apps", names);
        Assert.Contains("sympozium.ai", names);

        var (_, ours) = await _http.GetJsonAsync("apis/sympozium.ai/v1alpha1");
        var agentRuns = ours["resources"]!.AsArray().Single(r => r!["name"]!.GetValue<string>() == "agentruns")!;
        Assert.Equal("AgentRun", agentRuns["kind"]!.GetValue<string>());
        Assert.Equal("ar", agentRuns["shortNames"]![0]!.GetValue<string>());
        Assert.Contains(ours["resources"]!.AsArray(), r => r!["name"]!.GetValue<string>() == "agentruns/status");
    }

    private async Task EnsureAsync(JsonObject configMap)
    {
        var (code, _) = await _http.PostAsync(ConfigMaps, configMap);
        Assert.True(code is 201 or 409);
    }
}
