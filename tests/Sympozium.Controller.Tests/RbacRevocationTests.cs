using System.Net;
using Sympozium.Api.Kinds;
using Sympozium.Api.WellKnown;
using Sympozium.Controller.Builders;
using Sympozium.Controller.Reconcilers;
using Sympozium.Controller.Tests.Support;

namespace Sympozium.Controller.Tests;

/// <summary>
/// Cluster-wide grants never outlive their run and are never made from rules the judge refuses,
/// even when the pack changes after admission (no webhook runs in front of this local cluster) or
/// the controller dies between granting and recording the grant.
/// </summary>
[Collection(ControllerProcessGroup.Name)]
public sealed class RbacRevocationTests(ControllerProcessFixture fixture)
{
    private const string Ns = "default";

    [Fact]
    public async Task A_crash_between_grant_and_status_write_leaves_no_cluster_role_binding_after_restart()
    {
        await EnsureInstanceAsync("revoker");
        await EnsureSystemNamespaceAsync();
        await fixture.Clients.SkillPacks.CreateAsync(Defaults.SystemNamespace, NodesReader("nodes-reader-crash", "get", "list"));

        await fixture.KillControllerAsync();
        try
        {
            var run = await fixture.Clients.Runs.CreateAsync(Ns, Run("crashed", "nodes-reader-crash"));

            // What a controller that died after CreateRbacAsync and before its status write leaves:
            // the run Pending without RbacGranted, and its grants in the cluster.
            var pack = await fixture.Clients.SkillPacks.GetAsync(Defaults.SystemNamespace, "nodes-reader-crash");
            var rbac = RbacBuilder.Build(new AgentPodInputs
            {
                Run = run,
                Sidecars = [new ResolvedSidecar(pack!.Metadata.Name!, pack.Spec.Sidecar!, new Dictionary<string, string>(), Defaults.SystemNamespace)],
            });
            Assert.True(rbac.IsValid, string.Join("; ", rbac.Errors));
            await fixture.Clients.ServiceAccounts.CreateAsync(Ns, rbac.ServiceAccount!);
            await fixture.Clients.ClusterRoles.CreateAsync(null, Assert.Single(rbac.ClusterRoles));
            await fixture.Clients.ClusterRoleBindings.CreateAsync(null, Assert.Single(rbac.ClusterRoleBindings));
            Assert.Single((await fixture.Clients.ClusterRoleBindings.ListAsync(null, RbacBuilder.ClusterSelector(Ns, "crashed"))).Items);

            // Meanwhile the pack turns dangerous (no webhook here to stop it).
            pack.Spec.Sidecar!.ClusterRBAC = [new RbacRule { ApiGroups = ["*"], Resources = ["*"], Verbs = ["*"] }];
            await fixture.Clients.SkillPacks.ReplaceAsync(Defaults.SystemNamespace, pack.Metadata.Name!, pack);
        }
        finally
        {
            fixture.StartController();
        }

        var failed = await fixture.EventuallyAsync(() => fixture.Clients.Runs.GetAsync(Ns, "crashed"), r => AgentRunReconciler.IsTerminal(r.Status?.Phase), "run crashed finished after the restart");
        Assert.Equal("Failed", failed.Status!.Phase);
        Assert.Contains("SkillPack sympozium-system/nodes-reader-crash: spec.sidecar.clusterRBAC[0].verbs[0]", failed.Status.Error, StringComparison.Ordinal);
        // Revoking deletes the binding first, then the role: wait for both, not for the state in between.
        await fixture.EventuallyAsync(
            async () => (await fixture.Clients.ClusterRoleBindings.ListAsync(null, RbacBuilder.ClusterSelector(Ns, "crashed"))).Items.Count == 0 ? "none" : null,
            _ => true,
            "no ClusterRoleBinding of run crashed is left");
        await fixture.EventuallyAsync(
            async () => (await fixture.Clients.ClusterRoles.ListAsync(null, RbacBuilder.ClusterSelector(Ns, "crashed"))).Items.Count == 0 ? "none" : null,
            _ => true,
            "no ClusterRole of run crashed is left");
        await fixture.EventuallyAsync(async () => await fixture.Clients.ServiceAccounts.GetAsync(Ns, "sympozium-run-crashed") is null ? "gone" : null, _ => true, "its ServiceAccount is gone");
        Assert.Null(await fixture.Clients.Jobs.GetAsync(Ns, "crashed"));
    }

