namespace Sympozium.Channels;

/// <summary>
/// Whether the pod is connected to its platform and to the bus. <c>/healthz</c> (the readiness
/// probe) answers 200 only when both are; the instance reports the channel Connected from that.
/// Thread-safe.
/// </summary>
public sealed class ChannelHealth
{
    private readonly Lock _gate = new();
    private bool _platform;
    private string? _platformMessage = "not connected yet";
    private Func<bool> _bus = static () => false;

    /// <summary>Connected to the platform (last poll succeeded, socket open, webhook listening).</summary>
    public bool PlatformConnected
    {
        get
        {
            lock (_gate)
            {
                return _platform;
            }
        }
    }

    /// <summary>Connected to the bus right now.</summary>
    public bool BusConnected => _bus();

    /// <summary>Both connections are up.</summary>
    public bool IsHealthy => PlatformConnected && BusConnected;

    /// <summary>Why the platform is not connected (or null).</summary>
    public string? PlatformMessage
    {
        get
        {
            lock (_gate)
            {
                return _platformMessage;
            }
        }
    }

    /// <summary>The platform connection is up.</summary>
    public void PlatformUp()
    {
        lock (_gate)
        {
            _platform = true;
            _platformMessage = null;
        }
    }

    /// <summary>The platform connection is down, with a reason for the health report (never a secret).</summary>
    public void PlatformDown(string reason)
    {
        lock (_gate)
        {
            _platform = false;
            _platformMessage = reason;
        }
    }

    /// <summary>Where bus connectivity is read from (the connected bus).</summary>
    public void TrackBus(Func<bool> isConnected)
    {
        ArgumentNullException.ThrowIfNull(isConnected);
        _bus = isConnected;
    }

    /// <summary>The report <c>/healthz</c> serves.</summary>
    public HealthReport Report(ChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var platform = PlatformConnected;
        var bus = BusConnected;
        return new HealthReport(
            platform && bus ? "ok" : "unavailable",
            options.Channel,
            options.InstanceName,
            platform,
            bus,
            platform ? null : PlatformMessage);
    }
}

/// <summary>The body of <c>/healthz</c>.</summary>
public sealed record HealthReport(string Status, string Channel, string InstanceName, bool Platform, bool Bus, string? Message);
