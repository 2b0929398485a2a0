using System.Collections.Concurrent;
using Sympozium.Kubernetes.Reconcile;

namespace Sympozium.Kubernetes.Tests.Support;

/// <summary>
/// A reconciler whose behaviour per call is a script: call n of a key runs the n-th step (the last
/// step repeats). Counts calls and the most reconciles of one key seen at once.
/// </summary>
public sealed class ScriptedReconciler : IReconciler<string>
{
    private readonly Func<string, int, CancellationToken, Task<ReconcileResult>> _step;
    private readonly ConcurrentDictionary<string, int> _calls = new();
    private readonly ConcurrentDictionary<string, int> _inFlight = new();
    private int _maxInFlightPerKey;

    public ScriptedReconciler(Func<string, int, CancellationToken, Task<ReconcileResult>> step) => _step = step;

    public int MaxInFlightPerKey => Volatile.Read(ref _maxInFlightPerKey);

    public int Calls(string key) => _calls.GetValueOrDefault(key);

    public int TotalCalls => _calls.Values.Sum();

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var concurrent = _inFlight.AddOrUpdate(key, 1, (_, n) => n + 1);
        int seen;
        while (concurrent > (seen = Volatile.Read(ref _maxInFlightPerKey)) && Interlocked.CompareExchange(ref _maxInFlightPerKey, concurrent, seen) != seen)
        {
        }

        var call = _calls.AddOrUpdate(key, 1, (_, n) => n + 1);
        try
        {
            return await _step(key, call, cancellationToken);
        }
        finally
        {
            _inFlight.AddOrUpdate(key, 0, (_, n) => n - 1);
        }
    }
}
