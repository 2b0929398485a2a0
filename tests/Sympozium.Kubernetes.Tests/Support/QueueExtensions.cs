using Sympozium.Kubernetes.WorkQueue;

namespace Sympozium.Kubernetes.Tests.Support;

public static class QueueExtensions
{
    /// <summary>Takes the next key that must already be queued (never waits).</summary>
    public static string TakeReady(this RateLimitedWorkQueue<string> queue)
    {
        var pending = queue.GetAsync().AsTask();
        Assert.True(pending.IsCompleted, "expected a key to be ready in the queue");
        var item = pending.Result;
        Assert.NotNull(item);
        return item.Value.Key;
    }

    /// <summary>Takes every ready key in order, marking each done.</summary>
    public static List<string> DrainReady(this RateLimitedWorkQueue<string> queue)
    {
        var keys = new List<string>();
        while (queue.Metrics.Depth > 0)
        {
            var key = queue.TakeReady();
            keys.Add(key);
            queue.Done(key);
        }

        return keys;
    }
}
