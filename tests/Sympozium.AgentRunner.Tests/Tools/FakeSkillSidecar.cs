using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Sympozium.AgentRunner.Tests.Tools;

/// <summary>
/// The skill sidecars' executor loop (upstream tool-executor.sh) in-process: polls
/// exec-request-*.json, claims each id once with an exclusive create (the shell loop uses mkdir),
/// "runs" it through <see cref="Run"/> and writes the result as .tmp + rename.
/// </summary>
internal sealed class FakeSkillSidecar : IAsyncDisposable
{
    private readonly string _toolsDir;
    private readonly Func<JsonObject, JsonObject> _run;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public FakeSkillSidecar(string toolsDir, Func<JsonObject, JsonObject> run)
    {
        _toolsDir = toolsDir;
        _run = run;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Requests this sidecar executed, as read from the request files.</summary>
    public ConcurrentQueue<JsonObject> Executed { get; } = new();

    /// <summary>A result with exit code 0 and the given output.</summary>
    public static JsonObject Result(string stdout = "", string stderr = "", int exitCode = 0, bool timedOut = false) =>
        new() { ["exitCode"] = exitCode, ["stdout"] = stdout, ["stderr"] = stderr, ["timedOut"] = timedOut };

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            foreach (var path in Directory.EnumerateFiles(_toolsDir, "exec-request-*"))
            {
                var name = Path.GetFileName(path);
                if (!name.EndsWith(".json", StringComparison.Ordinal))
                {
                    continue;
                }

                var id = name["exec-request-".Length..^".json".Length];
                var resultPath = Path.Join(_toolsDir, $"exec-result-{id}.json");
                if (File.Exists(resultPath) || !TryClaim(id))
                {
                    continue;
                }

                JsonObject request;
                try
                {
                    request = (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;
                }
                catch (FileNotFoundException)
                {
                    continue;
                }

                Executed.Enqueue(request);
                var result = _run(request);
                result["id"] = id;
                await File.WriteAllTextAsync(resultPath + ".tmp", result.ToJsonString());
                File.Move(resultPath + ".tmp", resultPath, overwrite: true);
            }

            try
            {
                await Task.Delay(10, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private bool TryClaim(string id)
    {
        try
        {
            using var claim = new FileStream(Path.Join(_toolsDir, $".claim-{id}"), FileMode.CreateNew);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
