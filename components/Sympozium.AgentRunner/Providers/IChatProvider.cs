using Sympozium.AgentRunner.Tools;

namespace Sympozium.AgentRunner.Providers;

/// <summary>
/// One conversation with an LLM provider in its own wire format. The provider keeps the message
/// history: the system prompt and task it was created with, each assistant turn, and the tool
/// results added after it.
/// </summary>
public interface IChatProvider
{
    /// <summary>Provider name as configured (openai, anthropic, azure-openai, ollama, …).</summary>
    string Name { get; }

    /// <summary>The endpoint requests go to (for logs and the start-up line; never contains a key).</summary>
    Uri Endpoint { get; }

    /// <summary>Sends the history and returns the model's next turn.</summary>
    /// <exception cref="ProviderException">The provider answered with an error or an unreadable body.</exception>
    Task<ChatTurn> ChatAsync(CancellationToken cancellationToken);

    /// <summary>Appends the results of the tool calls of the last turn.</summary>
    void AddToolResults(IReadOnlyList<ToolCallResult> results);
}

/// <summary>What a provider needs to start a conversation.</summary>
public sealed record ChatRequestContext(string SystemPrompt, string UserMessage, IReadOnlyList<ToolDefinition> Tools, string Model);

/// <summary>A provider error; its message is what the run's result reports.</summary>
public sealed class ProviderException : Exception
{
    public ProviderException(string message, int? statusCode = null, Exception? inner = null)
        : base(message, inner)
    {
        StatusCode = statusCode;
    }

    public ProviderException()
    {
    }

    public ProviderException(string message)
        : base(message)
    {
    }

    public ProviderException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The HTTP status, when the provider answered.</summary>
    public int? StatusCode { get; }
}
