namespace Sympozium.AgentRunner.Tests;

/// <summary>The environment contract of the agent container.</summary>
public class RunnerOptionsTests
{
    private static RunnerOptions From(params (string Key, string Value)[] env) =>
        RunnerOptions.FromEnvironment(env.ToDictionary(e => e.Key, e => (string?)e.Value));

    [Fact]
    public void Empty_environment_gives_the_upstream_defaults()
    {
        var options = From();

        Assert.Equal(("openai", "gpt-4o-mini", "You are a helpful AI assistant."), (options.Provider, options.Model, options.SystemPrompt));
        Assert.Equal(50, options.MaxToolIterations);
        Assert.False(options.ToolsEnabled);
        Assert.Equal("/", options.Root);
        Assert.Equal((null, 5, TimeSpan.FromMinutes(10)), (options.EffectiveRequestTimeout, options.EffectiveMaxRetries, options.EffectiveRunTimeout));
    }

    [Fact]
    public void A_run_without_an_mcp_server_does_not_wait_for_the_mcp_manifest_and_upstream_pods_keep_the_wait()
    {
        Assert.Equal(TimeSpan.Zero, From(("MCP_MANIFEST_WAIT", "0s")).McpManifestWait);
        Assert.Equal(TimeSpan.FromSeconds(2), From(("MCP_MANIFEST_WAIT", "2s")).McpManifestWait);
        Assert.Null(From().McpManifestWait); // an upstream controller sets nothing: the 5 s default applies
        var bad = From(("MCP_MANIFEST_WAIT", "soon"));
        Assert.Null(bad.McpManifestWait);
        Assert.Contains(bad.Warnings, w => w.Contains("MCP_MANIFEST_WAIT", StringComparison.Ordinal));
    }

    [Fact]
    public void Local_providers_get_long_request_timeouts_and_few_retries()
    {
        var options = From(("MODEL_PROVIDER", "OLLAMA"));

        Assert.Equal("ollama", options.Provider);
        Assert.Equal((TimeSpan.FromMinutes(5), 2, TimeSpan.FromMinutes(30)), (options.EffectiveRequestTimeout, options.EffectiveMaxRetries, options.EffectiveRunTimeout));
    }

    [Fact]
    public void Run_timeout_from_the_controller_overrides_the_provider_default()
    {
        var options = From(("MODEL_PROVIDER", "ollama"), ("RUN_TIMEOUT", "10m0s"), ("LLM_REQUEST_TIMEOUT", "90s"), ("LLM_MAX_RETRIES", "0"));

        Assert.Equal((TimeSpan.FromSeconds(90), 0, TimeSpan.FromMinutes(10)), (options.EffectiveRequestTimeout, options.EffectiveMaxRetries, options.EffectiveRunTimeout));
        Assert.Empty(options.Warnings);
    }

    [Fact]
    public void Bad_numbers_and_durations_fall_back_with_a_warning()
    {
        var options = From(("MAX_TOOL_ITERATIONS", "0"), ("RUN_TIMEOUT", "ten minutes"), ("LLM_MAX_RETRIES", "-1"));

        Assert.Equal(50, options.MaxToolIterations);
        Assert.Null(options.RunTimeout);
        Assert.Equal(3, options.Warnings.Count);
        Assert.Contains(options.Warnings, w => w.StartsWith("RUN_TIMEOUT=\"ten minutes\" is not a positive Go duration", StringComparison.Ordinal));
    }

    [Fact]
    public void Api_key_is_chosen_for_the_provider_not_by_variable_order()
    {
        // Upstream sent OPENAI_API_KEY to Anthropic when both were set.
        (string, string)[] keys = [("OPENAI_API_KEY", "oa"), ("ANTHROPIC_API_KEY", "an"), ("AZURE_OPENAI_API_KEY", "az")];

        Assert.Equal("an", From([("MODEL_PROVIDER", "anthropic"), .. keys]).ApiKey);
        Assert.Equal("oa", From([("MODEL_PROVIDER", "openai"), .. keys]).ApiKey);
        Assert.Equal("az", From([("MODEL_PROVIDER", "azure-openai"), .. keys]).ApiKey);
        Assert.Equal("generic", From(("MODEL_PROVIDER", "anthropic"), ("OPENAI_API_KEY", "oa"), ("API_KEY", "generic")).ApiKey);
        Assert.Null(From(("MODEL_PROVIDER", "anthropic"), ("OPENAI_API_KEY", "oa")).ApiKey);
    }

    [Fact]
    public void Base_url_loses_its_trailing_slash_and_flags_need_exactly_true()
    {
        var options = From(("MODEL_BASE_URL", "http://x/v1/"), ("TOOLS_ENABLED", "True"), ("MEMORY_ENABLED", "true"));

        Assert.Equal("http://x/v1", options.BaseUrl);
        Assert.False(options.ToolsEnabled);
        Assert.True(options.MemoryEnabled);
    }
}
