namespace Sympozium.Testing;

/// <summary>How <see cref="NatsServer"/> starts nats-server. Change with <c>with</c>.</summary>
public sealed record NatsServerOptions
{
    /// <summary>The defaults: JetStream on, nats-server found on PATH.</summary>
    public static NatsServerOptions Default { get; } = new();

    /// <summary>
    /// Path of the nats-server executable (default: <c>$NATS_SERVER_BIN</c>, else the first
    /// <c>nats-server</c> on PATH, then /usr/sbin, /usr/local/sbin, /usr/local/bin).
    /// </summary>
    public string? ExecutablePath { get; init; }

    /// <summary>Start with JetStream (<c>-js</c>) and a temporary store directory (default: true).</summary>
    public bool JetStream { get; init; } = true;

    /// <summary>How long to wait for the server to report healthy (default: 20 s).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long to wait after SIGTERM before killing the process (default: 5 s).</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>More command-line arguments for nats-server (default: none).</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];
}
