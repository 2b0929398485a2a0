using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Sympozium.AgentRunner.Tools.Ipc;

/// <summary>What waiting for a sidecar's result file produced.</summary>
internal readonly record struct IpcPollResult<T>(T? Value, string? ParseError)
    where T : class
{
    public bool TimedOut => Value is null && ParseError is null;
}

/// <summary>
/// Waits for a result file written by a sidecar (exec or MCP): woken by the file's arrival
/// (<see cref="FileArrival"/>), with the poll interval only as a safety net (upstream polled, so
/// every tool call waited up to a whole interval after its result was there). An empty file is
/// treated as not yet written, an unparsable one is read once more after its next write or
/// 100 ms. Sidecars write <c>.tmp</c> + rename, so the retries only matter for older writers.
/// </summary>
internal static class IpcResultPoller
{
    private static readonly TimeSpan EmptyFileRetry = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan ParseRetry = TimeSpan.FromMilliseconds(100);

    public static async Task<IpcPollResult<T>> WaitAsync<T>(
        string path,
        JsonTypeInfo<T> typeInfo,
        TimeSpan wait,
        TimeSpan interval,
        TimeProvider time,
        CancellationToken cancellationToken)
        where T : class
    {
        var started = time.GetTimestamp();
        using var arrival = FileArrival.Watch(path);
        while (time.GetElapsedTime(started) < wait)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var bytes = TryRead(path);
            if (bytes is { Length: 0 })
            {
                await arrival.WaitAsync(EmptyFileRetry, time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (bytes is not null)
            {
                if (TryParse(bytes, typeInfo, out var value, out var error))
                {
                    return new(value, null);
                }

                await arrival.WaitAsync(ParseRetry, time, cancellationToken).ConfigureAwait(false);
                return TryRead(path) is { } again && TryParse(again, typeInfo, out value, out _)
                    ? new(value, null)
                    : new(null, error);
            }

            var remaining = wait - time.GetElapsedTime(started);
            await arrival.WaitAsync(remaining < interval ? remaining : interval, time, cancellationToken).ConfigureAwait(false);
        }

        return new(null, null);
    }

    private static byte[]? TryRead(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool TryParse<T>(byte[] bytes, JsonTypeInfo<T> typeInfo, out T? value, out string error)
        where T : class
    {
        try
        {
            value = JsonSerializer.Deserialize(bytes, typeInfo);
            error = value is null ? "the file holds JSON null" : "";
            return value is not null;
        }
        catch (JsonException e)
        {
            value = null;
            error = e.Message;
            return false;
        }
    }
}
