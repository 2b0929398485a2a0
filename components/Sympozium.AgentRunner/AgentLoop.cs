using Sympozium.AgentRunner.Providers;
using Sympozium.AgentRunner.Tools;

namespace Sympozium.AgentRunner;

/// <summary>What the tool loop produced.</summary>
public sealed record LoopOutcome(string Response, long InputTokens, long OutputTokens, int ToolCalls, string? Error)
{
    public bool Succeeded => Error is null;
}

/// <summary>
/// The conversation: ask the model, run the tools it calls (in order), feed back the results,
/// until it answers without tool calls or the iteration budget is spent.
/// </summary>
public sealed class AgentLoop(IChatProvider provider, ToolRegistry tools, int maxIterations, Action<string>? log = null)
{
    public async Task<LoopOutcome> RunAsync(CancellationToken cancellationToken)
    {
        long inputTokens = 0, outputTokens = 0;
        var toolCalls = 0;
        var accumulated = "";
        for (var i = 0; i < maxIterations; i++)
        {
            ChatTurn turn;
            try
            {
                turn = await provider.ChatAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ProviderException e)
            {
                return new LoopOutcome(accumulated, inputTokens, outputTokens, toolCalls, e.Message);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return new LoopOutcome(accumulated, inputTokens, outputTokens, toolCalls, "run deadline exceeded while waiting for the model");
            }

            inputTokens += turn.InputTokens;
            outputTokens += turn.OutputTokens;
            var text = turn.Text.Trim();
            if (text.Length > 0)
            {
                accumulated = accumulated.Length == 0 ? text : accumulated + "\n\n" + text;
            }

            if (turn.ToolCalls.Count == 0)
            {
                // A final empty turn falls back to what the model said earlier.
                return new LoopOutcome(text.Length > 0 ? turn.Text : accumulated, inputTokens, outputTokens, toolCalls, null);
            }

            var results = new List<ToolCallResult>(turn.ToolCalls.Count);
            foreach (var call in turn.ToolCalls)
            {
                toolCalls++;
                log?.Invoke($"tool call {toolCalls}: {call.Name}");
                ToolResult result;
                try
                {
                    result = await tools.DispatchAsync(call.Name, call.ArgumentsJson, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return new LoopOutcome(accumulated, inputTokens, outputTokens, toolCalls, $"run deadline exceeded while running tool {call.Name}");
                }

                results.Add(new ToolCallResult(call, result.Text, result.IsError));
            }

            provider.AddToolResults(results);
        }

        return new LoopOutcome(accumulated, inputTokens, outputTokens, toolCalls, $"exceeded maximum tool-call iterations ({maxIterations})");
    }
}
