using System.Text.Json.Nodes;

namespace Sympozium.Demo;

/// <summary>A local Ollama, if one answers on 127.0.0.1:11434: the demo then uses its first model.</summary>
internal static class OllamaProbe
{
    /// <summary>Ollama's native API root; the agent's ollama provider calls {root}/api/chat.</summary>
    public const string Root = "http://127.0.0.1:11434";

    /// <summary>The first model <c>GET /api/tags</c> lists; null when nothing answers within 2 s or no model is pulled.</summary>
    public static async Task<string?> FirstModelAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            var tags = JsonNode.Parse(await http.GetStringAsync(new Uri(Root + "/api/tags"), cancellationToken).ConfigureAwait(false));
            return (tags?["models"] as JsonArray ?? []).OfType<JsonObject>().Select(m => m["name"]?.ToString()).FirstOrDefault(n => !string.IsNullOrEmpty(n));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
