using Sympozium.AgentRunner.Tools;
using Sympozium.AgentRunner.Tools.Ipc;
using Sympozium.Api.Messages;

namespace Sympozium.AgentRunner.Tests.Tools;

/// <summary>
/// Sidecar results and the MCP manifest are read when they arrive, not on the next tick of a poll
/// interval: with a clock whose timers never fire, only the file's arrival can wake the waiter.
/// </summary>
public sealed class FileArrivalTests : IDisposable
{
    private static readonly TimeSpan Forever = TimeSpan.FromHours(1);

    // A bound on the test itself so a regression fails instead of hanging; not a latency target.
    private static readonly TimeSpan TestBound = TimeSpan.FromSeconds(20);

    private readonly ToolTestRoot _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task An_exec_result_renamed_into_place_wakes_the_waiter_without_any_poll_tick()
    {
        var path = _root.Disk("/ipc/tools/exec-result-r1.json");
        var waiting = IpcResultPoller.WaitAsync(path, MessageJsonContext.Default.ExecResult, Forever, Forever, new FrozenTime(), CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        await File.WriteAllTextAsync(path + ".tmp", """{"id":"r1","exitCode":0,"stdout":"hello"}""");
        File.Move(path + ".tmp", path);

        var outcome = await waiting.WaitAsync(TestBound);
        Assert.Equal("hello", outcome.Value?.Stdout);
    }

    [Fact]
    public async Task An_MCP_manifest_written_while_waiting_is_loaded_without_any_poll_tick()
    {
        var options = ToolTestRoot.FastOptions with { McpManifestWait = Forever, McpManifestPollInterval = Forever };
        var registry = new ToolRegistry();
        var loading = McpTools.LoadAsync(registry, _root.Paths, options, new FrozenTime());
        Assert.False(loading.IsCompleted);

        await File.WriteAllTextAsync(_root.Disk("/ipc/tools/mcp-tools.json"), """{"tools":[{"name":"k8s_get_pods","server":"k8s"}]}""");

        Assert.Equal(1, await loading.WaitAsync(TestBound));
    }

    [Fact]
    public async Task Without_a_directory_to_watch_the_timeout_still_paces_the_reads()
    {
        using var arrival = FileArrival.Watch(_root.Disk("/ipc/missing-dir/result.json"));
        Assert.False(arrival.IsWatching);

        await arrival.WaitAsync(TimeSpan.FromMilliseconds(10), TimeProvider.System, CancellationToken.None).WaitAsync(TestBound);
    }

    /// <summary>A clock that never moves and whose timers never fire.</summary>
    private sealed class FrozenTime : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override long GetTimestamp() => 0;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => new NeverFires();

        private sealed class NeverFires : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => true;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
