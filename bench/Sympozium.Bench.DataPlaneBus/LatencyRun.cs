using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Sympozium.EventBus;
using Sympozium.Testing;

namespace Sympozium.Bench.DataPlaneBus;

/// <summary>JetStream publish (awaiting the PubAck) → durable consumer handler, one message at a time.</summary>
internal static class LatencyRun
{
    public static async Task<double[]> MeasureAsync(int messages, int warmup)
    {
        await using var nats = await NatsServer.StartAsync();
        await using var bus = await NatsEventBus.ConnectAsync(EventBusOptions.Default with { Url = nats.Url });
        var sent = new long[messages + warmup];
        var latencies = new ConcurrentDictionary<int, double>();
        var received = new SemaphoreSlim(0);

        await using var subscription = await bus.SubscribeAsync(
            SubscriptionOptions.Durable("bench", "sympozium.agent.stream.chunk"),
            (e, _) =>
            {
                var now = Stopwatch.GetTimestamp();
                var n = e.Envelope.Data.GetProperty("index").GetInt32();
                latencies[n] = Stopwatch.GetElapsedTime(sent[n], now).TotalMilliseconds;
                received.Release();
                return ValueTask.CompletedTask;
            });

        for (var n = 0; n < messages + warmup; n++)
        {
            var data = JsonDocument.Parse($$"""{"type":"text","content":"chunk {{n}}","index":{{n}}}""").RootElement;
            sent[n] = Stopwatch.GetTimestamp();
            await bus.PublishAsync("agent.stream.chunk", null, data, "bench-" + n);

            // One in flight at a time: latency, not throughput.
            await received.WaitAsync(TimeSpan.FromSeconds(10));
        }

        return [.. latencies.Where(p => p.Key >= warmup).Select(p => p.Value).Order()];
    }
}
