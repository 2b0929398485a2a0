using System.Text.Json;
using Sympozium.Testing.Logging;
using Xunit.Abstractions;

namespace Sympozium.EventBus.Tests;

/// <summary>Buses connected to a test server, with timings short enough for tests.</summary>
internal static class TestBus
{
    public static EventBusOptions Options(string url) => EventBusOptions.Default with
    {
        Url = url,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        StreamSetupAttempts = 3,
    };

    public static Task<NatsEventBus> ConnectAsync(string url, ITestOutputHelper output, Func<EventBusOptions, EventBusOptions>? change = null) =>
        NatsEventBus.ConnectAsync((change ?? (o => o))(Options(url)), TestOutputLoggerProvider.Factory(output));

    public static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    /// <summary>Durable options with redelivery delays short enough for a test.</summary>
    public static SubscriptionOptions Durable(string name, string subject) =>
        SubscriptionOptions.Durable(name, subject) with { RedeliveryDelays = [TimeSpan.FromMilliseconds(50)] };

    /// <summary>Publishes <paramref name="count"/> events numbered from <paramref name="first"/> on <paramref name="topic"/>.</summary>
    public static async Task PublishNumberedAsync(NatsEventBus bus, string topic, int first, int count)
    {
        for (var n = first; n < first + count; n++)
        {
            await bus.PublishAsync(topic, null, Json(n.ToString(System.Globalization.CultureInfo.InvariantCulture)), "n-" + n);
        }
    }

    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!condition())
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}.");
            }

            await Task.Delay(20);
        }
    }
}
