using System.Text.Json.Nodes;
using Sympozium.AgentRunner.Providers;
using Sympozium.AgentRunner.Tools;
using Sympozium.Testing.Llm;

namespace Sympozium.AgentRunner.Tests;

/// <summary>Each provider adapter against the scripted server: request shapes, auth headers, tool calls, errors.</summary>
public sealed class ProviderTests : IAsyncLifetime, IDisposable
{
    private static readonly ToolDefinition ListPods = new("list_pods", "List pods", JsonNode.Parse("""
        {"type":"object","properties":{"namespace":{"type":"string"}},"required":["namespace"]}
        """)!.AsObject());

    private ScriptedLlmServer _llm = null!;
    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    public async Task InitializeAsync() => _llm = await ScriptedLlmServer.StartAsync();

    public async Task DisposeAsync() => await _llm.DisposeAsync();

    public void Dispose() => _http.Dispose();

    private static ChatRequestContext Context(params ToolDefinition[] tools) => new("You are terse.", "How many pods?", tools, "test-model");

    private IChatProvider Create(string provider, string baseUrl, string? key = "sk-test", LlmRetryPolicy? policy = null, params ToolDefinition[] tools)
    {
        var options = new RunnerOptions { Provider = provider, BaseUrl = baseUrl, ApiKey = key, Model = "test-model", MaxRetries = policy?.MaxRetries ?? 0, RequestTimeout = policy?.RequestTimeout };
        return ProviderFactory.Create(options, Context(tools), _http);
    }

