using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace Sympozium.AgentRunner.Tests.Tools;

/// <summary>The mcp-bridge's request loop in-process: answers mcp-request-*.json with mcp-result-*.json (.tmp + rename).</summary>
internal sealed class FakeMcpBridge : IAsyncDisposable
{
    private readonly string _toolsDir;
    private readonly Func<JsonObject, JsonObject> _answer;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<string> _seen = [];
    private readonly Task _loop;

    public FakeMcpBridge(string toolsDir, Func<JsonObject, JsonObject> answer)
    {
        _toolsDir = toolsDir;
        _answer = answer;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Requests received, with the file name they came in.</summary>
    public ConcurrentQueue<(string File, JsonObject Request)> Received { get; } = new();

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            foreach (var path in Directory.EnumerateFiles(_toolsDir, "mcp-request-*"))
            {
                var name = Path.GetFileName(path);
                if (!name.EndsWith(".json", StringComparison.Ordinal) || !_seen.Add(name))
                {
                    continue;
                }

                var request = (JsonObject)JsonNode.Parse(await File.ReadAllTextAsync(path))!;
                Received.Enqueue((name, request));
                var id = name["mcp-request-".Length..^".json".Length];
                var resultPath = Path.Join(_toolsDir, $"mcp-result-{id}.json");
                var result = _answer(request);
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

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
