namespace Sympozium.AgentRunner.Providers;

/// <summary>Chooses the adapter and endpoint for <see cref="RunnerOptions.Provider"/>.</summary>
public static class ProviderFactory
{
    /// <summary>Default OpenAI-compatible bases of the local providers.</summary>
    private static readonly Dictionary<string, string> LocalDefaults = new(StringComparer.Ordinal)
    {
        ["lm-studio"] = "http://localhost:1234/v1",
        ["llama-server"] = "http://localhost:8080/v1",
        ["unsloth"] = "http://localhost:8080/v1",
    };

    public const string OpenAiBase = "https://api.openai.com/v1";
    public const string AnthropicBase = "https://api.anthropic.com";
    public const string OllamaBase = "http://ollama.default.svc:11434";

    /// <summary>Builds the provider, or throws <see cref="ProviderException"/> with a configuration error.</summary>
    public static IChatProvider Create(RunnerOptions options, ChatRequestContext context, HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(options);
        var client = new LlmHttpClient(http, new LlmRetryPolicy
        {
            MaxRetries = options.EffectiveMaxRetries,
            RequestTimeout = options.EffectiveRequestTimeout,
        });
        var baseUrl = options.BaseUrl;
        switch (options.Provider)
        {
            case "anthropic":
                return new AnthropicProvider(new Uri(Or(baseUrl, AnthropicBase)), options.ApiKey, context, client);
            case "ollama":
                return new OllamaProvider(new Uri(Or(baseUrl, OllamaBase)), options.ApiKey, context, client);
            case "azure-openai":
                if (baseUrl.Length == 0)
                {
                    throw new ProviderException("Azure OpenAI requires MODEL_BASE_URL to be set (the resource endpoint, e.g. https://my-resource.openai.azure.com)");
                }

                return new OpenAiCompatibleProvider(options.Provider, OpenAiCompatibleProvider.CompletionsUri(baseUrl, options.Model, azure: true, options.AzureApiVersion), options.ApiKey, azure: true, context, client);
            case "bedrock":
                throw new ProviderException("the bedrock provider is not supported by this agent runner; use an OpenAI-compatible gateway (MODEL_PROVIDER=openai-compatible with MODEL_BASE_URL)");
            default:
                var resolved = Or(baseUrl, LocalDefaults.GetValueOrDefault(options.Provider) ?? OpenAiBase);
                return new OpenAiCompatibleProvider(options.Provider, OpenAiCompatibleProvider.CompletionsUri(resolved, options.Model, azure: false, options.AzureApiVersion), options.ApiKey, azure: false, context, client);
        }
    }

    private static string Or(string value, string fallback) => value.Length > 0 ? value : fallback;
}
