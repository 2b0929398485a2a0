using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Sympozium.Testing.Llm;

namespace Sympozium.Testing.Tests;

/// <summary>The scripted LLM server speaks each provider's wire format, whole and streamed.</summary>
public sealed class ScriptedLlmServerTests : IAsyncLifetime, IDisposable
{
    private readonly HttpClient _http = new();
    private ScriptedLlmServer _llm = null!;

    public async Task InitializeAsync() => _llm = await ScriptedLlmServer.StartAsync();

    public async Task DisposeAsync() => await _llm.DisposeAsync();

    public void Dispose() => _http.Dispose();

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> Post(string path, string json)
    {
        var response = await _http.PostAsync(_llm.BaseUrl + path, new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    [Fact]
    public async Task OpenAi_tool_call_reply_has_the_chat_completion_shape()
    {
        _llm.Enqueue(LlmReply.CallTool("get_time", """{"tz":"UTC"}""") with { InputTokens = 3, OutputTokens = 2 });

        var (status, body, _) = await Post("/v1/chat/completions", """{"model":"m","messages":[{"role":"user","content":"hi"}]}""");

        Assert.Equal(HttpStatusCode.OK, status);
        var json = JsonNode.Parse(body)!;
        Assert.Equal("chat.completion", json["object"]!.GetValue<string>());
        Assert.Equal("tool_calls", json["choices"]![0]!["finish_reason"]!.GetValue<string>());
        var call = json["choices"]![0]!["message"]!["tool_calls"]![0]!;
        Assert.Equal("function", call["type"]!.GetValue<string>());
        Assert.Equal("get_time", call["function"]!["name"]!.GetValue<string>());
        Assert.Equal("""{"tz":"UTC"}""", call["function"]!["arguments"]!.GetValue<string>());
        Assert.Equal(5, json["usage"]!["total_tokens"]!.GetValue<int>());
        Assert.Equal("hi", Assert.Single(_llm.Requests).Body!["messages"]![0]!["content"]!.GetValue<string>());
    }

    [Fact]
    public async Task OpenAi_stream_sends_deltas_a_finish_chunk_and_done()
    {
        _llm.Enqueue(LlmReply.Say("Hello streaming world"));

        var (_, body, response) = await Post("/v1/chat/completions", """{"model":"m","stream":true,"messages":[]}""");

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e["data: ".Length..]).ToList();
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonNode.Parse(e)!).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c["object"]!.GetValue<string>()));
        var text = string.Concat(chunks.Select(c => c["choices"]![0]!["delta"]!["content"]?.GetValue<string>()));
        Assert.Equal("Hello streaming world", text);
        Assert.Equal("stop", chunks[^1]["choices"]![0]!["finish_reason"]!.GetValue<string>());
        Assert.True(chunks.Count > 3);
    }

    [Fact]
    public async Task Anthropic_reply_and_stream_follow_the_messages_format()
    {
        _llm.Enqueue(LlmReply.CallTool("search", """{"q":"x"}""") with { Text = "Looking." }, LlmReply.Say("streamed answer"));

        var (_, whole, _) = await Post("/v1/messages", """{"model":"claude","max_tokens":10,"messages":[]}""");
        var (_, stream, _) = await Post("/v1/messages", """{"model":"claude","max_tokens":10,"stream":true,"messages":[]}""");

        var json = JsonNode.Parse(whole)!;
        Assert.Equal("message", json["type"]!.GetValue<string>());
        Assert.Equal("tool_use", json["stop_reason"]!.GetValue<string>());
        Assert.Equal("text", json["content"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("x", json["content"]![1]!["input"]!["q"]!.GetValue<string>());
        var names = stream.Split('\n').Where(l => l.StartsWith("event: ", StringComparison.Ordinal)).Select(l => l[7..]).ToList();
        Assert.Equal("message_start", names[0]);
        Assert.Equal("message_stop", names[^1]);
        Assert.Contains("content_block_delta", names);
        var deltas = stream.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => JsonNode.Parse(l[6..])!)
            .Where(d => d["type"]!.GetValue<string>() == "content_block_delta").Select(d => d["delta"]!["text"]!.GetValue<string>());
        Assert.Equal("streamed answer", string.Concat(deltas));
    }

    [Fact]
    public async Task Ollama_reply_has_object_arguments_and_the_stream_is_ndjson()
    {
        _llm.Enqueue(LlmReply.CallTool("ls", """{"path":"/"}"""), LlmReply.Say("line by line"));

        var (_, whole, _) = await Post("/api/chat", """{"model":"llama3","messages":[],"stream":false}""");
        var (_, stream, _) = await Post("/api/chat", """{"model":"llama3","messages":[],"stream":true}""");

        var json = JsonNode.Parse(whole)!;
        Assert.True(json["done"]!.GetValue<bool>());
        Assert.Equal("/", json["message"]!["tool_calls"]![0]!["function"]!["arguments"]!["path"]!.GetValue<string>());
        var lines = stream.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.True(lines[^1]["done"]!.GetValue<bool>());
        Assert.All(lines[..^1], l => Assert.False(l["done"]!.GetValue<bool>()));
        Assert.Equal("line by line", string.Concat(lines.Select(l => l["message"]!["content"]!.GetValue<string>())));
    }

    [Theory]
    [InlineData("/v1/chat/completions", "error.message")]
    [InlineData("/openai/deployments/d/chat/completions?api-version=2024-06-01", "error.message")]
    [InlineData("/v1/messages", "error.message")]
    [InlineData("/api/chat", "error")]
    public async Task Errors_use_each_providers_error_shape_and_retry_after(string path, string messagePath)
    {
        _llm.Enqueue(LlmReply.Fail(429, "slow down", TimeSpan.FromSeconds(2)));

        var (status, body, response) = await Post(path, """{"model":"m","messages":[]}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter!.Delta);
        JsonNode node = JsonNode.Parse(body)!;
        foreach (var part in messagePath.Split('.'))
        {
            node = node[part]!;
        }

        Assert.Equal("slow down", node.GetValue<string>());
    }

    [Fact]
    public async Task Empty_script_answers_with_the_fallback_and_malformed_bodies_go_out_verbatim()
    {
        _llm.Enqueue(LlmReply.Malformed("{not json"));

        var (_, malformed, _) = await Post("/v1/chat/completions", "{}");
        var (status, exhausted, _) = await Post("/v1/chat/completions", "{}");
        _llm.Fallback = LlmReply.Say("default");
        var (_, fallback, _) = await Post("/v1/chat/completions", "{}");

        Assert.Equal("{not json", malformed);
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Contains("script has no reply left", exhausted, StringComparison.Ordinal);
        Assert.Equal("default", JsonNode.Parse(fallback)!["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal(3, _llm.Requests.Count);
        Assert.Equal(0, _llm.Pending);
    }

    [Fact]
    public async Task Slow_reply_is_delayed_and_models_are_listed()
    {
        _llm.Enqueue(LlmReply.Say("late") with { Delay = TimeSpan.FromMilliseconds(400) });
        var started = DateTimeOffset.UtcNow;

        await Post("/v1/chat/completions", "{}");
        var models = JsonNode.Parse(await _http.GetStringAsync(_llm.BaseUrl + "/v1/models"))!;
        var tags = JsonNode.Parse(await _http.GetStringAsync(_llm.BaseUrl + "/api/tags"))!;

        Assert.True(DateTimeOffset.UtcNow - started >= TimeSpan.FromMilliseconds(380));
        Assert.Equal("scripted-model", models["data"]![0]!["id"]!.GetValue<string>());
        Assert.Equal("scripted-model:latest", tags["models"]![0]!["name"]!.GetValue<string>());
    }
}
