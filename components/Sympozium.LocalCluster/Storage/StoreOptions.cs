namespace Sympozium.LocalCluster.Storage;

/// <summary>Options of the <see cref="ObjectStore"/>.</summary>
public sealed record StoreOptions
{
    /// <summary>Where the snapshot is kept; null keeps everything in memory (default: null).</summary>
    public string? SnapshotPath { get; init; }

    /// <summary>How many recent events a watch can resume from before it gets 410 Gone (default: 10,000).</summary>
    public int WatchWindow { get; init; } = 10_000;

    /// <summary>How often a changed store is written to the snapshot (default: 1 s).</summary>
    public TimeSpan SaveInterval { get; init; } = TimeSpan.FromSeconds(1);

    public static StoreOptions Default { get; } = new();
}
