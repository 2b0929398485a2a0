using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Sympozium.Testing.Llm;

/// <summary>Renders a <see cref="LlmReply"/> in each provider's response format, whole or streamed.</summary>
internal static class WireFormats
{
    private static readonly long Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public static JsonObject OpenAi(LlmReply reply, string model, int n)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = reply.Text.Length > 0 ? reply.Text : null };
        if (reply.ReasoningContent is not null)
        {
            message["reasoning_content"] = reply.ReasoningContent;
        }

        if (reply.ToolCalls.Count > 0)
        {
            message["tool_calls"] = new JsonArray([.. reply.ToolCalls.Select((c, i) => (JsonNode)new JsonObject
            {
                ["id"] = c.Id ?? $"call_{n}_{i}",
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.ArgumentsJson },
            })]);
        }

        return new JsonObject
        {
            ["id"] = $"chatcmpl-{n}",
            ["object"] = "chat.completion",
            ["created"] = Created,
            ["model"] = model,
            ["choices"] = new JsonArray((JsonNode)new JsonObject
            {
                ["index"] = 0,
                ["message"] = message,
                ["finish_reason"] = reply.FinishReason ?? (reply.ToolCalls.Count > 0 ? "tool_calls" : "stop"),
            }),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = reply.InputTokens,
                ["completion_tokens"] = reply.OutputTokens,
                ["total_tokens"] = reply.InputTokens + reply.OutputTokens,
            },
        };
    }

    public static async Task WriteOpenAiStream(HttpContext ctx, LlmReply reply, string model, int n)
    {
        ctx.Response.ContentType = "text/event-stream";
        JsonObject Chunk(JsonObject delta, string? finish) => new()
        {
            ["id"] = $"chatcmpl-{n}",
            ["object"] = "chat.completion.chunk",
            ["created"] = Created,
            ["model"] = model,
            ["choices"] = new JsonArray((JsonNode)new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
        };

        await Sse(ctx, null, Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null)).ConfigureAwait(false);
        foreach (var piece in Pieces(reply.Text))
        {
            await Sse(ctx, null, Chunk(new JsonObject { ["content"] = piece }, null)).ConfigureAwait(false);
        }

        for (var i = 0; i < reply.ToolCalls.Count; i++)
        {
            var call = reply.ToolCalls[i];
            await Sse(ctx, null, Chunk(new JsonObject
            {
                ["tool_calls"] = new JsonArray((JsonNode)new JsonObject
                {
                    ["index"] = i,
                    ["id"] = call.Id ?? $"call_{n}_{i}",
                    ["type"] = "function",
                    ["function"] = new JsonObject { ["name"] = call.Name, ["arguments"] = call.ArgumentsJson },
                }),
            }, null)).ConfigureAwait(false);
        }

        var final = Chunk(new JsonObject(), reply.FinishReason ?? (reply.ToolCalls.Count > 0 ? "tool_calls" : "stop"));
        final["usage"] = new JsonObject { ["prompt_tokens"] = reply.InputTokens, ["completion_tokens"] = reply.OutputTokens, ["total_tokens"] = reply.InputTokens + reply.OutputTokens };
        await Sse(ctx, null, final).ConfigureAwait(false);
        await ctx.Response.WriteAsync("data: [DONE]\n\n", ctx.RequestAborted).ConfigureAwait(false);
    }

    public static JsonObject Anthropic(LlmReply reply, string model, int n) => new()
    {
        ["id"] = $"msg_{n}",
        ["type"] = "message",
        ["role"] = "assistant",
        ["model"] = model,
        ["content"] = AnthropicContent(reply, n),
        ["stop_reason"] = reply.FinishReason ?? (reply.ToolCalls.Count > 0 ? "tool_use" : "end_turn"),
        ["stop_sequence"] = null,
        ["usage"] = new JsonObject { ["input_tokens"] = reply.InputTokens, ["output_tokens"] = reply.OutputTokens },
    };

    public static async Task WriteAnthropicStream(HttpContext ctx, LlmReply reply, string model, int n)
    {
        ctx.Response.ContentType = "text/event-stream";
        var start = Anthropic(reply with { Text = "", ToolCalls = [] }, model, n);
        start["content"] = new JsonArray();
        start["stop_reason"] = null;
        await Sse(ctx, "message_start", new JsonObject { ["type"] = "message_start", ["message"] = start }).ConfigureAwait(false);
        var index = 0;
        if (reply.Text.Length > 0)
        {
            await Sse(ctx, "content_block_start", new JsonObject { ["type"] = "content_block_start", ["index"] = index, ["content_block"] = new JsonObject { ["type"] = "text", ["text"] = "" } }).ConfigureAwait(false);
            foreach (var piece in Pieces(reply.Text))
            {
                await Sse(ctx, "content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = index, ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = piece } }).ConfigureAwait(false);
            }

            await Sse(ctx, "content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = index++ }).ConfigureAwait(false);
        }

        for (var i = 0; i < reply.ToolCalls.Count; i++, index++)
        {
            var call = reply.ToolCalls[i];
            await Sse(ctx, "content_block_start", new JsonObject
            {
                ["type"] = "content_block_start",
                ["index"] = index,
                ["content_block"] = new JsonObject { ["type"] = "tool_use", ["id"] = call.Id ?? $"toolu_{n}_{i}", ["name"] = call.Name, ["input"] = new JsonObject() },
            }).ConfigureAwait(false);
            await Sse(ctx, "content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = index, ["delta"] = new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = call.ArgumentsJson } }).ConfigureAwait(false);
            await Sse(ctx, "content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = index }).ConfigureAwait(false);
        }

        await Sse(ctx, "message_delta", new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = reply.FinishReason ?? (reply.ToolCalls.Count > 0 ? "tool_use" : "end_turn") },
            ["usage"] = new JsonObject { ["output_tokens"] = reply.OutputTokens },
        }).ConfigureAwait(false);
        await Sse(ctx, "message_stop", new JsonObject { ["type"] = "message_stop" }).ConfigureAwait(false);
    }

    public static JsonObject Ollama(LlmReply reply, string model)
    {
        var message = new JsonObject { ["role"] = "assistant", ["content"] = reply.Text };
        if (reply.ToolCalls.Count > 0)
        {
            message["tool_calls"] = new JsonArray([.. reply.ToolCalls.Select(c => (JsonNode)new JsonObject
            {
                ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = JsonNode.Parse(c.ArgumentsJson) },
            })]);
        }

        return new JsonObject
        {
            ["model"] = model,
            ["created_at"] = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["message"] = message,
            ["done"] = true,
            ["done_reason"] = reply.FinishReason ?? "stop",
            ["total_duration"] = 1_000_000,
            ["prompt_eval_count"] = reply.InputTokens,
            ["eval_count"] = reply.OutputTokens,
        };
    }

    public static async Task WriteOllamaStream(HttpContext ctx, LlmReply reply, string model)
    {
        ctx.Response.ContentType = "application/x-ndjson";
        foreach (var piece in Pieces(reply.Text))
        {
            var line = new JsonObject
            {
                ["model"] = model,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = piece },
                ["done"] = false,
            };
            await ctx.Response.WriteAsync(line.ToJsonString() + "\n", ctx.RequestAborted).ConfigureAwait(false);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
        }

        var final = Ollama(reply with { Text = "" }, model);
        await ctx.Response.WriteAsync(final.ToJsonString() + "\n", ctx.RequestAborted).ConfigureAwait(false);
    }

    private static JsonArray AnthropicContent(LlmReply reply, int n)
    {
        var content = new JsonArray();
        if (reply.Text.Length > 0)
        {
            content.Add((JsonNode)new JsonObject { ["type"] = "text", ["text"] = reply.Text });
        }

        for (var i = 0; i < reply.ToolCalls.Count; i++)
        {
            var call = reply.ToolCalls[i];
            content.Add((JsonNode)new JsonObject { ["type"] = "tool_use", ["id"] = call.Id ?? $"toolu_{n}_{i}", ["name"] = call.Name, ["input"] = JsonNode.Parse(call.ArgumentsJson) });
        }

        return content;
    }

    /// <summary>Splits text into a few pieces so streams have several deltas.</summary>
    private static IEnumerable<string> Pieces(string text)
    {
        const int size = 8;
        for (var i = 0; i < text.Length; i += size)
        {
            yield return text.Substring(i, Math.Min(size, text.Length - i));
        }
    }

    private static async Task Sse(HttpContext ctx, string? eventName, JsonNode data)
    {
        var frame = (eventName is null ? "" : $"event: {eventName}\n") + $"data: {data.ToJsonString()}\n\n";
        await ctx.Response.WriteAsync(frame, ctx.RequestAborted).ConfigureAwait(false);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted).ConfigureAwait(false);
    }
}
