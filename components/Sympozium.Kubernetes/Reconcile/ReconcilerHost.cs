using Microsoft.Extensions.Logging;
using Sympozium.Kubernetes.Internal;
using Sympozium.Kubernetes.WorkQueue;

namespace Sympozium.Kubernetes.Reconcile;

/// <summary>
/// Runs a reconciler over a work queue with N workers (controller-runtime's controller):
/// success forgets the key's backoff; <see cref="ReconcileResult.RequeueAfter"/> queues it again
/// after that delay; <see cref="ReconcileResult.Requeue"/> and any exception queue it again after
/// its backoff (exceptions with a warning); a <see cref="TerminalReconcileException"/> is logged as
/// an error and not retried. A reconciler that throws never stops the host. Feed the queue from
/// watch events; <see cref="RunAsync"/> until the token is cancelled.
/// </summary>
public sealed class ReconcilerHost<TKey>
    where TKey : notnull
{
    private readonly IReconciler<TKey> _reconciler;
    private readonly ILogger _logger;
    private readonly string _name;
    private int _started;
    private long _reconciles;
    private long _errors;
    private long _terminalErrors;

    /// <param name="reconciler">Converges one key.</param>
    /// <param name="queue">The keys to reconcile; the host shuts it down when it stops.</param>
    /// <param name="logger">Where outcomes are logged.</param>
    /// <param name="options">Name and worker count (default: <see cref="ReconcilerHostOptions.Default"/>).</param>
    public ReconcilerHost(IReconciler<TKey> reconciler, RateLimitedWorkQueue<TKey> queue, ILogger logger, ReconcilerHostOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reconciler);
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(logger);
        options ??= ReconcilerHostOptions.Default;
        if (options.Workers < 1)
        {
            throw new ArgumentException($"ReconcilerHostOptions.Workers {options.Workers} for '{options.Name}' must be at least 1", nameof(options));
        }

        _reconciler = reconciler;
        _logger = logger;
        _name = options.Name;
        Queue = queue;
        Options = options;
    }

    public RateLimitedWorkQueue<TKey> Queue { get; }

    public ReconcilerHostOptions Options { get; }

    public ReconcilerHostMetrics Metrics => new(
        Interlocked.Read(ref _reconciles),
        Interlocked.Read(ref _errors),
        Interlocked.Read(ref _terminalErrors));

    /// <summary>
    /// Reconciles keys from the queue until <paramref name="stoppingToken"/> is cancelled (or the
    /// queue is shut down). On cancellation the queue is shut down, reconciles in progress see the
    /// cancelled token, and this returns once every worker has finished. Runs once per host.
    /// </summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            throw new InvalidOperationException($"Reconciler '{_name}' is already running; make one host per run");
        }

        Log.HostStarted(_logger, _name, Options.Workers);
        try
        {
            // Shutting the queue down wakes every idle worker; busy ones stop after their key.
            using var stopping = stoppingToken.Register(static queue => ((RateLimitedWorkQueue<TKey>)queue!).ShutDown(), Queue);
            var workers = new Task[Options.Workers];
            for (var i = 0; i < workers.Length; i++)
            {
                workers[i] = Task.Run(() => WorkAsync(stoppingToken), CancellationToken.None);
            }

            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        finally
        {
            Queue.ShutDown();
            Log.HostStopped(_logger, _name);
        }
    }

    private async Task WorkAsync(CancellationToken stoppingToken)
    {
        while (await Queue.GetAsync(CancellationToken.None).ConfigureAwait(false) is { } item)
        {
            try
            {
                await ReconcileOneAsync(item.Key, stoppingToken).ConfigureAwait(false);
            }
            finally
            {
                Queue.Done(item.Key);
            }
        }
    }

    private async Task ReconcileOneAsync(TKey key, CancellationToken stoppingToken)
    {
        ReconcileResult result;
        try
        {
            result = await _reconciler.ReconcileAsync(key, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping, not failing: the next leader or start reconciles the key again.
            Log.ReconcileCancelled(_logger, _name, KeyText(key));
            return;
        }
        catch (TerminalReconcileException exception)
        {
            Interlocked.Increment(ref _reconciles);
            Interlocked.Increment(ref _terminalErrors);
            Queue.Forget(key);
            Log.ReconcileFailedTerminally(_logger, exception, _name, KeyText(key), exception.Message);
            return;
        }
        catch (Exception exception)
        {
            Interlocked.Increment(ref _reconciles);
            Interlocked.Increment(ref _errors);
            var retry = Queue.NumRequeues(key) + 1;
            var delay = Queue.AddRateLimited(key);
            Log.ReconcileFailed(_logger, exception, _name, KeyText(key), retry, delay, exception.Message);
            return;
        }

        Interlocked.Increment(ref _reconciles);
        switch (result.Kind)
        {
            case ReconcileResultKind.RequeueAfter:
                Queue.Forget(key);
                Queue.AddAfter(key, result.Delay);
                break;
            case ReconcileResultKind.Requeue:
                var delay = Queue.AddRateLimited(key);
                if (_logger.IsEnabled(LogLevel.Debug))
                {
                    Log.RequeuedWithBackoff(_logger, _name, KeyText(key), delay);
                }

                return;
            default:
                Queue.Forget(key);
                break;
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            Log.Reconciled(_logger, _name, KeyText(key), result.ToString());
        }
    }

    private static string KeyText(TKey key) => key.ToString() ?? string.Empty;
}
