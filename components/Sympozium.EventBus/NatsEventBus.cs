using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Sympozium.EventBus.Internal;

namespace Sympozium.EventBus;

/// <summary>
/// One connection to the event bus: NATS with JetStream, stream <c>sympozium</c>. Publishes
/// envelopes (<see cref="PublishAsync(EventEnvelope, string?, CancellationToken)"/>) and runs
/// subscriptions (<see cref="Subscribe"/>). Thread-safe; one per process is enough.
/// </summary>
/// <remarks>
/// The connection reconnects forever after it is lost (upstream stopped after 10 tries, which
/// silently killed every subscription); subscriptions resume on their own. Split by concern:
/// <c>.Stream.cs</c>, <c>.Publish.cs</c>, <c>.Subscribe.cs</c>.
/// </remarks>
public sealed partial class NatsEventBus : IEventPublisher, IAsyncDisposable
{
    private readonly NatsConnection _connection;
    private readonly NatsJSContext _jetStream;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly List<EventSubscription> _subscriptions = [];
    private readonly Lock _subscriptionsLock = new();
    private int _disposed;
    private int _disconnected;

    private NatsEventBus(NatsConnection connection, EventBusOptions options, ILoggerFactory loggerFactory)
    {
        _connection = connection;
        _jetStream = new NatsJSContext(connection);
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<NatsEventBus>();
        Options = options;

        connection.ConnectionDisconnected += OnDisconnectedAsync;
        connection.ConnectionOpened += OnReconnectedAsync;
        connection.ReconnectFailed += OnReconnectFailedAsync;
    }

    /// <summary>The options this bus was connected with.</summary>
    public EventBusOptions Options { get; }

    /// <summary>Whether the connection is open right now.</summary>
    public bool IsConnected => _connection.ConnectionState == NatsConnectionState.Open;

