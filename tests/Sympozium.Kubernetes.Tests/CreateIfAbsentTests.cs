using Sympozium.Kubernetes.Client;

namespace Sympozium.Kubernetes.Tests;

/// <summary>Create-if-absent: an existing object (409 AlreadyExists) is left as it is; other errors still surface.</summary>
public sealed class CreateIfAbsentTests : ClusterTestBase
{
    [Fact]
    public async Task A_second_create_answers_false_and_leaves_the_first_object_unchanged()
    {
        var runs = Runs();
        var second = NewRun("c1");
        second.Spec.Task = "written by the second create";

        var first = await CreateIfAbsent.CreateAsync(runs, "default", NewRun("c1"));
        var again = await CreateIfAbsent.CreateAsync(runs, "default", second);

        Assert.True(first);
        Assert.False(again);
        Assert.Equal("t-c1", (await runs.GetAsync("default", "c1"))!.Spec.Task);
    }

    [Fact]
    public async Task A_rejected_object_is_not_mistaken_for_an_existing_one()
    {
        var run = NewRun("c2");
        run.Spec.Model.Provider = "olama";

        var error = await Assert.ThrowsAsync<KubernetesApiException>(() => CreateIfAbsent.CreateAsync(Runs(), "default", run));

        Assert.Equal(System.Net.HttpStatusCode.UnprocessableEntity, error.StatusCode);
    }

    [Fact]
    public async Task Ensure_builds_the_object_only_when_it_is_absent()
    {
        var runs = Runs();
        var builds = 0;
        Func<Sympozium.Api.Kinds.AgentRun> Build(string name) => () =>
        {
            builds++;
            return NewRun(name);
        };

        var created = await CreateIfAbsent.EnsureAsync(runs, "default", "c3", Build("c3"));
        var existing = await CreateIfAbsent.EnsureAsync(runs, "default", "c3", Build("c3"));

        Assert.True(created);
        Assert.False(existing);
        Assert.Equal(1, builds);
    }
}