    [Fact]
    public async Task OpenAi_sends_bearer_key_system_and_user_messages_and_tools()
    {
        _llm.Enqueue(LlmReply.Say("three") with { InputTokens = 12, OutputTokens = 3 });
        var provider = Create("openai", _llm.OpenAiBaseUrl, tools: ListPods);

        var turn = await provider.ChatAsync(CancellationToken.None);

        var request = Assert.Single(_llm.Requests);
        Assert.Equal(LlmWireFormat.OpenAi, request.Format);
        Assert.Equal("/v1/chat/completions", request.Path);
        Assert.Equal("Bearer sk-test", request.Header("Authorization"));
        Assert.Equal("test-model", request.Body!["model"]!.GetValue<string>());
        Assert.Equal("system", request.Body["messages"]![0]!["role"]!.GetValue<string>());
        Assert.Equal("You are terse.", request.Body["messages"]![0]!["content"]!.GetValue<string>());
        Assert.Equal("How many pods?", request.Body["messages"]![1]!["content"]!.GetValue<string>());
        Assert.Equal("function", request.Body["tools"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("list_pods", request.Body["tools"]![0]!["function"]!["name"]!.GetValue<string>());
        Assert.Equal("namespace", request.Body["tools"]![0]!["function"]!["parameters"]!["required"]![0]!.GetValue<string>());
        Assert.Null(request.Body["max_tokens"]);
        Assert.Equal("three", turn.Text);
        Assert.Equal((12, 3), (turn.InputTokens, turn.OutputTokens));
    }

    [Fact]
    public async Task OpenAi_without_key_sends_no_authorization_and_no_tools_field()
    {
        _llm.Enqueue(LlmReply.Say("hi"));
        var provider = Create("lm-studio", _llm.OpenAiBaseUrl, key: null);

        await provider.ChatAsync(CancellationToken.None);

        var request = Assert.Single(_llm.Requests);
        Assert.Null(request.Header("Authorization"));
        Assert.Null(request.Body!["tools"]);
    }

    [Fact]
    public async Task OpenAi_tool_calls_come_back_and_results_are_sent_as_tool_messages()
    {
        _llm.Enqueue(LlmReply.CallTools(new ScriptedToolCall("list_pods", """{"namespace":"default"}""", "call_a"), new ScriptedToolCall("list_pods", """{"namespace":"kube-system"}""", "call_b")),
            LlmReply.Say("5 pods"));
        var provider = Create("openai", _llm.OpenAiBaseUrl, tools: ListPods);

        var first = await provider.ChatAsync(CancellationToken.None);
        provider.AddToolResults([new ToolCallResult(first.ToolCalls[0], "3 pods", false), new ToolCallResult(first.ToolCalls[1], "boom", true)]);
        var second = await provider.ChatAsync(CancellationToken.None);

        Assert.Equal(["call_a", "call_b"], first.ToolCalls.Select(c => c.Id));
        Assert.Equal("""{"namespace":"default"}""", first.ToolCalls[0].ArgumentsJson);
        var messages = _llm.Requests[1].Body!["messages"]!.AsArray();
        Assert.Equal(5, messages.Count);
        Assert.Equal("assistant", messages[2]!["role"]!.GetValue<string>());
        Assert.Equal("call_a", messages[2]!["tool_calls"]![0]!["id"]!.GetValue<string>());
        Assert.Equal("tool", messages[3]!["role"]!.GetValue<string>());
        Assert.Equal("call_a", messages[3]!["tool_call_id"]!.GetValue<string>());
        Assert.Equal("3 pods", messages[3]!["content"]!.GetValue<string>());
        Assert.Equal("call_b", messages[4]!["tool_call_id"]!.GetValue<string>());
        Assert.Equal("5 pods", second.Text);
    }

    [Fact]
    public async Task OpenAi_tool_calls_are_honoured_even_when_finish_reason_says_stop()
    {
        // Ollama's and some vLLM parsers' OpenAI endpoints answer this way; upstream ignored the calls.
        _llm.Enqueue(LlmReply.CallTool("list_pods", "{}") with { FinishReason = "stop" });
        var provider = Create("vllm", _llm.OpenAiBaseUrl, tools: ListPods);

        var turn = await provider.ChatAsync(CancellationToken.None);

        Assert.Equal("list_pods", Assert.Single(turn.ToolCalls).Name);
    }

    [Fact]
    public async Task Reasoning_content_yields_the_answer_and_qwen_tool_calls()
    {
        _llm.Enqueue(
            new LlmReply { ReasoningContent = "<think>counting</think>\n\n\n\nAnswer" },
            new LlmReply { ReasoningContent = "<tool_call><function=execute_command><parameter=command>ls</parameter><parameter=timeout>5</parameter></function></tool_call>" });
        var provider = Create("vllm", _llm.OpenAiBaseUrl);

        var answer = await provider.ChatAsync(CancellationToken.None);
        var call = await provider.ChatAsync(CancellationToken.None);

        Assert.Equal("Answer", answer.Text);
        var recovered = Assert.Single(call.ToolCalls);
        Assert.Equal(("qwen-recovered-0", "execute_command"), (recovered.Id, recovered.Name));
        Assert.Equal("""{"command":"ls","timeout":5}""", recovered.ArgumentsJson);
    }

    [Fact]
    public async Task Azure_uses_the_deployment_url_api_version_and_api_key_header()
    {
        _llm.Enqueue(LlmReply.Say("hi"));
        var options = new RunnerOptions { Provider = "azure-openai", BaseUrl = _llm.BaseUrl, ApiKey = "az-key", Model = "gpt4o-deploy", MaxRetries = 0 };
        var provider = ProviderFactory.Create(options, Context(), _http);

        await provider.ChatAsync(CancellationToken.None);

        var request = Assert.Single(_llm.Requests);
        Assert.Equal(LlmWireFormat.AzureOpenAi, request.Format);
        Assert.Equal("/openai/deployments/gpt4o-deploy/chat/completions", request.Path);
        Assert.Equal("?api-version=2024-06-01", request.Query);
        Assert.Equal("az-key", request.Header("api-key"));
        Assert.Null(request.Header("Authorization"));
    }

    [Fact]
    public void Azure_without_a_base_url_is_a_configuration_error()
    {
        var error = Assert.Throws<ProviderException>(() => ProviderFactory.Create(new RunnerOptions { Provider = "azure-openai" }, Context(), _http));

        Assert.StartsWith("Azure OpenAI requires MODEL_BASE_URL to be set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anthropic_sends_x_api_key_version_max_tokens_system_block_and_full_tool_schema()
    {
        _llm.Enqueue(LlmReply.Say("three"));
        var provider = Create("anthropic", _llm.BaseUrl, key: "ant-key", tools: ListPods);

        var turn = await provider.ChatAsync(CancellationToken.None);

        var request = Assert.Single(_llm.Requests);
        Assert.Equal("/v1/messages", request.Path);
        Assert.Equal("ant-key", request.Header("x-api-key"));
        Assert.Equal(AnthropicProvider.ApiVersion, request.Header("anthropic-version"));
        Assert.Equal(8192, request.Body!["max_tokens"]!.GetValue<int>());
        Assert.Equal("text", request.Body["system"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("You are terse.", request.Body["system"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("How many pods?", request.Body["messages"]![0]!["content"]![0]!["text"]!.GetValue<string>());
        Assert.Equal("namespace", request.Body["tools"]![0]!["input_schema"]!["required"]![0]!.GetValue<string>());
        Assert.Equal("three", turn.Text);
    }

    [Fact]
    public async Task Anthropic_returns_tool_use_blocks_and_sends_results_in_one_user_message()
    {
        _llm.Enqueue(
            LlmReply.CallTools(new ScriptedToolCall("list_pods", """{"namespace":"a"}""", "toolu_1"), new ScriptedToolCall("list_pods", """{"namespace":"b"}""", "toolu_2")) with { Text = "Checking." },
            LlmReply.Say("done"));
        var provider = Create("anthropic", _llm.BaseUrl, tools: ListPods);

        var first = await provider.ChatAsync(CancellationToken.None);
        provider.AddToolResults([new ToolCallResult(first.ToolCalls[0], "ok", false), new ToolCallResult(first.ToolCalls[1], "Error: forbidden", true)]);
        await provider.ChatAsync(CancellationToken.None);

        Assert.Equal("Checking.", first.Text);
        Assert.Equal(["toolu_1", "toolu_2"], first.ToolCalls.Select(c => c.Id));
        var messages = _llm.Requests[1].Body!["messages"]!.AsArray();
        Assert.Equal(3, messages.Count);
        Assert.Equal("tool_use", messages[1]!["content"]![1]!["type"]!.GetValue<string>());
        var results = messages[2]!["content"]!.AsArray();
        Assert.Equal("user", messages[2]!["role"]!.GetValue<string>());
        Assert.Equal(2, results.Count);
        Assert.Equal("toolu_2", results[1]!["tool_use_id"]!.GetValue<string>());
        Assert.True(results[1]!["is_error"]!.GetValue<bool>());
        Assert.False(results[0]!["is_error"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Ollama_uses_native_api_chat_without_stream_and_parses_object_arguments()
    {
        _llm.Enqueue(LlmReply.CallTool("list_pods", """{"namespace":"default"}""") with { InputTokens = 7, OutputTokens = 2 }, LlmReply.Say("one pod"));
        var provider = Create("ollama", _llm.BaseUrl + "/v1", key: null, tools: ListPods);

        var first = await provider.ChatAsync(CancellationToken.None);
        provider.AddToolResults([new ToolCallResult(first.ToolCalls[0], "1 pod", false)]);
        var second = await provider.ChatAsync(CancellationToken.None);

        Assert.Equal("/api/chat", _llm.Requests[0].Path);
        Assert.False(_llm.Requests[0].Body!["stream"]!.GetValue<bool>());
        Assert.Equal("""{"namespace":"default"}""", Assert.Single(first.ToolCalls).ArgumentsJson);
        Assert.Equal((7, 2), (first.InputTokens, first.OutputTokens));
        var toolMessage = _llm.Requests[1].Body!["messages"]![3]!;
        Assert.Equal("tool", toolMessage["role"]!.GetValue<string>());
        Assert.Equal("list_pods", toolMessage["tool_name"]!.GetValue<string>());
        Assert.Equal("one pod", second.Text);
    }

    [Theory]
    [InlineData("openai", "OpenAI API error (HTTP 401): invalid api key")]
    [InlineData("anthropic", "Anthropic API error (HTTP 401): invalid api key")]
    [InlineData("ollama", "Ollama API error (HTTP 401): invalid api key")]
    public async Task Provider_errors_carry_the_status_and_the_providers_message(string providerName, string expected)
    {
        _llm.Enqueue(LlmReply.Fail(401, "invalid api key"));
        var provider = Create(providerName, providerName == "openai" ? _llm.OpenAiBaseUrl : _llm.BaseUrl);

        var error = await Assert.ThrowsAsync<ProviderException>(() => provider.ChatAsync(CancellationToken.None));

        Assert.Equal(expected, error.Message);
        Assert.Equal(401, error.StatusCode);
        Assert.Single(_llm.Requests);
    }

    [Fact]
    public async Task Rate_limit_with_retry_after_is_waited_out_and_retried()
    {
        _llm.Enqueue(LlmReply.Fail(429, "slow down", retryAfter: TimeSpan.FromSeconds(1)), LlmReply.Fail(503, "overloaded"), LlmReply.Say("finally"));
        var provider = Create("openai", _llm.OpenAiBaseUrl, policy: new LlmRetryPolicy { MaxRetries = 3 });

        var turn = await provider.ChatAsync(CancellationToken.None);

        Assert.Equal("finally", turn.Text);
        Assert.Equal(3, _llm.Requests.Count);
        Assert.True(_llm.Requests[1].ReceivedAt - _llm.Requests[0].ReceivedAt >= TimeSpan.FromSeconds(0.9), "Retry-After: 1 was not honoured");
    }

    [Fact]
    public async Task Retries_stop_after_the_budget_with_the_last_error()
    {
        _llm.Fallback = LlmReply.Fail(500, "internal");
        var provider = Create("openai", _llm.OpenAiBaseUrl, policy: new LlmRetryPolicy { MaxRetries = 2 });

        var error = await Assert.ThrowsAsync<ProviderException>(() => provider.ChatAsync(CancellationToken.None));

        Assert.Equal("OpenAI API error (HTTP 500): internal", error.Message);
        Assert.Equal(3, _llm.Requests.Count);
    }

    [Fact]
    public async Task Client_errors_other_than_408_409_429_are_not_retried()
    {
        _llm.Fallback = LlmReply.Fail(400, "bad request");
        var provider = Create("anthropic", _llm.BaseUrl, policy: new LlmRetryPolicy { MaxRetries = 4 });

        await Assert.ThrowsAsync<ProviderException>(() => provider.ChatAsync(CancellationToken.None));

        Assert.Single(_llm.Requests);
    }

    [Fact]
    public async Task Malformed_body_is_an_error_naming_the_problem_never_an_empty_answer()
    {
        _llm.Enqueue(LlmReply.Malformed("{\"choices\": [", 200), LlmReply.Malformed("""{"object":"chat.completion","choices":[]}"""));
        var provider = Create("openai", _llm.OpenAiBaseUrl);

        var unreadable = await Assert.ThrowsAsync<ProviderException>(() => provider.ChatAsync(CancellationToken.None));
        var empty = await Assert.ThrowsAsync<ProviderException>(() => provider.ChatAsync(CancellationToken.None));

        Assert.StartsWith("OpenAI API error: unreadable response body", unreadable.Message, StringComparison.Ordinal);
        Assert.Equal("OpenAI API error: no choices in completion response", empty.Message);
    }

    [Fact]
    public async Task Slow_response_past_the_request_timeout_is_retried_then_reported()
    {
        _llm.Fallback = LlmReply.Say("late") with { Delay = TimeSpan.FromSeconds(3) };
        var provider = Create("ollama", _llm.BaseUrl, policy: new LlmRetryPolicy { MaxRetries = 1, RequestTimeout = TimeSpan.FromMilliseconds(300) });

        var error = await Assert.ThrowsAsync<ProviderException>(() => provider.ChatAsync(CancellationToken.None));

        Assert.Equal("Ollama API error: request timed out after 0.3 s (after 2 attempts)", error.Message);
        Assert.Equal(2, _llm.Requests.Count);
    }

    [Fact]
    public async Task Connection_refused_is_retried_and_reported()
    {
        var deadPort = Sympozium.Testing.TestPorts.GetFreeTcpPort();
        var provider = Create("openai", $"http://127.0.0.1:{deadPort}/v1", policy: new LlmRetryPolicy { MaxRetries = 1, InitialBackoff = TimeSpan.FromMilliseconds(10) });

        var error = await Assert.ThrowsAsync<ProviderException>(() => provider.ChatAsync(CancellationToken.None));

        Assert.StartsWith("OpenAI API error: ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("(after 2 attempts)", error.Message, StringComparison.Ordinal);
    }
}
