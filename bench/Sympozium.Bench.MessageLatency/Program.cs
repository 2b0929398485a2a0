using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Sympozium.Api.WellKnown;
using Sympozium.Bench.MessageLatency;
using Sympozium.E2E.Local.Tests.Support;
using Sympozium.Testing.Channels;
using Sympozium.Testing.Llm;

// Run and message latency through the installed control plane with the instant scripted LLM:
// first --runs AgentRuns created through the API one after another, every hop of each timed
// (RunHops); then N Telegram messages one after another, then N with --concurrency in flight.
// Figures as "metric: value unit" on stdout, progress on stderr.
var runs = Option("--runs", 20);
var messages = Option("--messages", 50);
var concurrency = Option("--concurrency", 10);
const string Ns = "bench";
const string Instance = "bench";
var replyTimeout = TimeSpan.FromSeconds(180);

Console.Error.WriteLine("installing the control plane into the local cluster ...");
var fixture = new LocalControlPlaneFixture();
await fixture.InitializeAsync();
try
{
    await using var llm = await ScriptedLlmServer.StartAsync();
    await using var telegram = await FakeTelegramApi.StartAsync();
    llm.Fallback = LlmReply.Say("pong");
    await fixture.EnsureNamespaceAsync(Ns);
    await Create($"/api/v1/namespaces/{Ns}/secrets", new JsonObject
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new JsonObject { ["name"] = "telegram-bot", ["namespace"] = Ns },
        ["stringData"] = new JsonObject { ["TELEGRAM_BOT_TOKEN"] = telegram.Token, ["TELEGRAM_API_URL"] = telegram.BaseUrl },
    });
    await Create($"/apis/sympozium.ai/v1alpha1/namespaces/{Ns}/sympoziuminstances", new JsonObject
    {
        ["apiVersion"] = "sympozium.ai/v1alpha1",
        ["kind"] = "SympoziumInstance",
        ["metadata"] = new JsonObject { ["name"] = Instance, ["namespace"] = Ns },
        ["spec"] = new JsonObject
        {
            ["agents"] = new JsonObject { ["default"] = new JsonObject { ["model"] = "scripted", ["baseURL"] = llm.OpenAiBaseUrl } },
            ["channels"] = new JsonArray(new JsonObject { ["type"] = "telegram", ["configRef"] = new JsonObject { ["secret"] = "telegram-bot" } }),
            ["memory"] = new JsonObject { ["enabled"] = false },
        },
    });

    var timelines = new ConcurrentDictionary<long, MessageTimeline>();
    using var stop = new CancellationTokenSource();
    var poller = Task.Run(() => PollAsync(timelines, telegram, stop.Token));
    long nextChat = 1000;

    Console.Error.WriteLine($"run path: {LocalControlPlaneFixture.RunPath} (SYMPOZIUM_RUN_PATH)");
    Print("run_path_native_aot", LocalControlPlaneFixture.RunPath == Sympozium.Install.RunPathBuild.Aot ? 1 : 0, "bool");
    Print("control_plane_native_aot", Sympozium.Install.LocalImageMap.ControlPlaneFromEnvironment() == Sympozium.Install.RunPathBuild.Aot ? 1 : 0, "bool");
    await using (var hops = new RunHops(fixture.Connection, Ns))
    {
        await hops.StartAsync();
        Console.Error.WriteLine("warm-up AgentRun ...");
        await RunOnceAsync(hops, "hop-warmup", llm);
        Console.Error.WriteLine($"{runs} AgentRuns through the API, one after another ...");
        var names = Enumerable.Range(1, runs).Select(i => $"hop-{i}").ToList();
        foreach (var name in names)
        {
            await RunOnceAsync(hops, name, llm);
        }

        foreach (var request in llm.Requests)
        {
            var body = request.Body?.ToJsonString() ?? "";
            foreach (var name in names.Where(n => body.Contains($"task {n}.", StringComparison.Ordinal)))
            {
                hops.Mark(name, "llm_request", request.ReceivedTimestamp);
            }
        }

        var steps = names.SelectMany(hops.Steps).GroupBy(s => s.Name, StringComparer.Ordinal);
        foreach (var step in steps)
        {
            var values = step.Where(s => s.Ms is not null).Select(s => s.Ms!.Value).Order().ToList();
            if (values.Count > 0)
            {
                Print($"api_run_{step.Key}_p50", Percentile(values, 0.50), "ms");
                Print($"api_run_{step.Key}_p99", Percentile(values, 0.99), "ms");
            }
        }
    }

    if (messages == 0)
    {
        return 0;
    }

    Console.Error.WriteLine("warm-up message (channel pod start, first JIT) ...");
    await SendAndWaitAsync(nextChat++, timelines, telegram);
    timelines.Clear();

    Console.Error.WriteLine($"{messages} messages, sequential ...");
    for (var i = 0; i < messages; i++)
    {
        await SendAndWaitAsync(nextChat++, timelines, telegram);
    }

    Report("sequential", timelines.Values);
    timelines.Clear();

    Console.Error.WriteLine($"{messages} messages, {concurrency} in flight ...");
    using var gate = new SemaphoreSlim(concurrency);
    var started = DateTimeOffset.UtcNow;
    var busyBefore = MachineBusyMs();
    await Task.WhenAll(Enumerable.Range(0, messages).Select(async _ =>
    {
        await gate.WaitAsync();
        try
        {
            await SendAndWaitAsync(Interlocked.Increment(ref nextChat), timelines, telegram);
        }
        finally
        {
            gate.Release();
        }
    }));
    Report($"concurrent{concurrency}", timelines.Values);
    Print($"concurrent{concurrency}_throughput", messages / (DateTimeOffset.UtcNow - started).TotalSeconds, "messages/s");

    // What bounds the throughput: the machine's CPU time (every process: API server, controller,
    // webhook, channel, each run's agent-runner and ipc-bridge, nats-server) per message. With
    // every core busy, no schedule can answer more than cores / (CPU per message) messages a second.
    var cpuPerMessage = (MachineBusyMs() - busyBefore) / messages;
    Print($"concurrent{concurrency}_machine_cpu_per_message", cpuPerMessage, "ms");
    Print($"concurrent{concurrency}_throughput_bound_by_cpu", Environment.ProcessorCount * 1000.0 / cpuPerMessage, "messages/s");

    await stop.CancelAsync();
    await poller;
}
finally
{
    await fixture.DisposeAsync();
}

