using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Sympozium.EventBus.Internal;

namespace Sympozium.EventBus;

public sealed partial class NatsEventBus
{
    /// <summary>
    /// Publishes an envelope on <c>sympozium.</c>+topic and waits for JetStream's acknowledgement.
    /// </summary>
    /// <param name="envelope">The event.</param>
    /// <param name="messageId">
    /// Sent as <c>Nats-Msg-Id</c>: JetStream stores one message per id within the duplicate
    /// window, so publishing again after a crash is safe (the result says <c>Duplicate</c>).
    /// </param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="EventBusPublishException">Not acknowledged; see <see cref="EventBusPublishException.IsTransient"/>.</exception>
    public async Task<PublishResult> PublishAsync(EventEnvelope envelope, string? messageId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        var subject = envelope.Subject;
        var payload = envelope.ToUtf8Bytes();
        var opts = messageId is null ? null : new NatsJSPubOpts { MsgId = messageId };
        PubAckResponse ack;
        try
        {
            ack = await PublishOnceAsync(subject, payload, opts, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsNoStream(e) && Options.ManageStream && !cancellationToken.IsCancellationRequested)
        {
            // No stream answered: NATS restarted without its store. Put the stream back once.
            try
            {
                if (BeforeStreamRecovery is { } hook)
                {
                    await hook().ConfigureAwait(false);
                }

                await EnsureStreamAsync(attempts: 1, cancellationToken).ConfigureAwait(false);
                ack = await PublishOnceAsync(subject, payload, opts, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception retry) when (retry is NatsException or TimeoutException or EventBusUnavailableException)
            {
                throw Failure(subject, retry);
            }
        }
        catch (Exception e) when (e is NatsException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            throw Failure(subject, e);
        }

        if (ack.Error is { } error)
        {
            throw new EventBusPublishException(
                $"JetStream rejected {subject}: {error.Description} (code {error.Code}, err_code {error.ErrCode}).",
                isTransient: error.Code is 503 or 408);
        }

        if (ack.Duplicate)
        {
            Log.PublishedDuplicate(_logger, subject, messageId, ack.Seq);
        }
        else
        {
            Log.Published(_logger, subject, messageId, ack.Seq);
        }

        return new PublishResult(ack.Stream ?? "", ack.Seq, ack.Duplicate);
    }

    /// <summary>Builds an envelope stamped now and publishes it on <c>sympozium.</c>+<paramref name="topic"/>.</summary>
    public Task<PublishResult> PublishAsync(
        string topic,
        IReadOnlyDictionary<string, string>? metadata,
        JsonElement data,
        string? messageId = null,
        CancellationToken cancellationToken = default) =>
        PublishAsync(EventEnvelope.Create(topic, metadata, data), messageId, cancellationToken);

    /// <summary>Test seam: runs between a "no stream" answer and the attempt to put the stream back.</summary>
    internal Func<Task>? BeforeStreamRecovery { get; set; }

    private Task<PubAckResponse> PublishOnceAsync(string subject, byte[] payload, NatsJSPubOpts? opts, CancellationToken cancellationToken) =>
        // The client's own request timeout bounds the wait for the PubAck; the margin covers its
        // retries. The bound holds even while the client reconnects (BoundedCall).
        BoundedCall.RunAsync(
            token => _jetStream.PublishAsync(subject, payload, opts: opts, cancellationToken: token),
            Options.RequestTimeout * 3,
            "the publish of " + subject,
            cancellationToken);

    private static bool IsNoStream(Exception e) =>
        e is NatsNoRespondersException or NatsJSPublishNoResponseException ||
        e.InnerException is NatsNoRespondersException;

    private static EventBusPublishException Failure(string subject, Exception e) => e switch
    {
        NatsPayloadTooLargeException => new EventBusPublishException(
            $"{subject} is larger than the server's max_payload: {e.Message}", isTransient: false, e),
        NatsJSApiException api when api.Error.Code is not (503 or 408) => new EventBusPublishException(
            $"JetStream rejected {subject}: {api.Error.Description} (code {api.Error.Code}).", isTransient: false, e),
        _ => new EventBusPublishException($"{subject} was not acknowledged: {Reason(e)}", isTransient: true, e),
    };
}
