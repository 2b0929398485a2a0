using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Kubernetes.Tests;

public sealed class ReconcileResultTests
{
    [Fact]
    public void The_default_result_is_Done()
    {
        Assert.Equal(ReconcileResult.Done, default);
        Assert.Equal(ReconcileResultKind.Done, default(ReconcileResult).Kind);
    }

    [Fact]
    public void RequeueAfter_carries_its_delay()
    {
        var result = ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(30));

        Assert.Equal(ReconcileResultKind.RequeueAfter, result.Kind);
        Assert.Equal(TimeSpan.FromSeconds(30), result.Delay);
        Assert.Equal("RequeueAfter(00:00:30)", result.ToString());
    }

    [Fact]
    public void RequeueAfter_without_a_positive_delay_is_rejected_in_favour_of_Requeue()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ReconcileResult.RequeueAfter(TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(-1)));
    }
}
