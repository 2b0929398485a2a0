using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus.Internal;

namespace Sympozium.EventBus;

public sealed partial class NatsEventBus
{
    /// <summary>
    /// The stream every component shares: same name, subjects, retention, age and storage as
    /// upstream, plus a de-duplication window long enough for a restarted publisher, and bounded
    /// in bytes and message size (upstream's grew until the disk was full).
    /// </summary>
    public static StreamConfig StreamConfig(EventBusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new StreamConfig(NatsSubjects.Stream, [NatsSubjects.All])
        {
            Retention = StreamConfigRetention.Limits,
            MaxAge = options.StreamMaxAge,
            Storage = StreamConfigStorage.File,
            NumReplicas = 1,
            DuplicateWindow = options.DuplicateWindow,
            MaxBytes = options.StreamMaxBytes,
            MaxMsgSize = options.StreamMaxMessageSize,
            Discard = StreamConfigDiscard.Old,
        };
    }

    /// <summary>
    /// Creates the stream, or updates it to <see cref="StreamConfig(EventBusOptions)"/>; safe to call
    /// any number of times from any number of processes. Retries up to
    /// <see cref="EventBusOptions.StreamSetupAttempts"/> times, 2 s apart; each attempt waits at
    /// most twice <see cref="EventBusOptions.RequestTimeout"/>, also while the client reconnects.
    /// </summary>
    /// <exception cref="EventBusUnavailableException">The stream could not be set up.</exception>
    public Task EnsureStreamAsync(CancellationToken cancellationToken = default) =>
        EnsureStreamAsync(Options.StreamSetupAttempts, cancellationToken);

    private async Task EnsureStreamAsync(int attempts, CancellationToken cancellationToken)
    {
        var config = StreamConfig(Options);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await BoundedCall.RunAsync(
                    token => _jetStream.CreateOrUpdateStreamAsync(config, token),
                    Options.RequestTimeout * 2,
                    "the stream set-up",
                    cancellationToken).ConfigureAwait(false);
                Log.StreamReady(_logger, config.Name!, NatsSubjects.All, config.MaxAge, config.DuplicateWindow);
                return;
            }
            catch (NatsJSApiException e) when (e.Error.Code is 400 or 500 && e.Error.ErrCode != 10059)
            {
                // The stream exists but this update is refused (another storage type, a sealed
                // stream…). Publishing to it still works; do not fail the process over it.
                Log.StreamKeptAsIs(_logger, config.Name!, e.Error.Description ?? e.Message);
                return;
            }
            catch (Exception e) when (e is NatsException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                Log.StreamSetupFailed(_logger, config.Name!, attempt, attempts, Reason(e));
                if (attempt >= attempts)
                {
                    throw new EventBusUnavailableException(
                        $"The JetStream stream '{config.Name}' could not be created or updated on {Options.RedactedUrl} in {attempts} attempts: {Reason(e)}. Is JetStream enabled (nats-server -js)?",
                        e);
                }

                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
