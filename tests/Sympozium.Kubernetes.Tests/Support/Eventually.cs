namespace Sympozium.Kubernetes.Tests.Support;

/// <summary>
/// Waits for a condition that another thread makes true (a worker finishing a key). The limit is
/// only a guard against a hang: tests never depend on how fast the machine is.
/// </summary>
public static class Eventually
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    public static async Task TrueAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out after {Limit.TotalSeconds} s waiting until {what}");
            }

            await Task.Delay(2);
        }
    }

    /// <summary>Awaits a task that must finish; fails the test instead of hanging.</summary>
    public static async Task<T> CompletesAsync<T>(Task<T> task, string what)
    {
        try
        {
            return await task.WaitAsync(Limit);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Timed out after {Limit.TotalSeconds} s waiting until {what}");
            throw;
        }
    }

    public static async Task CompletesAsync(Task task, string what)
    {
        try
        {
            await task.WaitAsync(Limit);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Timed out after {Limit.TotalSeconds} s waiting until {what}");
            throw;
        }
    }
}
