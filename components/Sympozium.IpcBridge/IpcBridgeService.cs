using Microsoft.Extensions.Logging;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus;
using Sympozium.IpcBridge.Internal;

namespace Sympozium.IpcBridge;

/// <summary>
/// The bridge's lifetime. Start-up never waits for NATS: directories are created, the watcher
/// armed and existing files queued at once, so the agent (started right after this native
/// sidecar) loses nothing; files are published as soon as the bus is reachable. The bridge exits
/// 0 once <c>/ipc/done</c> exists and every file (the result included) is acknowledged; exit 1
/// when NATS stays unreachable past <see cref="IpcBridgeOptions.BusOutageLimit"/>.
/// </summary>
internal sealed class IpcBridgeService(
    IpcBridgeOptions options,
    EventBusOptions busOptions,
    ILoggerFactory loggerFactory)
{
    private const UnixFileMode DirectoryMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute; // 0750, as upstream

    private static readonly string DoneName = Path.GetRelativePath(IpcPaths.Ipc, IpcPaths.DoneFile);

    private static readonly Task Never = new TaskCompletionSource().Task;

    private readonly ILogger _logger = loggerFactory.CreateLogger("Sympozium.IpcBridge");
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _resultSeen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Runs until the agent is done and everything is published, or until <paramref name="stoppingToken"/> (SIGTERM) and the drain; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            return await RelayUntilDoneAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.Crashed(_logger, e);
            return BridgeExitCode.BusUnavailable;
        }
    }

    private async Task<int> RelayUntilDoneAsync(CancellationToken stoppingToken)
    {
        foreach (var directory in IpcPaths.BridgeDirectories)
        {
            var path = Path.Combine(options.IpcDirectory, Path.GetFileName(directory));
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(path);
            }
            else
            {
                Directory.CreateDirectory(path, DirectoryMode);
            }
        }

        using var publishedLog = PublishedFileLog.Open(options.IpcDirectory);
        Log.Starting(_logger, options.AgentRunId, options.InstanceName, options.IpcDirectory, busOptions.RedactedUrl,
            options.SuppressCompletion, publishedLog.Session, publishedLog.Published.Count);

        var relay = new OutboundRelay(options, publishedLog, _logger);
        using var watcher = new IpcDirectoryWatcher(
            options.IpcDirectory,
            path =>
            {
                if (path == DoneName)
                {
                    _done.TrySetResult();
                }
                else
                {
                    if (path == IpcRoute.ResultFile)
                    {
                        _resultSeen.TrySetResult();
                    }

                    relay.Offer(path);
                }
            },
            relay.Rescan);
        watcher.Start();
        relay.Rescan();
        CheckDone();

        using var shutdown = new CancellationTokenSource();
        var rescans = RescanPeriodicallyAsync(relay, shutdown.Token);
        var connect = ConnectAsync(shutdown.Token);
        var relaying = relay.RunAsync(PublisherAsync(connect), shutdown.Token);
        try
        {
            return await SuperviseAsync(relay, relaying, connect, stoppingToken).ConfigureAwait(false);
        }
        finally
        {
            await shutdown.CancelAsync().ConfigureAwait(false);
            await QuietlyAsync(rescans).ConfigureAwait(false);
            await QuietlyAsync(relaying).ConfigureAwait(false);
            await QuietlyAsync(connect).ConfigureAwait(false);
            if (connect.IsCompletedSuccessfully)
            {
                await connect.Result.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<int> SuperviseAsync(OutboundRelay relay, Task relaying, Task<NatsEventBus> connect, CancellationToken stoppingToken)
    {
        var stopRequested = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = stoppingToken.Register(() => stopRequested.TrySetResult()).ConfigureAwait(false);

        Task connected = connect;
        while (true)
        {
            var first = await Task.WhenAny(_done.Task, stopRequested.Task, relaying, connected).ConfigureAwait(false);
            if (first == connected && connect.IsCompletedSuccessfully)
            {
                connected = Never; // Connected; from now on only the relay can fail.
                continue;
            }

            if (first == relaying || first == connected)
            {
                Log.BusUnavailable(_logger, Reason(first));
                return BridgeExitCode.BusUnavailable;
            }

            break;
        }

        if (_done.Task.IsCompleted && !stoppingToken.IsCancellationRequested)
        {
            Log.DoneSeen(_logger);
            try
            {
                await WaitForResultAsync(stoppingToken).ConfigureAwait(false);
                if (await relay.DrainAsync(relaying, Timeout.InfiniteTimeSpan, stoppingToken).ConfigureAwait(false))
                {
                    Log.Finished(_logger, BridgeExitCode.Success);
                    return BridgeExitCode.Success;
                }

                Log.BusUnavailable(_logger, Reason(relaying.IsCompleted ? relaying : connect));
                Log.StoppedWithPending(_logger, relay.Pending, BridgeExitCode.BusUnavailable);
                return BridgeExitCode.BusUnavailable;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // SIGTERM while draining: finish within the shutdown budget below.
            }
        }

        Log.Stopping(_logger, options.DrainTimeout);
        if (await relay.DrainAsync(relaying, options.DrainTimeout, CancellationToken.None).ConfigureAwait(false))
        {
            Log.Finished(_logger, BridgeExitCode.Success);
            return BridgeExitCode.Success;
        }

        Log.StoppedWithPending(_logger, relay.Pending, BridgeExitCode.BusUnavailable);
        return BridgeExitCode.BusUnavailable;
    }

    private async Task<NatsEventBus> ConnectAsync(CancellationToken cancellationToken)
    {
        // Let the start-up scan and watcher run first; connecting may take a while.
        await Task.Yield();
        var bus = await NatsEventBus.ConnectAsync(busOptions with { ConnectTimeout = options.BusOutageLimit }, loggerFactory, cancellationToken)
            .ConfigureAwait(false);
        try
        {
            var inbound = new InboundWriter(options, _logger);
            var followupSubject = options.InboundSubject(NatsSubjects.AgentFollowup);
            var execResultSubject = options.InboundSubject(NatsSubjects.ToolExecResult);

            // Durable per run and starting at the first stored event: a follow-up or tool result
            // published before this bridge subscribed (or while it restarted) is still delivered.
            // The server forgets the consumers once the run is long gone.
            var followups = bus.Subscribe(
                SubscriptionOptions.Durable(NatsConsumers.RunFollowups(options.AgentRunUid), followupSubject) with { InactiveThreshold = options.InboundConsumerExpiry },
                inbound.WriteFollowupAsync);
            var execResults = bus.Subscribe(
                SubscriptionOptions.Durable(NatsConsumers.RunExecResults(options.AgentRunUid), execResultSubject) with { InactiveThreshold = options.InboundConsumerExpiry },
                inbound.WriteExecResultAsync);

            var subscribed = TimeSpan.FromSeconds(10);
            try
            {
                await Task.WhenAll(followups.Ready, execResults.Ready).WaitAsync(subscribed, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Log.SubscriptionSlow(_logger, followups.Ready.IsCompleted ? execResultSubject : followupSubject, subscribed);
            }

            Log.Ready(_logger, options.IpcDirectory, followupSubject, execResultSubject);
            return bus;
        }
        catch
        {
            await bus.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<IEventPublisher> PublisherAsync(Task<NatsEventBus> connect) => await connect.ConfigureAwait(false);

    private async Task RescanPeriodicallyAsync(OutboundRelay relay, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.RescanInterval);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            relay.Rescan();
            CheckDone();
        }
    }

    private void CheckDone()
    {
        if (File.Exists(Path.Combine(options.IpcDirectory, IpcRoute.ResultFile)))
        {
            _resultSeen.TrySetResult();
        }

        if (File.Exists(Path.Combine(options.IpcDirectory, DoneName)))
        {
            _done.TrySetResult();
        }
    }

    // Upstream's runner may write done before result.json; wait for the watcher (or the rescan
    // safety net) to report it rather than polling the disk, for at most the grace period.
    private async Task WaitForResultAsync(CancellationToken cancellationToken)
    {
        var result = Path.Combine(options.IpcDirectory, IpcRoute.ResultFile);
        if (File.Exists(result))
        {
            return;
        }

        try
        {
            await _resultSeen.Task.WaitAsync(options.ResultGrace, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!File.Exists(result))
        {
            Log.NoResult(_logger, IpcRoute.ResultFile, options.ResultGrace);
        }
        catch (TimeoutException)
        {
            // Written while the watcher's event was lost; the drain's rescan finds it.
        }
    }

    private static string Reason(Task task) =>
        task.Exception?.GetBaseException() is { } e ? e.Message : task.IsCanceled ? "cancelled" : "stopped";

    private static async Task QuietlyAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Already reported, or cancelled by the shutdown.
        }
    }
}
