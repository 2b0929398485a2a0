using System.Text.Json;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus.Internal;

namespace Sympozium.EventBus;

/// <summary>
/// A running consumer started by <see cref="NatsEventBus.Subscribe"/>. Dispose to stop it; a
/// handler that is running finishes first and its event is acked.
/// </summary>
public sealed class EventSubscription : IAsyncDisposable
{
    private const string MessageIdHeader = "Nats-Msg-Id";

    private readonly NatsEventBus _bus;
    private readonly NatsJSContext _jetStream;
    private readonly Func<ReceivedEvent, CancellationToken, ValueTask> _handler;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopConsuming = new();
    private readonly CancellationTokenSource _abortHandler = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;
    private CancellationTokenSource? _pulling; // The current pull loop's; cancelled to start a fresh one.
    private ulong _lastSequence;
    private int _disposed;

    internal EventSubscription(
        NatsEventBus bus,
        NatsJSContext jetStream,
        SubscriptionOptions options,
        Func<ReceivedEvent, CancellationToken, ValueTask> handler,
        ILoggerFactory loggerFactory)
    {
        _bus = bus;
        _jetStream = jetStream;
        _handler = handler;
        _logger = loggerFactory.CreateLogger<EventSubscription>();
        Options = options;
    }

    /// <summary>What this subscription consumes.</summary>
    public SubscriptionOptions Options { get; }

    /// <summary>The consumer's name on the server (the durable name, or a generated one).</summary>
    public string? ConsumerName { get; private set; }

    /// <summary>Completes once the consumer exists on the server for the first time.</summary>
    public Task Ready => _ready.Task;

    /// <summary>
    /// Stops pulling, lets the handler finish the events already delivered (acking them) for up to
    /// <see cref="SubscriptionOptions.StopTimeout"/>, then cancels the handler. An event whose handler
    /// was cancelled is not acked: the server redelivers it after <see cref="SubscriptionOptions.AckWait"/>.
    /// </summary>
    /// <summary>How long <see cref="DisposeAsync"/> waits for a consumer loop that ignores cancellation.</summary>
    private static readonly TimeSpan AbandonAfter = TimeSpan.FromSeconds(10);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopConsuming.CancelAsync().ConfigureAwait(false);
        if (await Task.WhenAny(_loop, Task.Delay(Options.StopTimeout)).ConfigureAwait(false) != _loop)
        {
            await _abortHandler.CancelAsync().ConfigureAwait(false);
        }

