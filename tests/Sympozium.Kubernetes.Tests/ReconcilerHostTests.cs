using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Sympozium.Kubernetes.Reconcile;
using Sympozium.Kubernetes.Tests.Support;
using Sympozium.Kubernetes.WorkQueue;

namespace Sympozium.Kubernetes.Tests;

public sealed class ReconcilerHostTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly RecordingLogger _logger = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly RateLimitedWorkQueue<string> _queue;
    private Task? _running;

    public ReconcilerHostTests()
    {
        // Bucket off: these tests look at per-key backoff.
        _queue = new RateLimitedWorkQueue<string>(WorkQueueOptions.Default with { RetriesPerSecond = double.PositiveInfinity }, _time);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_running is not null)
        {
            await Eventually.CompletesAsync(_running, "the host stopped");
        }

        _stopping.Dispose();
        _queue.Dispose();
    }

    [Fact]
    public async Task A_successful_reconcile_runs_once_per_add()
    {
        var reconciler = new ScriptedReconciler((_, _, _) => Task.FromResult(ReconcileResult.Done));
        var host = Start(reconciler);

        _queue.Add("team-a/r1");
        await Eventually.TrueAsync(() => host.Metrics.Reconciles == 1 && Idle(), "the key was reconciled");

        Assert.Equal(1, reconciler.Calls("team-a/r1"));
        Assert.Equal(new ReconcilerHostMetrics(Reconciles: 1, Errors: 0, TerminalErrors: 0), host.Metrics);
        Assert.Equal(0, _queue.Metrics.Delayed);
    }

    [Fact]
    public async Task A_throwing_reconciler_is_retried_with_growing_backoff_and_a_structured_warning()
    {
        var reconciler = new ScriptedReconciler((_, call, _) => call <= 3
            ? throw new InvalidOperationException($"API server unreachable ({call})")
            : Task.FromResult(ReconcileResult.Done));
        var host = Start(reconciler);

        _queue.Add("team-a/r1");
        await AwaitRetryScheduledAsync(1);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        await AwaitRetryScheduledAsync(2);
        _time.Advance(TimeSpan.FromMilliseconds(9));
        Assert.Equal(2, reconciler.Calls("team-a/r1"));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await AwaitRetryScheduledAsync(3);
        _time.Advance(TimeSpan.FromMilliseconds(20));
        await Eventually.TrueAsync(() => host.Metrics.Reconciles == 4 && Idle(), "the fourth reconcile succeeded");

        var warnings = _logger.WithEventId(3012);
        Assert.Equal(3, warnings.Count);
        Assert.All(warnings, w =>
        {
            Assert.Equal(LogLevel.Warning, w.Level);
            Assert.Equal("team-a/r1", w.Fields["Key"]);
            Assert.Equal("agentrun", w.Fields["Reconciler"]);
            Assert.IsType<InvalidOperationException>(w.Exception);
        });
        Assert.Equal([1, 2, 3], warnings.Select(w => (int)w.Fields["Retry"]!));
        Assert.Equal([5.0, 10.0, 20.0], warnings.Select(w => ((TimeSpan)w.Fields["Delay"]!).TotalMilliseconds));
        Assert.Equal("API server unreachable (1)", warnings[0].Fields["Reason"]);
        Assert.Equal(new ReconcilerHostMetrics(Reconciles: 4, Errors: 3, TerminalErrors: 0), host.Metrics);
    }

    [Fact]
    public async Task Success_after_failures_forgets_the_backoff()
    {
        var reconciler = new ScriptedReconciler((_, call, _) => call is 1 or 2 or 4
            ? throw new InvalidOperationException("conflict")
            : Task.FromResult(ReconcileResult.Done));
        var host = Start(reconciler);

        _queue.Add("a");
        await AwaitRetryScheduledAsync(1);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        await AwaitRetryScheduledAsync(2);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        await Eventually.TrueAsync(() => host.Metrics.Reconciles == 3 && Idle(), "the third reconcile succeeded");
        Assert.Equal(0, _queue.NumRequeues("a"));

        // The next failure starts from the base delay again.
        _queue.Add("a");
        await AwaitRetryScheduledAsync(3);
        Assert.Equal(TimeSpan.FromMilliseconds(5), (TimeSpan)_logger.WithEventId(3012)[^1].Fields["Delay"]!);
    }

    [Fact]
    public async Task A_terminal_error_is_logged_as_an_error_and_never_retried()
    {
        var reconciler = new ScriptedReconciler((_, _, _) =>
            throw new TerminalReconcileException("AgentRun team-a/r1: spec.model.provider 'olama' is not a provider"));
        var host = Start(reconciler);

        _queue.Add("team-a/r1");
        await Eventually.TrueAsync(() => host.Metrics.TerminalErrors == 1 && Idle(), "the terminal error was handled");
        _time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(1, reconciler.Calls("team-a/r1"));
        Assert.Equal(new WorkQueueMetrics(Depth: 0, Processing: 0, Delayed: 0, Adds: 1, Retries: 0), _queue.Metrics);
        Assert.Equal(0, _queue.NumRequeues("team-a/r1"));
        var error = Assert.Single(_logger.WithEventId(3013));
        Assert.Equal(LogLevel.Error, error.Level);
        Assert.Equal("team-a/r1", error.Fields["Key"]);
        Assert.Contains("spec.model.provider", error.Message, StringComparison.Ordinal);
        Assert.Empty(_logger.WithEventId(3012));
    }

    [Fact]
    public async Task RequeueAfter_runs_the_key_again_once_the_delay_has_passed()
    {
        var reconciler = new ScriptedReconciler((_, call, _) => Task.FromResult(
            call == 1 ? ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(30)) : ReconcileResult.Done));
        var host = Start(reconciler);

        _queue.Add("a");
        await Eventually.TrueAsync(() => _queue.Metrics.Delayed == 1 && Idle(), "the requeue was scheduled");
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(1, reconciler.Calls("a"));

        _time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => host.Metrics.Reconciles == 2 && Idle(), "the key ran again");

        Assert.Equal(0, _queue.Metrics.Retries);
        Assert.Equal(0, host.Metrics.Errors);
    }

    [Fact]
    public async Task Requeue_runs_the_key_again_after_its_backoff_without_an_error()
    {
        var reconciler = new ScriptedReconciler((_, call, _) => Task.FromResult(
            call <= 2 ? ReconcileResult.Requeue : ReconcileResult.Done));
        var host = Start(reconciler);

        _queue.Add("a");
        await AwaitRetryScheduledAsync(1);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        await AwaitRetryScheduledAsync(2);
        _time.Advance(TimeSpan.FromMilliseconds(10));
        await Eventually.TrueAsync(() => host.Metrics.Reconciles == 3 && Idle(), "the key converged");

        Assert.Equal(0, _queue.NumRequeues("a"));
        Assert.Equal(0, host.Metrics.Errors);
        Assert.DoesNotContain(_logger.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Equal(2, _logger.WithEventId(3011).Count);
    }

    [Fact]
    public async Task A_reconciler_that_throws_before_returning_a_task_does_not_stop_the_host()
    {
        var reconciler = new ThrowingSynchronously();
        var host = new ReconcilerHost<string>(reconciler, _queue, _logger, new ReconcilerHostOptions { Name = "sync", Workers = 1 });
        _running = host.RunAsync(_stopping.Token);

        _queue.Add("boom");
        _queue.Add("fine");
        await Eventually.TrueAsync(() => host.Metrics.Reconciles == 2 && Idle(), "both keys were reconciled");

        Assert.Equal(1, host.Metrics.Errors);
        Assert.False(_running.IsCompleted);
        Assert.Equal(["fine"], reconciler.Succeeded);
    }

    [Fact]
    public async Task Many_workers_never_reconcile_one_key_at_once_and_a_key_added_meanwhile_runs_exactly_once_more()
    {
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reconciler = new ScriptedReconciler(async (key, call, _) =>
        {
            if (key == "team-a/r1" && call == 1)
            {
                firstStarted.SetResult();
                await releaseFirst.Task;
            }

            await Task.Yield();
            return ReconcileResult.Done;
        });
        var host = Start(reconciler, workers: 8);

        _queue.Add("team-a/r1");
        await Eventually.CompletesAsync(firstStarted.Task, "the first reconcile started");
        Parallel.For(0, 500, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            _queue.Add("team-a/r1");
            _queue.Add($"team-b/r{i % 10}");
        });

        // Other keys are not held up by the busy one.
        await Eventually.TrueAsync(() => Enumerable.Range(0, 10).All(i => reconciler.Calls($"team-b/r{i}") >= 1), "the other keys were reconciled");
        Assert.Equal(1, reconciler.Calls("team-a/r1"));

        releaseFirst.SetResult();
        await Eventually.TrueAsync(() => reconciler.Calls("team-a/r1") == 2 && Idle(), "the busy key ran once more");

        Assert.Equal(1, reconciler.MaxInFlightPerKey);
        Assert.Equal(2, reconciler.Calls("team-a/r1"));
        Assert.Equal(0, host.Metrics.Errors);
    }

    [Fact]
    public async Task Stopping_lets_a_reconcile_in_progress_finish_and_stops_idle_workers()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reconciler = new ScriptedReconciler(async (_, _, _) =>
        {
            started.SetResult();
            await release.Task; // ignores cancellation on purpose: a write that must complete
            return ReconcileResult.RequeueAfter(TimeSpan.FromSeconds(10));
        });
        var host = Start(reconciler, workers: 4);
        _queue.Add("a");
        await Eventually.CompletesAsync(started.Task, "the reconcile started");

        await _stopping.CancelAsync();
        _queue.Add("b");
        Assert.False(_running!.IsCompleted, "the reconcile in progress must finish first");

        release.SetResult();
        await Eventually.CompletesAsync(_running, "the host stopped");

        Assert.Equal(0, reconciler.Calls("b"));
        Assert.True(_queue.IsShuttingDown);
        Assert.Equal(0, _queue.Metrics.Processing);
        Assert.Single(_logger.WithEventId(3002));
    }

    [Fact]
    public async Task A_reconcile_cancelled_by_stopping_is_neither_an_error_nor_retried()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reconciler = new ScriptedReconciler(async (_, _, ct) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            return ReconcileResult.Done;
        });
        var host = Start(reconciler, workers: 2);
        _queue.Add("a");
        await Eventually.CompletesAsync(started.Task, "the reconcile started");

        await _stopping.CancelAsync();
        await Eventually.CompletesAsync(_running!, "the host stopped");

        Assert.Equal(new ReconcilerHostMetrics(Reconciles: 0, Errors: 0, TerminalErrors: 0), host.Metrics);
        Assert.Equal(0, _queue.Metrics.Retries);
        Assert.Single(_logger.WithEventId(3014));
        Assert.DoesNotContain(_logger.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task An_operation_cancelled_while_the_host_runs_is_an_error_and_retried()
    {
        var reconciler = new ScriptedReconciler((_, call, _) => call == 1
            ? throw new TaskCanceledException("HTTP request timed out")
            : Task.FromResult(ReconcileResult.Done));
        var host = Start(reconciler);

        _queue.Add("a");
        await AwaitRetryScheduledAsync(1);
        _time.Advance(TimeSpan.FromMilliseconds(5));
        await Eventually.TrueAsync(() => host.Metrics.Reconciles == 2 && Idle(), "the retry succeeded");

        Assert.Equal(1, host.Metrics.Errors);
    }

    [Fact]
    public async Task A_host_runs_only_once()
    {
        var host = Start(new ScriptedReconciler((_, _, _) => Task.FromResult(ReconcileResult.Done)));

        await Assert.ThrowsAsync<InvalidOperationException>(() => host.RunAsync(CancellationToken.None));
    }

    [Fact]
    public void A_host_needs_at_least_one_worker()
    {
        var error = Assert.Throws<ArgumentException>(() => new ReconcilerHost<string>(
            new ScriptedReconciler((_, _, _) => Task.FromResult(ReconcileResult.Done)), _queue, _logger, new ReconcilerHostOptions { Name = "agentrun", Workers = 0 }));

        Assert.Contains("agentrun", error.Message, StringComparison.Ordinal);
    }

    private ReconcilerHost<string> Start(ScriptedReconciler reconciler, int workers = 1)
    {
        var host = new ReconcilerHost<string>(reconciler, _queue, _logger, new ReconcilerHostOptions { Name = "agentrun", Workers = workers });
        _running = host.RunAsync(_stopping.Token);
        return host;
    }

    private bool Idle() => _queue.Metrics is { Depth: 0, Processing: 0 };

    private Task AwaitRetryScheduledAsync(int retries) =>
        Eventually.TrueAsync(() => _queue.Metrics.Retries == retries && _queue.Metrics.Delayed == 1 && Idle(), $"retry {retries} was scheduled");

    private sealed class ThrowingSynchronously : IReconciler<string>
    {
        public List<string> Succeeded { get; } = [];

        public Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
        {
            if (key == "boom")
            {
                throw new InvalidOperationException("thrown before any await");
            }

            lock (Succeeded)
            {
                Succeeded.Add(key);
            }

            return Task.FromResult(ReconcileResult.Done);
        }
    }
}