return 0;

// Creates one AgentRun of the bench instance and waits until the watches saw it Succeeded.
async Task RunOnceAsync(RunHops hops, string name, ScriptedLlmServer llm)
{
    var body = new JsonObject
    {
        ["apiVersion"] = "sympozium.ai/v1alpha1",
        ["kind"] = "AgentRun",
        ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = Ns, ["labels"] = new JsonObject { [Labels.Instance] = Instance } },
        ["spec"] = new JsonObject { ["instanceRef"] = Instance, ["agentId"] = "default", ["sessionKey"] = "", ["task"] = $"task {name}.",
            ["model"] = new JsonObject { ["provider"] = "openai-compatible", ["model"] = "scripted", ["baseURL"] = llm.OpenAiBaseUrl, ["authSecretRef"] = "" },
        },
    };
    var created = RunHops.Now();
    await Create($"/apis/sympozium.ai/v1alpha1/namespaces/{Ns}/agentruns", body);
    hops.Mark(name, "created", created);
    hops.Mark(name, "admitted", RunHops.Now());
    var deadline = DateTimeOffset.UtcNow + replyTimeout;
    while (!hops.Has(name, "run_succeeded"))
    {
        if (DateTimeOffset.UtcNow > deadline)
        {
            var run = await fixture.Api.GetAsync($"/apis/sympozium.ai/v1alpha1/namespaces/{Ns}/agentruns/{name}");
            throw new TimeoutException($"AgentRun {name} not Succeeded within {replyTimeout.TotalSeconds:0} s: {run?["status"]?.ToJsonString()}\n" + await fixture.DescribePodsAsync(Ns));
        }

        await Task.Delay(2);
    }
}

async Task SendAndWaitAsync(long chatId, ConcurrentDictionary<long, MessageTimeline> timelines, FakeTelegramApi telegram)
{
    var timeline = new MessageTimeline(chatId, DateTimeOffset.UtcNow);
    timelines[chatId] = timeline;
    telegram.AddTextMessage(chatId, "ping " + chatId.ToString(CultureInfo.InvariantCulture));
    var deadline = DateTimeOffset.UtcNow + replyTimeout;
    RecordedCall? reply;
    while ((reply = telegram.SendMessageCalls.FirstOrDefault(c => c.Field("chat_id") == chatId.ToString(CultureInfo.InvariantCulture))) is null)
    {
        if (DateTimeOffset.UtcNow > deadline)
        {
            throw new TimeoutException($"no reply to chat {chatId} within {replyTimeout.TotalSeconds:0} s\n" + await fixture.DescribePodsAsync(Ns) + await fixture.DescribePodsAsync(LocalControlPlaneFixture.SystemNamespace));
        }

        await Task.Delay(20);
    }

    timeline.Replied = reply.ReceivedAt;
}