    /// <summary>
    /// Connects, retrying with backoff for up to <see cref="EventBusOptions.ConnectTimeout"/>, and
    /// creates or updates the stream.
    /// </summary>
    /// <exception cref="EventBusUnavailableException">NATS was not reachable in time, or the stream could not be set up.</exception>
    public static async Task<NatsEventBus> ConnectAsync(
        EventBusOptions options,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        loggerFactory ??= NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger<NatsEventBus>();
        var clock = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            var connection = new NatsConnection(ToNatsOpts(options));
            try
            {
                await BoundedCall.RunAsync(_ => connection.ConnectAsync(), options.ConnectAttemptTimeout * 2, "the connection to " + options.RedactedUrl, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NatsException or TimeoutException or System.Net.Sockets.SocketException)
            {
                await CloseAsync(connection).ConfigureAwait(false);
                var delay = Backoff.For(attempt, TimeSpan.FromSeconds(5));
                if (options.ConnectTimeout != Timeout.InfiniteTimeSpan)
                {
                    // Keep trying until the limit has passed; the last wait ends at the limit.
                    var remaining = options.ConnectTimeout - clock.Elapsed;
                    delay = remaining < delay ? remaining : delay;
                }

                if (delay <= TimeSpan.Zero)
                {
                    throw new EventBusUnavailableException(
                        $"NATS at {options.RedactedUrl} was not reachable within {options.ConnectTimeout.TotalSeconds:0} s " +
                        $"({attempt} attempts; last error: {Reason(e)}). Check {EventBusOptions.UrlVariable} and the NATS credentials.",
                        e);
                }

                Log.ConnectFailed(logger, options.RedactedUrl, attempt, Reason(e), delay);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch
            {
                await CloseAsync(connection).ConfigureAwait(false);
                throw;
            }

            var bus = new NatsEventBus(connection, options, loggerFactory);
            try
            {
                Log.Connected(logger, options.RedactedUrl, options.AuthenticationKind);
                if (options.ManageStream)
                {
                    await bus.EnsureStreamAsync(cancellationToken).ConfigureAwait(false);
                }

                return bus;
            }
            catch
            {
                await bus.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Stops every subscription (waiting for a running handler) and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        EventSubscription[] subscriptions;
        lock (_subscriptionsLock)
        {
            subscriptions = [.. _subscriptions];
            _subscriptions.Clear();
        }

        foreach (var subscription in subscriptions)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }

        _connection.ConnectionDisconnected -= OnDisconnectedAsync;
        _connection.ConnectionOpened -= OnReconnectedAsync;
        _connection.ReconnectFailed -= OnReconnectFailedAsync;

        await CloseAsync(_connection).ConfigureAwait(false);
    }

    /// <summary>Closes a connection, bounded like subscription shutdown: one caught mid-reconnect must not hold the caller.</summary>
    private static Task<bool> CloseAsync(NatsConnection connection) =>
        BoundedCall.WaitAtMostAsync(connection.DisposeAsync().AsTask(), TimeSpan.FromSeconds(10));

    internal static NatsOpts ToNatsOpts(EventBusOptions options)
    {
        var auth = NatsAuthOpts.Default;
        if (options.Credentials is { } credentials)
        {
            auth = auth with { Jwt = credentials.Jwt, Seed = credentials.Seed };
        }
        else if (options.CredentialsFile is not null)
        {
            auth = auth with { CredsFile = options.CredentialsFile };
        }
        else if (options.Token is not null)
        {
            auth = auth with { Token = options.Token };
        }
        else if (options.User is not null)
        {
            auth = auth with { Username = options.User, Password = options.Password };
        }

        return NatsOpts.Default with
        {
            Url = options.Url,
            Name = options.ClientName ?? "sympozium",
            AuthOpts = auth,
            ConnectTimeout = options.ConnectAttemptTimeout,
            RequestTimeout = options.RequestTimeout,
            MaxReconnectRetry = -1,
            ReconnectWaitMin = options.ReconnectWaitMin,
            ReconnectWaitMax = options.ReconnectWaitMax,
            ReconnectJitter = TimeSpan.FromMilliseconds(100),
            InboxPrefix = options.InboxPrefix ?? options.Credentials?.InboxPrefix ?? NatsOpts.Default.InboxPrefix,
        };
    }

    /// <summary>An exception's message for a log line, without a stack trace.</summary>
    internal static string Reason(Exception e) =>
        e.InnerException is { } inner && e.Message != inner.Message ? e.Message + " (" + inner.Message + ")" : e.Message;

    internal void Forget(EventSubscription subscription)
    {
        lock (_subscriptionsLock)
        {
            _subscriptions.Remove(subscription);
        }
    }

    private ValueTask OnDisconnectedAsync(object? sender, NatsEventArgs args)
    {
        Volatile.Write(ref _disconnected, 1);
        Log.Disconnected(_logger, args.Message);
        return ValueTask.CompletedTask;
    }

    private ValueTask OnReconnectedAsync(object? sender, NatsEventArgs args)
    {
        // The first "opened" event is the initial connection, raised after ConnectAsync returned.
        if (Interlocked.Exchange(ref _disconnected, 0) == 0)
        {
            return ValueTask.CompletedTask;
        }

        Log.Reconnected(_logger, Options.RedactedUrl);

        // NATS may have come back without its store (a recreated pod with an emptyDir): put the
        // stream back so publishes and consumers work again, then have every subscription pull
        // afresh (its pull request died with the old server). Off the client's event thread.
        _ = Task.Run(async () =>
        {
            try
            {
                await EnsureStreamAsync(attempts: 3, CancellationToken.None).ConfigureAwait(false);
            }
            catch (EventBusUnavailableException)
            {
                // Logged by EnsureStreamAsync; the next publish or consumer retry tries again.
            }

            EventSubscription[] subscriptions;
            lock (_subscriptionsLock)
            {
                subscriptions = [.. _subscriptions];
            }

            foreach (var subscription in subscriptions)
            {
                subscription.ResumeAfterReconnect();
            }
        });
        return ValueTask.CompletedTask;
    }

    private ValueTask OnReconnectFailedAsync(object? sender, NatsEventArgs args)
    {
        Log.ReconnectFailed(_logger, args.Message);
        return ValueTask.CompletedTask;
    }
}
