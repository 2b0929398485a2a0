using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Sympozium.EventBus.Internal;

namespace Sympozium.EventBus;

public sealed partial class NatsEventBus
{
    /// <summary>
    /// Creates the bucket's stream, or updates it to the bucket's settings; safe to call any number
    /// of times. Needs the right to create streams, which only the controller has: users of the
    /// bucket never call this (a missing bucket makes <see cref="PutValueAsync"/> fail instead).
    /// </summary>
    /// <exception cref="EventBusUnavailableException">The stream could not be created or updated (logged).</exception>
    public async Task EnsureBucketAsync(KeyValueBucket bucket, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        bucket.Validate();
        var config = new StreamConfig(bucket.StreamName, [bucket.Subject(">")])
        {
            Retention = StreamConfigRetention.Limits,
            MaxAge = bucket.MaxAge,
            MaxMsgsPerSubject = 1,
            Discard = StreamConfigDiscard.New,
            Storage = StreamConfigStorage.File,
            NumReplicas = 1,
            AllowDirect = true,
            AllowRollupHdrs = true,
            DenyDelete = true,
            DuplicateWindow = bucket.MaxAge < TimeSpan.FromMinutes(2) ? bucket.MaxAge : TimeSpan.FromMinutes(2),
        };
        try
        {
            await BoundedCall.RunAsync(
                token => _jetStream.CreateOrUpdateStreamAsync(config, token),
                Options.RequestTimeout * 2,
                "the set-up of bucket " + bucket.Name,
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            Log.StreamSetupFailed(_logger, config.Name!, 1, 1, Reason(e));
            throw new EventBusUnavailableException(
                $"The key-value bucket '{bucket.Name}' (stream {bucket.StreamName}) could not be created or updated on {Options.RedactedUrl}: {Reason(e)}.",
                e);
        }

        Log.StreamReady(_logger, config.Name!, bucket.Subject(">"), config.MaxAge, config.DuplicateWindow);
    }

    /// <summary>
    /// Stores <paramref name="value"/> under <paramref name="key"/> (a publish on
    /// <c>$KV.&lt;bucket&gt;.&lt;key&gt;</c>, acknowledged by JetStream).
    /// </summary>
    /// <param name="bucket">The bucket.</param>
    /// <param name="key">A key made by <see cref="KeyValueBucket.Key"/>.</param>
    /// <param name="value">The value.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="EventBusPublishException">Not stored; <see cref="EventBusPublishException.IsTransient"/> is false when the bucket does not exist.</exception>
    public async Task PutValueAsync(KeyValueBucket bucket, string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        ArgumentException.ThrowIfNullOrEmpty(key);
        var subject = bucket.Subject(key);
        PubAckResponse ack;
        try
        {
            ack = await BoundedCall.RunAsync(
                token => _jetStream.PublishAsync(subject, value.ToArray(), cancellationToken: token),
                Options.RequestTimeout * 3,
                "the write of " + subject,
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsNoStream(e) && !cancellationToken.IsCancellationRequested)
        {
            throw new EventBusPublishException($"Bucket {bucket.Name} does not exist (no stream {bucket.StreamName}): the controller creates it.", isTransient: false, e);
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
    }

    /// <summary>
    /// The value stored under <paramref name="key"/>, or null when there is none (never written,
    /// or expired). A direct get on <c>$JS.API.DIRECT.GET.KV_&lt;bucket&gt;.$KV.&lt;bucket&gt;.&lt;key&gt;</c>, so a
    /// permission on that subject is all a reader needs.
    /// </summary>
    /// <exception cref="EventBusUnavailableException">No answer within the request timeout (NATS away, or no such bucket).</exception>
    public async Task<byte[]?> GetValueAsync(KeyValueBucket bucket, string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        ArgumentException.ThrowIfNullOrEmpty(key);
        var request = "$JS.API.DIRECT.GET." + bucket.StreamName + "." + bucket.Subject(key);
        NatsMsg<byte[]> reply;
        try
        {
            reply = await BoundedCall.RunAsync(
                token => _connection.RequestAsync<byte[], byte[]>(
                    request,
                    [],
                    requestSerializer: NatsRawSerializer<byte[]>.Default,
                    replySerializer: NatsRawSerializer<byte[]>.Default,
                    cancellationToken: token),
                Options.RequestTimeout,
                "the read of " + bucket.Subject(key),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            // The server answers no direct get for a stream it does not have: a missing bucket
            // looks like a timeout.
            var why = e is NatsNoRespondersException
                ? $"bucket {bucket.Name} does not exist (no stream {bucket.StreamName})"
                : $"{Reason(e)} (NATS is away, or bucket {bucket.Name} does not exist: no stream {bucket.StreamName})";
            throw new EventBusUnavailableException($"Reading {bucket.Subject(key)} failed: {why}.", e);
        }

        if (reply.Headers is { Code: 404 })
        {
            return null;
        }

        if (reply.Headers is { Code: >= 400 } headers)
        {
            throw new EventBusUnavailableException($"Reading {bucket.Subject(key)} failed: {headers.Code} {headers.MessageText}.");
        }

        // A put is a value; a delete or purge marker (KV-Operation header) reads as no value.
        return reply.Headers is { } h && h.TryGetValue("KV-Operation", out var operation) && operation.ToString() is "DEL" or "PURGE"
            ? null
            : reply.Data ?? [];
    }
}