// First-seen times of each run, Job and agent container, every 50 ms (the figures' resolution).
async Task PollAsync(ConcurrentDictionary<long, MessageTimeline> timelines, FakeTelegramApi telegram, CancellationToken cancellationToken)
{
    var selector = Uri.EscapeDataString($"{Labels.Instance}={Instance}");
    while (!cancellationToken.IsCancellationRequested)
    {
        var runs = await Items($"/apis/sympozium.ai/v1alpha1/namespaces/{Ns}/agentruns?labelSelector={selector}");
        var now = DateTimeOffset.UtcNow;
        var byRun = new Dictionary<string, MessageTimeline>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            var task = run["spec"]?["task"]?.ToString() ?? "";
            if (!task.StartsWith("ping ", StringComparison.Ordinal) || !timelines.TryGetValue(long.Parse(task[5..], CultureInfo.InvariantCulture), out var timeline))
            {
                continue;
            }

            timeline.RunName ??= run["metadata"]?["name"]?.ToString();
            timeline.RunSeen ??= now;
            if (run["status"]?["phase"]?.ToString() is "Succeeded" or "Failed")
            {
                timeline.RunDone ??= now;
            }

            byRun[timeline.RunName!] = timeline;
        }

        now = DateTimeOffset.UtcNow;
        foreach (var job in await Items($"/apis/batch/v1/namespaces/{Ns}/jobs?labelSelector={selector}"))
        {
            if (job["metadata"]?["labels"]?[Labels.AgentRun]?.ToString() is { } name && byRun.TryGetValue(name, out var timeline))
            {
                timeline.JobSeen ??= now;
            }
        }

        now = DateTimeOffset.UtcNow;
        foreach (var pod in await Items($"/api/v1/namespaces/{Ns}/pods?labelSelector={selector}"))
        {
            var agent = (pod["status"]?["containerStatuses"] as JsonArray ?? []).OfType<JsonObject>().FirstOrDefault(c => c["name"]?.ToString() == "agent");
            if (pod["metadata"]?["labels"]?[Labels.AgentRun]?.ToString() is { } name && byRun.TryGetValue(name, out var timeline)
                && (agent?["state"]?["running"] is not null || agent?["state"]?["terminated"] is not null))
            {
                timeline.AgentRunning ??= now;
            }
        }

        try
        {
            await Task.Delay(50, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
    }
}

async Task<IEnumerable<JsonObject>> Items(string path) =>
    ((await fixture.Api.GetAsync(path))?["items"] as JsonArray ?? []).OfType<JsonObject>();

async Task Create(string collection, JsonObject body)
{
    var (status, response) = await fixture.Api.CreateAsync(collection, body);
    if (status != HttpStatusCode.Created)
    {
        throw new InvalidOperationException($"creating {body["kind"]} {body["metadata"]?["name"]}: {(int)status} {response}");
    }
}

static void Report(string phase, IEnumerable<MessageTimeline> timelines)
{
    var steps = timelines.SelectMany(t => t.Steps()).GroupBy(s => s.Name, StringComparer.Ordinal);
    foreach (var step in steps)
    {
        var values = step.Where(s => s.Ms is not null).Select(s => s.Ms!.Value).Order().ToList();
        if (values.Count == 0)
        {
            continue;
        }

        Print($"{phase}_{step.Key}_p50", Percentile(values, 0.50), "ms");
        Print($"{phase}_{step.Key}_p99", Percentile(values, 0.99), "ms");
    }
}

// Busy CPU time of the whole machine so far (/proc/stat: every state but idle and iowait).
static double MachineBusyMs()
{
    var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
    var busy = fields.Sum() - fields[3] - fields[4];
    return busy * 1000.0 / 100; // USER_HZ is 100 on Linux
}

static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

static void Print(string metric, double value, string unit) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{metric}: {value:0.#} {unit}"));

static int Option(string name, int fallback)
{
    var args = Environment.GetCommandLineArgs();
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
