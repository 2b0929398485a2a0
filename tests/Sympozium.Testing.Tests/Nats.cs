using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Sympozium.Testing.Tests;

/// <summary>Small client helpers shared by the tests in this project.</summary>
internal static class Nats
{
    public static NatsConnection Connect(NatsServer server) =>
        new(NatsOpts.Default with
        {
            Url = server.Url,
            // Come back quickly after a server restart.
            ReconnectWaitMin = TimeSpan.FromMilliseconds(100),
            ReconnectWaitMax = TimeSpan.FromMilliseconds(500),
        });

    public static CancellationToken Timeout(int seconds = 30) =>
        new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    /// <summary>Fetches and acks one message; null if none arrives within five seconds.</summary>
    public static async Task<string?> FetchOneAsync(INatsJSConsumer consumer, CancellationToken cancellationToken)
    {
        var opts = new NatsJSFetchOpts { MaxMsgs = 1, Expires = TimeSpan.FromSeconds(5) };
        await foreach (var msg in consumer.FetchAsync<string>(opts, cancellationToken: cancellationToken))
        {
            await msg.AckAsync(cancellationToken: cancellationToken);
            return msg.Data;
        }

        return null;
    }
}
