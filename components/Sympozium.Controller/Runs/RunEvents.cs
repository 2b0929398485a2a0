using System.Text.Json;
using Sympozium.Api.Kinds;
using Sympozium.Api.Messages;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus;

namespace Sympozium.Controller.Runs;

/// <summary>What the AgentRun reconciler tells the event bus.</summary>
public interface IRunEvents
{
    /// <summary>False while the bus is unreachable (the reconciler retries later).</summary>
    bool IsAvailable { get; }

    /// <summary>
    /// Publishes <c>agent.run.failed</c> for <paramref name="run"/> with the reason. Idempotent: the
    /// message id is derived from the run's uid, so a repeat inside the bus's duplicate window is
    /// dropped by the server.
    /// </summary>
    Task PublishFailedAsync(AgentRun run, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Publishes <c>agent.run.completed</c> for a gated run once its gate is resolved, with the real
    /// outcome (status error when the agent failed). Idempotent like <see cref="PublishFailedAsync"/>.
    /// </summary>
    Task PublishCompletedAsync(AgentRun run, bool succeeded, string? response, string? error, CancellationToken cancellationToken);
}

/// <summary><see cref="IRunEvents"/> over the NATS event bus (envelope as the ipc-bridge writes it).</summary>
public sealed class BusRunEvents(IEventPublisher bus, Func<bool> isConnected) : IRunEvents
{
    public bool IsAvailable => isConnected();

    public Task PublishFailedAsync(AgentRun run, string reason, CancellationToken cancellationToken) =>
        PublishAsync(run, NatsSubjects.AgentRunFailed, JsonSerializer.SerializeToUtf8Bytes(new AgentRunFailure { Error = reason }, MessageJsonContext.Default.AgentRunFailure), cancellationToken);

    /// <remarks>The agent's own result record, without metrics: the gate decided the text, not the agent's usage.</remarks>
    public Task PublishCompletedAsync(AgentRun run, bool succeeded, string? response, string? error, CancellationToken cancellationToken) =>
        PublishAsync(
            run,
            NatsSubjects.AgentRunCompleted,
            JsonSerializer.SerializeToUtf8Bytes(
                new AgentResult { Status = succeeded ? AgentResult.Success : AgentResult.Failure, Response = response, Error = error },
                MessageJsonContext.Default.AgentResult),
            cancellationToken);

    private async Task PublishAsync(AgentRun run, string topic, byte[] json, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var metadata = new Dictionary<string, string>
        {
            [NatsSubjects.Metadata.AgentRunId] = run.Metadata.Name ?? "",
            [NatsSubjects.Metadata.InstanceName] = run.Spec.InstanceRef,
            [NatsSubjects.Metadata.Namespace] = run.Metadata.Namespace ?? "",
        };
        using var data = JsonDocument.Parse(json);
        // On the run's own subject, as its ipc-bridge publishes: the router takes the run from it.
        var envelope = EventEnvelope.Create(topic, metadata, data.RootElement.Clone()) with
        {
            Subject = NatsSubjects.FromRun(run.Metadata.Namespace ?? "", run.Metadata.Uid ?? "", topic),
        };
        await bus.PublishAsync(envelope, $"{topic}/{run.Metadata.Uid}", cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>
/// Connects to the event bus in the background and keeps trying while it is unreachable, so the
/// controller starts and reconciles without NATS; failure events wait (and are retried) until
/// the bus is there.
/// </summary>
public sealed class BackgroundBusRunEvents : IRunEvents, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<NatsEventBus> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _connecting;
    private NatsEventBus? _bus;

    public BackgroundBusRunEvents(EventBusOptions options, Microsoft.Extensions.Logging.ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        _connecting = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    _bus = await NatsEventBus.ConnectAsync(options, loggers, _stop.Token).ConfigureAwait(false);
                    _connected.TrySetResult(_bus);
                    return;
                }
                catch (EventBusUnavailableException)
                {
                    // ConnectAsync already retried with backoff for its connect timeout; go on trying.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    public bool IsAvailable => _bus?.IsConnected == true;

    /// <summary>The bus once the first connection succeeded (it reconnects by itself afterwards).</summary>
    public Task<NatsEventBus> WaitConnectedAsync(CancellationToken cancellationToken) => _connected.Task.WaitAsync(cancellationToken);

    public Task PublishFailedAsync(AgentRun run, string reason, CancellationToken cancellationToken) =>
        _bus is { } bus
            ? new BusRunEvents(bus, () => bus.IsConnected).PublishFailedAsync(run, reason, cancellationToken)
            : throw new InvalidOperationException("the event bus is not connected yet");

    public Task PublishCompletedAsync(AgentRun run, bool succeeded, string? response, string? error, CancellationToken cancellationToken) =>
        _bus is { } bus
            ? new BusRunEvents(bus, () => bus.IsConnected).PublishCompletedAsync(run, succeeded, response, error, cancellationToken)
            : throw new InvalidOperationException("the event bus is not connected yet");

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _connecting.ConfigureAwait(false);
        if (_bus is { } bus)
        {
            await bus.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}