    [Fact]
    public async Task Cluster_grants_of_a_run_deleted_or_recreated_while_no_controller_ran_are_swept_at_start_and_a_live_runs_are_kept()
    {
        await fixture.KillControllerAsync();
        try
        {
            // Gone: deleted while no controller held its finalizer; its grants were not.
            await CreateClusterGrantAsync(new AgentRun { Metadata = { Name = "vanished", Namespace = Ns, Uid = "5a1e0000-0000-4000-8000-00000000dead" } });

            // Re-created: a new run of the same name must not inherit the old run's grants.
            var reborn = await fixture.Clients.Runs.CreateAsync(Ns, Waiting("reborn"));
            await CreateClusterGrantAsync(new AgentRun { Metadata = { Name = "reborn", Namespace = Ns, Uid = "5a1e0000-0000-4000-8000-00000000001d" } });
            Assert.NotEqual("5a1e0000-0000-4000-8000-00000000001d", reborn.Metadata.Uid);

            // Live: a run still Pending (its instance does not exist yet) keeps what it was granted.
            await CreateClusterGrantAsync(await fixture.Clients.Runs.CreateAsync(Ns, Waiting("alive")));
        }
        finally
        {
            fixture.StartController();
        }

        // One sweep judges every binding, then every role: once the last role is gone, all were judged.
        foreach (var run in new[] { "vanished", "reborn" })
        {
            await fixture.EventuallyAsync(
                async () => (await fixture.Clients.ClusterRoles.ListAsync(null, RbacBuilder.ClusterSelector(Ns, run))).Items.Count == 0 ? "none" : null,
                _ => true,
                $"the ClusterRole of run {run} is swept");
            Assert.Empty((await fixture.Clients.ClusterRoleBindings.ListAsync(null, RbacBuilder.ClusterSelector(Ns, run))).Items);
        }

        Assert.Contains("a cluster-wide grant of AgentRun default/vanished", fixture.ControllerLog, StringComparison.Ordinal);
        Assert.Single((await fixture.Clients.ClusterRoleBindings.ListAsync(null, RbacBuilder.ClusterSelector(Ns, "alive"))).Items);

        // Deleting the live run revokes its grants too.
        await fixture.Clients.Runs.DeleteAsync(Ns, "alive");
        await fixture.Clients.Runs.DeleteAsync(Ns, "reborn");
        await fixture.EventuallyAsync(
            async () => (await fixture.Clients.ClusterRoleBindings.ListAsync(null, RbacBuilder.ClusterSelector(Ns, "alive"))).Items.Count == 0 ? "none" : null,
            _ => true,
            "the grant of the deleted run alive is revoked");
    }

    /// <summary>A ClusterRole and ClusterRoleBinding labelled for <paramref name="run"/>, as <see cref="RbacBuilder"/> makes them.</summary>
    private async Task CreateClusterGrantAsync(AgentRun run)
    {
        var rbac = RbacBuilder.Build(new AgentPodInputs
        {
            Run = run,
            Sidecars = [new ResolvedSidecar("nodes-reader", NodesReader("nodes-reader", "get").Spec.Sidecar!, new Dictionary<string, string>(), Defaults.SystemNamespace)],
        });
        await fixture.Clients.ClusterRoles.CreateAsync(null, Assert.Single(rbac.ClusterRoles));
        await fixture.Clients.ClusterRoleBindings.CreateAsync(null, Assert.Single(rbac.ClusterRoleBindings));
    }

    /// <summary>A run that stays Pending: its instance does not exist.</summary>
    private static AgentRun Waiting(string name)
    {
        var run = Run(name, "nodes-reader");
        run.Spec.InstanceRef = "not-created-yet";
        run.Spec.Timeout = "30m";
        return run;
    }

    [Fact]
    public async Task A_team_namespace_pack_asking_for_cluster_rbac_fails_the_run_at_start_without_granting()
    {
        await EnsureInstanceAsync("revoker");
        await fixture.Clients.SkillPacks.CreateAsync(Ns, NodesReader("nodes-reader-team", "get"));
        await fixture.Clients.Runs.CreateAsync(Ns, Run("outsider", "nodes-reader-team"));

        var failed = await fixture.EventuallyAsync(() => fixture.Clients.Runs.GetAsync(Ns, "outsider"), r => AgentRunReconciler.IsTerminal(r.Status?.Phase), "run outsider finished");

        Assert.Equal("Failed", failed.Status!.Phase);
        Assert.Contains("SkillPack default/nodes-reader-team: spec.sidecar.clusterRBAC: cluster-wide rules are granted only from SkillPacks in namespace sympozium-system", failed.Status.Error, StringComparison.Ordinal);
        Assert.Equal("RbacRefused", failed.Status.Conditions!.Single(c => c.Type == "Failed").Reason);
        Assert.Empty((await fixture.Clients.ClusterRoleBindings.ListAsync(null, RbacBuilder.ClusterSelector(Ns, "outsider"))).Items);
        Assert.Null(await fixture.Clients.ServiceAccounts.GetAsync(Ns, "sympozium-run-outsider"));
        Assert.Null(await fixture.Clients.Jobs.GetAsync(Ns, "outsider"));
    }

    private static SkillPack NodesReader(string name, params string[] verbs) => new()
    {
        Metadata = { Name = name },
        Spec =
        {
            Skills = [new Skill { Name = "nodes", Content = "List the nodes." }],
            Sidecar = new SkillSidecar { Image = "busybox:1.36", ClusterRBAC = [new RbacRule { ApiGroups = [""], Resources = ["nodes"], Verbs = [.. verbs] }] },
        },
    };

    private static AgentRun Run(string name, string pack) => new()
    {
        Metadata = { Name = name, Namespace = Ns },
        Spec =
        {
            InstanceRef = "revoker",
            AgentId = "primary",
            SessionKey = "s",
            Task = "succeed:never",
            Model = { Provider = "openai", Model = "gpt-4o" },
            Skills = [new SkillRef { SkillPackRef = pack }],
        },
    };

    private async Task EnsureInstanceAsync(string name)
    {
        if (await fixture.Clients.Instances.GetAsync(Ns, name) is null)
        {
            await fixture.Clients.Instances.CreateAsync(Ns, new SympoziumInstance
            {
                Metadata = { Name = name, Namespace = Ns },
                Spec = { Agents = { Default = { Model = "gpt-4o" } } },
            });
        }
    }

    private async Task EnsureSystemNamespaceAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/namespaces", UriKind.Relative))
        {
            Content = new StringContent($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{Defaults.SystemNamespace}}}"}}""", System.Text.Encoding.UTF8, "application/json"),
        };
        using var response = await fixture.Connection.SendAsync(request, HttpCompletionOption.ResponseContentRead, CancellationToken.None);
        Assert.True(response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Conflict, $"creating namespace {Defaults.SystemNamespace}: {(int)response.StatusCode}");
    }
}
