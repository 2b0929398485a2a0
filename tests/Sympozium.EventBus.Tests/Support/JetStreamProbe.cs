using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Sympozium.Api.WellKnown;
using Sympozium.EventBus;

namespace Sympozium.Testing.Probes;

/// <summary>
/// Looks into the <c>sympozium</c> stream from the outside, with its own connection: how many
/// messages a subject holds and what they say. Shared (linked) by the EventBus and IpcBridge tests.
/// </summary>
public sealed class JetStreamProbe : IAsyncDisposable
{
    private readonly NatsConnection _connection;
    private readonly NatsJSContext _jetStream;

    private JetStreamProbe(NatsConnection connection)
    {
        _connection = connection;
        _jetStream = new NatsJSContext(connection);
    }

    public NatsJSContext JetStream => _jetStream;

    public static async Task<JetStreamProbe> ConnectAsync(string url, NatsAuthOpts? auth = null, string? inboxPrefix = null)
    {
        var connection = new NatsConnection(NatsOpts.Default with { Url = url, AuthOpts = auth ?? NatsAuthOpts.Default, InboxPrefix = inboxPrefix ?? NatsOpts.Default.InboxPrefix });
        await connection.ConnectAsync();
        return new JetStreamProbe(connection);
    }

    /// <summary>Messages stored on <paramref name="subject"/> (wildcards allowed); 0 when the stream does not exist.</summary>
    public async Task<long> CountAsync(string subject)
    {
        try
        {
            var stream = await _jetStream.GetStreamAsync(NatsSubjects.Stream, new StreamInfoRequest { SubjectsFilter = subject });
            // The server filters the per-subject counts by the (wildcard) subject already.
            return stream.Info.State.Subjects is { } subjects ? subjects.Values.Sum(count => (long)count) : 0;
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == 10059)
        {
            return 0;
        }
    }

    /// <summary>Every stored message on <paramref name="subject"/> (wildcards allowed), oldest first.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadAsync(string subject)
    {
        var consumer = await _jetStream.CreateOrUpdateConsumerAsync(NatsSubjects.Stream, new ConsumerConfig
        {
            Name = "probe-" + Guid.NewGuid().ToString("N")[..12],
            FilterSubject = subject,
            DeliverPolicy = ConsumerConfigDeliverPolicy.All,
            AckPolicy = ConsumerConfigAckPolicy.None,
            InactiveThreshold = TimeSpan.FromSeconds(30),
        });
        var events = new List<StoredEvent>();
        try
        {
            while (true)
            {
                var before = events.Count;
                await foreach (var message in consumer.FetchNoWaitAsync(new NatsJSFetchOpts { MaxMsgs = 500 }, NatsRawSerializer<byte[]>.Default))
                {
                    var id = message.Headers is { } headers && headers.TryGetValue("Nats-Msg-Id", out var value) ? value.ToString() : null;
                    events.Add(new StoredEvent(message.Subject, message.Data ?? [], id, message.Metadata?.Sequence.Stream ?? 0));
                }

                if (events.Count == before)
                {
                    return events;
                }
            }
        }
        finally
        {
            await _jetStream.DeleteConsumerAsync(NatsSubjects.Stream, consumer.Info.Name);
        }
    }

    /// <summary>Waits until <paramref name="subject"/> holds at least <paramref name="count"/> messages.</summary>
    public async Task WaitForCountAsync(string subject, long count, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (await CountAsync(subject) < count)
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"{subject} held {await CountAsync(subject)} message(s), not {count}, after {timeout.TotalSeconds:0} s.");
            }

            await Task.Delay(50);
        }
    }

    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

/// <summary>A message as the stream stores it.</summary>
public sealed record StoredEvent(string Subject, byte[] Body, string? MessageId, ulong Sequence)
{
    public EventEnvelope Envelope => EventEnvelope.Parse(Body);
}