        // A consumer stuck on a server that no longer answers (draining after a restart) must not
        // hang shutdown: after a bounded wait the loop is abandoned; its events are redelivered.
        if (await Task.WhenAny(_loop, Task.Delay(AbandonAfter)).ConfigureAwait(false) == _loop)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _ready.TrySetCanceled();
        _stopConsuming.Dispose();
        _abortHandler.Dispose();
        _bus.Forget(this);
    }

    internal void Start() => _loop = Task.Run(() => RunAsync(_stopConsuming.Token, _abortHandler.Token));

    /// <summary>
    /// Starts a fresh pull on the server after the connection came back: a pull request made
    /// before a NATS restart is gone with the server, and the client would notice only when its
    /// idle heartbeat expires (about 30 s of silence).
    /// </summary>
    internal void ResumeAfterReconnect()
    {
        try
        {
            Volatile.Read(ref _pulling)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // That pull loop has already ended.
        }
    }

    private async Task RunAsync(CancellationToken stop, CancellationToken abort)
    {
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            using var pulling = CancellationTokenSource.CreateLinkedTokenSource(stop);
            Volatile.Write(ref _pulling, pulling);
            try
            {
                var consumer = await CreateConsumerAsync(stop).ConfigureAwait(false);
                _ready.TrySetResult();
                var consumeOpts = new NatsJSConsumeOpts
                {
                    MaxMsgs = Options.MaxInFlight,

                    // On stop, hand the events already pulled to the handler instead of dropping
                    // them (they would come back only after AckWait).
                    DrainOnCancel = true,
                    NotificationHandler = (notification, _) =>
                    {
                        Log.ConsumerNotification(_logger, ConsumerName ?? "?", notification.ToString() ?? "");
                        return Task.CompletedTask;
                    },
                };

                // Through the concrete class when it is one: ConsumeAsync<T> called on the
                // interface is a generic virtual method, which Native AOT resolves on first use by
                // building its instantiation at run time (about 10 ms of CPU, measured in the
                // ipc-bridge's start-up, docs/design/edge-startup.md); on the class it is a plain
                // call compiled ahead of time.
                var messages = consumer is NatsJSConsumer concrete
                    ? concrete.ConsumeAsync(NatsRawSerializer<byte[]>.Default, consumeOpts, pulling.Token)
                    : consumer.ConsumeAsync(NatsRawSerializer<byte[]>.Default, consumeOpts, pulling.Token);
                await foreach (var message in messages.ConfigureAwait(false))
                {
                    failures = 0;
                    await HandleAsync(message, abort).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested || abort.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException) when (pulling.IsCancellationRequested)
            {
                Log.ConsumerResuming(_logger, ConsumerName ?? "?", Options.Subject);
            }
            catch (Exception e)
            {
                if (e is NatsJSApiException { Error.ErrCode: 10059 })
                {
                    // Stream not found: NATS came back without its store.
                    await TryEnsureStreamAsync(stop).ConfigureAwait(false);
                }

                failures++;
                var delay = Backoff.For(failures, TimeSpan.FromSeconds(5));
                Log.ConsumerFailed(_logger, Options.Subject, NatsEventBus.Reason(e), delay);
                try
                {
                    await Task.Delay(delay, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            finally
            {
                Interlocked.CompareExchange(ref _pulling, null, pulling);
            }
        }
    }

    private async Task<INatsJSConsumer> CreateConsumerAsync(CancellationToken stop)
    {
        var config = new ConsumerConfig
        {
            FilterSubject = Options.Subject,
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = Options.AckWait,
            MaxDeliver = Options.MaxDeliver,
            MaxAckPending = Math.Max(Options.MaxInFlight * 4, 64),
        };
        if (Options.InactiveThreshold is { } inactive)
        {
            config.InactiveThreshold = inactive;
        }

        if (Options.DurableName is { } durable)
        {
            config.Name = durable;
            config.DurableName = durable;
            config.DeliverPolicy = Options.DeliverFrom == DeliverFrom.All
                ? ConsumerConfigDeliverPolicy.All
                : ConsumerConfigDeliverPolicy.New;

            var last = Interlocked.Read(ref _lastSequence);
            if (last > 0 && !await ConsumerExistsAsync(durable, stop).ConfigureAwait(false))
            {
                // The server lost the consumer (deleted, or NATS came back without its store):
                // resume after the last event handled here rather than replaying the history.
                config.DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence;
                config.OptStartSeq = last + 1;
            }
        }
        else
        {
            // A fresh name every time: after an error the old ephemeral consumer may linger until
            // its inactivity threshold, and its start policy cannot be changed. Resume after the
            // last event handled so a reconnect loses nothing that arrived meanwhile.
            config.Name = "eph-" + Guid.NewGuid().ToString("N")[..16];
            var last = Interlocked.Read(ref _lastSequence);
            if (last > 0)
            {
                config.DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence;
                config.OptStartSeq = last + 1;
            }
            else
            {
                config.DeliverPolicy = Options.DeliverFrom == DeliverFrom.All
                    ? ConsumerConfigDeliverPolicy.All
                    : ConsumerConfigDeliverPolicy.New;
            }
        }

        var consumer = await BoundedCall.RunAsync(
            token => _jetStream.CreateOrUpdateConsumerAsync(NatsSubjects.Stream, config, token),
            _bus.Options.RequestTimeout * 2,
            "the consumer set-up for " + Options.Subject,
            stop).ConfigureAwait(false);
        ConsumerName = consumer.Info.Name;
        Log.ConsumerReady(_logger, ConsumerName, Options.Subject, Options.DeliverFrom);
        return consumer;
    }

    private async Task<bool> ConsumerExistsAsync(string name, CancellationToken stop)
    {
        try
        {
            await BoundedCall.RunAsync(
                token => _jetStream.GetConsumerAsync(NatsSubjects.Stream, name, token),
                _bus.Options.RequestTimeout * 2,
                "the lookup of consumer " + name,
                stop).ConfigureAwait(false);
            return true;
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == 10014)
        {
            return false;
        }
    }

    private async Task HandleAsync(INatsJSMsg<byte[]> message, CancellationToken abort)
    {
        var metadata = message.Metadata;
        var sequence = metadata?.Sequence.Stream ?? 0;
        var delivery = metadata?.NumDelivered ?? 1;

        EventEnvelope envelope;
        try
        {
            envelope = EventEnvelope.Parse(message.Data ?? []);
        }
        catch (JsonException e)
        {
            // Undecodable: no redelivery can fix it (upstream NAKed it forever).
            Log.PoisonDropped(_logger, message.Subject, sequence, delivery, "not an event envelope: " + e.Message);
            await SettleAsync(message, m => m.AckTerminateAsync(), sequence).ConfigureAwait(false);
            return;
        }

        var messageId = message.Headers is { } headers && headers.TryGetValue(MessageIdHeader, out var id) ? id.ToString() : null;
        try
        {
            await InvokeHandlerAsync(message, new ReceivedEvent(envelope, message.Subject, sequence, delivery, messageId), abort).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            // Aborted while stopping: no ack, so the server redelivers it after AckWait. (A NAK
            // now could be redelivered into this subscription's last pull request and be lost
            // in the shutdown just the same.)
            throw;
        }
        catch (Exception e)
        {
            if (delivery >= (ulong)Options.MaxDeliver)
            {
                Log.PoisonDropped(_logger, message.Subject, sequence, delivery, "handler failed: " + NatsEventBus.Reason(e));
                await SettleAsync(message, m => m.AckTerminateAsync(), sequence).ConfigureAwait(false);
                return;
            }

            var delay = Options.RedeliveryDelay(delivery);
            Log.HandlerFailed(_logger, e, message.Subject, sequence, delivery, Options.MaxDeliver, delay);
            await SettleAsync(message, m => m.NakAsync(new AckOpts { NakDelay = delay }), sequence).ConfigureAwait(false);
            return;
        }

        await SettleAsync(message, m => m.AckAsync(new AckOpts { DoubleAck = Options.ConfirmAcks }), sequence).ConfigureAwait(false);
        UpdateLastSequence(sequence);
    }

    /// <summary>Runs the handler, telling the server every <see cref="SubscriptionOptions.ProgressInterval"/> that it is still at work.</summary>
    private async Task InvokeHandlerAsync(INatsJSMsg<byte[]> message, ReceivedEvent received, CancellationToken abort)
    {
        if (Options.ProgressInterval is not { } interval)
        {
            await _handler(received, abort).ConfigureAwait(false);
            return;
        }

        using var handling = new CancellationTokenSource();
        var progress = ReportProgressAsync(message, received.StreamSequence, interval, handling.Token);
        try
        {
            await _handler(received, abort).ConfigureAwait(false);
        }
        finally
        {
            await handling.CancelAsync().ConfigureAwait(false);
            await progress.ConfigureAwait(false);
        }
    }

    private async Task ReportProgressAsync(INatsJSMsg<byte[]> message, ulong sequence, TimeSpan interval, CancellationToken handled)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(handled).ConfigureAwait(false))
            {
                try
                {
                    await message.AckProgressAsync(cancellationToken: handled).AsTask().WaitAsync(interval, handled).ConfigureAwait(false);
                }
                catch (Exception e) when (e is NatsException or TimeoutException)
                {
                    // Lost while NATS is away: the server may redeliver; the handler is idempotent.
                    Log.AckFailed(_logger, message.Subject, sequence, "in progress: " + NatsEventBus.Reason(e));
                }
            }
        }
        catch (OperationCanceledException) when (handled.IsCancellationRequested)
        {
            // The handler has returned.
        }
    }

    private async Task SettleAsync(INatsJSMsg<byte[]> message, Func<INatsJSMsg<byte[]>, ValueTask> settle, ulong sequence)
    {
        // Not tied to the stop token: an event that was handled must still be acked while the
        // subscription shuts down.
        try
        {
            await settle(message).AsTask().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or TimeoutException or OperationCanceledException)
        {
            Log.AckFailed(_logger, message.Subject, sequence, NatsEventBus.Reason(e));
        }
    }

    private void UpdateLastSequence(ulong sequence)
    {
        ulong current;
        do
        {
            current = Interlocked.Read(ref _lastSequence);
            if (sequence <= current)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _lastSequence, sequence, current) != current);
    }

    private async Task TryEnsureStreamAsync(CancellationToken stop)
    {
        try
        {
            await _bus.EnsureStreamOnceAsync(stop).ConfigureAwait(false);
        }
        catch (EventBusUnavailableException)
        {
            // Logged; the consumer retry loop tries again.
        }
    }
}
