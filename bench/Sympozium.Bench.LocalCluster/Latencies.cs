namespace Sympozium.Bench.LocalCluster;

/// <summary>A sorted set of latencies in milliseconds with nearest-rank percentiles.</summary>
internal sealed class Latencies
{
    private readonly double[] _sorted;

    private Latencies(double[] sorted) => _sorted = sorted;

    public int Count => _sorted.Length;

    public double Max => _sorted.Length == 0 ? double.NaN : _sorted[^1];

    public static Latencies Of(IEnumerable<double> milliseconds) => new([.. milliseconds.Order()]);

    /// <summary>The smallest value with at least <paramref name="percent"/>% of the values at or below it.</summary>
    public double Percentile(double percent) => _sorted.Length == 0
        ? double.NaN
        : _sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * _sorted.Length) - 1, 0, _sorted.Length - 1)];
}
