using System.Globalization;

namespace Sympozium.AgentRunner.Tools.Ipc;

/// <summary>
/// Ids for IPC file names (<c>exec-request-&lt;id&gt;.json</c>, <c>send-&lt;id&gt;.json</c>, ...):
/// Unix time in nanoseconds, as upstream, but strictly increasing within the process. The clock
/// only ticks in 100 ns steps and may step back, so two calls in a row could otherwise collide
/// and one request would overwrite the other.
/// </summary>
public static class IpcRequestIds
{
    private static long _last;

    /// <summary>The next id, greater than every id this process handed out before.</summary>
    public static string Next(TimeProvider? time = null)
    {
        var now = ((time ?? TimeProvider.System).GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;
        while (true)
        {
            var last = Interlocked.Read(ref _last);
            var next = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                return next.ToString(CultureInfo.InvariantCulture);
            }
        }
    }
}
